"""Write services of the issuing face."""

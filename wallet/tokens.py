"""The secret tokens of the wallet's links (claim links, share links): only their SHA-256 is ever stored.

A token is 24 random bytes (192 bits, URL-safe); whoever holds the link holds the token, and the database holds
only ``token_hash(token)``, so a copy of the database opens no link. Kept apart from the services so that the
migration that hashed the share tokens already in the database uses this same function.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

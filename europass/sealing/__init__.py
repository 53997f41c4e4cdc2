"""The e-seal: XAdES seal and verify, keys (PKCS#12, PEM, encryption at rest), certificates, QC statements, trust.

No Django here: this package is a library the apps use.
"""

"""A real PKCS#11 token for the tests: Debian's SoftHSM2, initialised in a scratch directory with an RSA (or EC) key
pair generated on the token and a seal certificate for it under a test CA, stored on the token beside the key."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "4321-token-pin"
SO_PIN = "87654321"


@dataclass
class Token:
    module: str
    label: str
    pin_env: str
    key_label: str
    certificate: x509.Certificate
    anchor: x509.Certificate
    anchor_key: Any


def available() -> bool:
    return os.path.isfile(MODULE) and shutil.which("softhsm2-util") is not None


def configure(directory: Path, *, backend: str = "file") -> None:
    """Point SoftHSM2 at ``directory`` (before the library is first loaded in this process)."""
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = {backend}\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)


def make_token(
    label: str,
    *,
    anchor: x509.Certificate,
    anchor_key: Any,
    subject: x509.Name,
    key_type: str = "rsa",
    store_certificate: bool = True,
    pin_env: str = "EUROPASS_TEST_TOKEN_PIN",
) -> Token:
    import pkcs11
    from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
    from pkcs11.util.ec import encode_named_curve_parameters

    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", PIN],
        check=True,
        capture_output=True,
    )
    os.environ[pin_env] = PIN
    lib = pkcs11.lib(MODULE)
    lib.reinitialize()  # see the token just made
    token = lib.get_token(token_label=label)
    with token.open(rw=True, user_pin=PIN) as session:
        if key_type == "rsa":
            public, _private = session.generate_keypair(
                KeyType.RSA, 2048, label="seal", id=b"\x01", store=True
            )
            modulus = int.from_bytes(bytes(public[Attribute.MODULUS]), "big")
            exponent = int.from_bytes(bytes(public[Attribute.PUBLIC_EXPONENT]), "big")
            public_key: Any = rsa.RSAPublicNumbers(exponent, modulus).public_key()
        else:
            parameters = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
            )
            public, _private = parameters.generate_keypair(label="seal", id=b"\x01", store=True)
            from asn1crypto.core import OctetString

            point = OctetString.load(bytes(public[Attribute.EC_POINT])).native
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(anchor.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(anchor_key.public_key()), critical=False
            )
            .sign(anchor_key, hashes.SHA256())
        )
        if store_certificate:
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: "seal",
                    Attribute.ID: b"\x01",
                    Attribute.SUBJECT: certificate.subject.public_bytes(),
                    Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                }
            )
    return Token(MODULE, label, pin_env, "seal", certificate, anchor, anchor_key)


def subject_of(name: str, identifier: str, country: str = "FR") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(x509.ObjectIdentifier("2.5.4.97"), identifier),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} e-seal"),
        ]
    )

"""The e-seal: an enveloped XAdES Baseline B signature, as signxml makes it (``xades_sign``), placed in ``<proof>``.

A ``Sealer`` is built once per organisation key and reused for every credential (the hot loop of issuing): the key,
certificates and signer configuration are prepared once. Levels, in ``UnsignedSignatureProperties``:

- B-B: the signature alone;
- B-T (with a time-stamping authority): a SignatureTimeStamp over the canonicalised ``ds:SignatureValue``;
- B-LT (with ``validation``): CertificateValues and RevocationValues, collected once per sealer;
- B-LTA (``archive``): last, a ``xades141:ArchiveTimeStamp`` (EN 319 132-1 V1.1.1 5.5.2) over the signed data,
  ``ds:SignedInfo``, ``ds:SignatureValue``, ``ds:KeyInfo`` and the unsigned properties before it, computed by
  ``xades.archive_timestamp_data``, which our verifier recomputes.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from lxml import etree

from europass.words import said

from .errors import SealingError
from .evidence import SealRefused
from .jades_seal import ValidationCollector, ValidationValues
from .keys import PrivateKey, SealKey
from .token_keys import Recorder, TokenEcKey, TokenRsaKey
from .xades import DS, XADES, XADES141, archive_timestamp_data
from .xades_sign import SNB, XadesSigner

if TYPE_CHECKING:
    from .timestamp import TimeStamper

C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class Sealer:
    def __init__(
        self,
        seal_key: SealKey,
        *,
        timestamper: TimeStamper | None = None,
        validation: ValidationCollector | None = None,
        archive: bool = False,
    ) -> None:
        """``timestamper``: XAdES-B-T; with ``validation`` too, XAdES-B-LT: the chain's certificates and the
        revocation values it collects (once per sealer, refreshed hourly) in the unsigned properties; with
        ``archive`` too, XAdES-B-LTA: an archive time-stamp after them (only with a time-stamper)."""
        self.seal_key = seal_key
        self.timestamper = timestamper
        self.validation = validation
        self.archive = archive and timestamper is not None
        self._values: ValidationValues | None = None
        self._signer = XadesSigner([seal_key.certificate, *seal_key.chain], seal_key.certificate.public_key())

    def __repr__(self) -> str:
        return f"Sealer({self.seal_key!r}, {self.level})"

    @property
    def level(self) -> str:
        if self.timestamper is None:
            return "B-B"
        if self.archive and self.validation is not None:
            return "B-LTA"
        return "B-LT" if self.validation is not None else "B-T"

    def seal(self, xml: bytes) -> bytes:
        """Seal a credential document (bytes of an unsealed ``europassCredential``); returns the sealed bytes."""
        return self._finish(self._signed(xml, self.seal_key.private_key))

    def seal_element(self, root: etree._Element) -> bytes:
        """Seal a document built here, as its tree (``Credential.to_element()``): the same seal as ``seal`` over its
        bytes, without writing and parsing them again. The tree is sealed in place."""
        return self._finish(self._signer.sign(_without_proof(root), self.seal_key.private_key))

    def prepare(self, xmls: list[bytes]) -> tuple[list[etree._Element], Recorder]:
        """For a key that signs many items per request (``batch_signer``): the documents signed with placeholders,
        and what each signature must cover (``Recorder.items``, in order). ``complete`` puts the real ones in."""
        key = self.seal_key.private_key
        assert isinstance(key, (TokenRsaKey, TokenEcKey))
        recorder = Recorder(key)
        return [self._signed(xml, recorder.key) for xml in xmls], recorder

    def complete(self, trees: list[etree._Element], signatures: list[bytes]) -> list[bytes]:
        """The prepared documents with their real signature values (raw: PKCS#1 v1.5, or r || s for ECDSA, as the
        XML signature carries them), then time-stamped and completed to the sealer's level."""
        sealed = []
        for tree, signature in zip(trees, signatures, strict=True):
            value = tree.find(f".//{{{DS}}}Signature/{{{DS}}}SignatureValue")
            assert value is not None
            value.text = base64.b64encode(signature).decode()
            sealed.append(self._finish(tree))
        return sealed

    def _signed(self, xml: bytes, key: PrivateKey) -> etree._Element:
        return self._signer.sign(_without_proof(etree.fromstring(xml, parser=_PARSER)), key)

    def _finish(self, signed: etree._Element) -> bytes:
        if self.timestamper is not None:
            self._add_timestamp(signed)
            if self.validation is not None:
                self._add_validation_values(signed)
            if self.archive:
                self._add_archive_timestamp(signed)
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")

    def _add_timestamp(self, signed: etree._Element) -> None:
        signature = signed.find(f".//{{{DS}}}Signature")
        assert signature is not None and self.timestamper is not None
        value = signature.find(f"{{{DS}}}SignatureValue")
        qualifying = signature.find(f".//{{{XADES}}}QualifyingProperties")
        assert value is not None and qualifying is not None
        imprint_data = etree.tostring(value, method="c14n", exclusive=True)
        token = self.timestamper.timestamp(imprint_data)
        unsigned = etree.SubElement(qualifying, f"{{{XADES}}}UnsignedProperties")
        properties = etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties")
        stamp = etree.SubElement(
            properties, f"{{{XADES}}}SignatureTimeStamp", Id=f"TS-{signature.get('Id', 'sig')}"
        )
        etree.SubElement(stamp, f"{{{DS}}}CanonicalizationMethod", Algorithm=C14N)
        etree.SubElement(stamp, f"{{{XADES}}}EncapsulatedTimeStamp").text = base64.b64encode(token).decode()

    def _add_validation_values(self, signed: etree._Element) -> None:
        """XAdES-B-LT: CertificateValues (the chain, then what the collector adds) and RevocationValues."""
        now = dt.datetime.now(dt.UTC)
        if self._values is None or now - self._values.collected_at > dt.timedelta(hours=1):
            assert self.validation is not None
            self._values = self.validation(self.seal_key)
        values = self._values
        properties = signed.find(f".//{{{XADES}}}UnsignedSignatureProperties")
        assert properties is not None
        chain = [c.public_bytes(serialization.Encoding.DER) for c in self.seal_key.chain]
        certificates = [*chain, *values.certificates]
        if certificates:
            holder = etree.SubElement(properties, f"{{{XADES}}}CertificateValues")
            for der in certificates:
                etree.SubElement(holder, f"{{{XADES}}}EncapsulatedX509Certificate").text = base64.b64encode(
                    der
                ).decode()
        if values.crls or values.ocsps:
            revocation = etree.SubElement(properties, f"{{{XADES}}}RevocationValues")
            if values.crls:
                crls = etree.SubElement(revocation, f"{{{XADES}}}CRLValues")
                for der in values.crls:
                    etree.SubElement(crls, f"{{{XADES}}}EncapsulatedCRLValue").text = base64.b64encode(
                        der
                    ).decode()
            if values.ocsps:
                ocsps = etree.SubElement(revocation, f"{{{XADES}}}OCSPValues")
                for der in values.ocsps:
                    etree.SubElement(ocsps, f"{{{XADES}}}EncapsulatedOCSPValue").text = base64.b64encode(
                        der
                    ).decode()

    def _add_archive_timestamp(self, signed: etree._Element) -> None:
        """XAdES-B-LTA: a ``xades141:ArchiveTimeStamp``, the last unsigned signature property, over everything
        before it (EN 319 132-1 5.5.2.2, exclusive canonicalisation as the SignatureTimeStamp)."""
        signature = signed.find(f".//{{{DS}}}Signature")
        properties = signed.find(f".//{{{XADES}}}UnsignedSignatureProperties")
        assert signature is not None and properties is not None and self.timestamper is not None
        stamp = etree.SubElement(
            properties,
            f"{{{XADES141}}}ArchiveTimeStamp",
            Id=f"ATS-{signature.get('Id', 'sig')}",
            nsmap={"xades141": XADES141},
        )
        etree.SubElement(stamp, f"{{{DS}}}CanonicalizationMethod", Algorithm=C14N)
        try:
            data = archive_timestamp_data(signature, stamp)
        except SealRefused:  # our own seal: the signed data would not give the signature's own digests
            raise SealingError(
                "archive_timestamp", said("The archive time-stamp could not be computed over the seal.")
            ) from None
        token = self.timestamper.timestamp(data)
        etree.SubElement(stamp, f"{{{XADES}}}EncapsulatedTimeStamp").text = base64.b64encode(token).decode()


def _without_proof(root: etree._Element) -> etree._Element:
    for old in root.findall(f"{{{SNB}}}proof"):
        root.remove(old)
    return root


def seal(document: bytes, key: SealKey) -> bytes:
    """Convenience for one document; for many, build one ``Sealer`` and reuse it."""
    return Sealer(key).seal(document)

"""The parts of a document that a batch shares (qualification, its learning outcomes, the awarding body) are written
once and copied: every document is byte for byte what writing it afresh gives, and no document shares an element
with another."""

from __future__ import annotations

import dataclasses

from europass.credentials import model
from europass.credentials.example import example_credential

SNB = "{http://data.europa.eu/snb}"


def _fresh(credential: model.Credential) -> bytes:
    model._WRITTEN._kept.clear()
    return credential.to_xml()


def test_documents_sharing_a_qualification_are_each_what_a_fresh_write_gives() -> None:
    first = example_credential(id="urn:uuid:00000000-0000-0000-0000-000000000001")
    # the same qualification and awarding body objects, another holder and id: what a builder makes for a batch
    second = dataclasses.replace(
        first,
        id="urn:uuid:00000000-0000-0000-0000-000000000002",
        holder=dataclasses.replace(first.holder, id="urn:uuid:00000000-0000-0000-0000-000000000002:holder"),
    )
    expected = [_fresh(first), _fresh(second)]
    model._WRITTEN._kept.clear()
    written = [first.to_xml(), second.to_xml(), first.to_xml()]
    assert written == [expected[0], expected[1], expected[0]]
    assert b"urn:uuid:00000000-0000-0000-0000-000000000002" in written[1]


def test_changing_one_written_document_changes_no_other() -> None:
    credential = example_credential()
    one = credential.to_element()
    title = one.find(f".//{SNB}learningSpecificationReferences/{SNB}qualification/{SNB}title/{SNB}text")
    assert title is not None and title.text
    title.text = "Changed in one document only"
    organisation = one.find(f".//{SNB}agentReferences/{SNB}organization")
    assert organisation is not None
    organisation.getparent().remove(organisation)  # type: ignore[union-attr]
    other = credential.to_xml()
    assert b"Changed in one document only" not in other
    assert other == _fresh(credential)

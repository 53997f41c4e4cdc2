"""English and French are complete."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("**/locale/fr/LC_MESSAGES/django.po"))


def test_there_is_a_french_catalogue() -> None:
    assert any(".venv" not in str(path) for path in CATALOGUES)


@pytest.mark.parametrize("path", [p for p in CATALOGUES if ".venv" not in str(p)], ids=str)
def test_every_french_message_is_translated_and_compiled(path: Path) -> None:
    po = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
    assert not untranslated, f"untranslated in {path}: {untranslated[:10]}"
    compiled = polib.mofile(str(path.with_suffix(".mo")))
    assert {e.msgid for e in po.translated_entries()} <= {e.msgid for e in compiled}, "run make messages"


# --- sentences said by the sealing core, the credential reader and the verifier (europass.words) ---------------

SOURCES = [ROOT / name for name in ("europass", "verification", "issuing", "wallet")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
# Files whose French is data, not a sentence for people: multilingual demo content, EU vocabulary labels, formats.
FRENCH_DATA = {
    "europass/credentials/example.py",
    "europass/registry/demo.py",
    "europass/registry/vocabulary.py",
    "europass/formats/fr/formats.py",
    "issuing/sheets/columns.py",
}


def _python_files() -> list[Path]:
    return sorted(p for source in SOURCES for p in source.rglob("*.py") if "migrations" not in p.parts)


def _said_templates() -> list[tuple[str, str, str | None]]:
    """(file, template, plural) of every said(...) / said_n(...) call with a literal template."""
    found = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id not in ("said", "said_n") or not node.args:
                continue
            first = node.args[0]
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{path.relative_to(ROOT)}:{node.lineno}: the template of {node.func.id}() must be a literal"
            )
            plural = None
            if node.func.id == "said_n":
                second = node.args[1]
                assert isinstance(second, ast.Constant), f"{path}:{node.lineno}: a literal plural"
                plural = str(second.value)
            found.append((f"{path.relative_to(ROOT)}:{node.lineno}", first.value, plural))
    return found


def test_the_sealing_core_and_the_verifier_say_their_sentences_through_the_catalogue() -> None:
    templates = _said_templates()
    assert len(templates) > 250  # the verifier's checks, seals, readers and services
    po = {entry.msgid: entry for entry in polib.pofile(str(ROOT / "locale/fr/LC_MESSAGES/django.po"))}
    missing = [(where, template) for where, template, _plural in templates if template not in po]
    assert not missing, f"not in the French catalogue: {missing[:10]}"
    mismatched = []
    for where, template, plural in templates:
        entry = po[template]
        french = [entry.msgstr] if not plural else list(entry.msgstr_plural.values())
        wanted = set(PLACEHOLDER.findall(template)) | (set(PLACEHOLDER.findall(plural)) if plural else set())
        for sentence in french:
            if set(PLACEHOLDER.findall(sentence)) - wanted or (
                not plural and set(PLACEHOLDER.findall(sentence)) != wanted
            ):
                mismatched.append((where, template, sentence))
    assert not mismatched, f"French with other placeholders than the English: {mismatched[:5]}"


def test_no_french_sentence_is_typed_in_the_code() -> None:
    """French lives in the catalogue only (a third language is one .po file): no string in the code has French
    letters, except the files of multilingual data."""
    french = re.compile(r"[éèàçêôùâîœÉÈÀ]")
    typed = []
    for path in _python_files():
        name = str(path.relative_to(ROOT))
        if name in FRENCH_DATA:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree) if _documented(node)}  # type: ignore[attr-defined]
        msgids = {id(arg) for node in ast.walk(tree) if _translated(node) for arg in node.args}  # type: ignore[attr-defined]
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and id(node) not in msgids
                and french.search(node.value)
            ):
                typed.append(f"{name}:{node.lineno}: {node.value[:60]}")
    assert not typed, "\n".join(typed[:20])


def _translated(node: ast.AST) -> bool:
    """A call whose arguments are English msgids (an example in one may quote another language)."""
    names = {"_", "gettext", "gettext_lazy", "ngettext", "said", "said_n"}
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names


def _documented(node: ast.AST) -> bool:
    """A module, class or function whose first statement is its documentation (which may quote French)."""
    if (
        not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        or not node.body
    ):
        return False
    first = node.body[0]
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


def test_a_said_sentence_is_shown_in_the_readers_language_with_its_values() -> None:
    from django.utils import translation

    from europass.words import said, said_n

    text = said(
        "The seal is intact, but what it seals is not a readable credential: %(reason)s",
        reason=said("The credential carries no electronic seal."),
    )
    assert text.shown("en") == (
        "The seal is intact, but what it seals is not a readable credential: The credential carries no electronic seal."
    )
    french = text.shown("fr")
    assert "L'attestation ne porte aucun cachet électronique." in french and "The" not in french
    with translation.override("fr"):
        assert str(text) == french  # shown in the active language
    assert said_n("%(count)s error", "%(count)s errors", 1).shown("en") == "1 error"
    assert said_n("%(count)s error", "%(count)s errors", 3).shown("en") == "3 errors"


def test_without_django_the_compiled_catalogue_is_read_by_the_standard_library() -> None:
    from europass.words import _catalogue

    assert _catalogue("fr").gettext("The credential carries no electronic seal.") == (
        "L'attestation ne porte aucun cachet électronique."
    )

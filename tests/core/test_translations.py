"""English and French are complete."""

from __future__ import annotations

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

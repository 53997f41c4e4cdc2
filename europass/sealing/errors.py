"""Errors of the sealing core: a stable code and a sentence (a ``Text``, translated when shown)."""

from __future__ import annotations

from europass.words import Text


class SealingError(Exception):
    def __init__(self, code: str, text: Text) -> None:
        self.text = text
        super().__init__(self.text.shown("en"))
        self.code = code

    def message(self, lang: str | None = None) -> str:
        """The sentence in ``lang``; the active language when None."""
        return self.text.shown(lang)

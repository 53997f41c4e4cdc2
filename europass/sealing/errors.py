"""Errors of the sealing core: a stable code and a sentence (a ``Text``, translated when shown)."""

from __future__ import annotations

from europass.words import Pair, Text


class SealingError(Exception):
    def __init__(self, code: str, text: Text | str, fr: str | None = None) -> None:
        self.text = text if isinstance(text, Text) else Pair(text, fr=fr or text)
        super().__init__(self.text.shown("en"))
        self.code = code

    def message(self, lang: str | None = None) -> str:
        """The sentence in ``lang``; the active language when None."""
        return self.text.shown(lang)

    @property
    def messages(self) -> dict[str, str]:  # transitional, until every caller uses message(lang) / text
        return {"en": self.text.shown("en"), "fr": self.text.shown("fr")}

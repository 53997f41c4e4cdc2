"""Errors of the sealing core: a stable code and a sentence in English and French."""

from __future__ import annotations


class SealingError(Exception):
    def __init__(self, code: str, en: str, fr: str) -> None:
        super().__init__(en)
        self.code = code
        self.messages = {"en": en, "fr": fr}

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang[:2], self.messages["en"])

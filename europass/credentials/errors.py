"""Errors of the credential document: a stable code for machines and a sentence in English and French."""

from __future__ import annotations


class CredentialError(Exception):
    code = "credential_error"

    def __init__(self, code: str, en: str, fr: str) -> None:
        super().__init__(en)
        self.code = code
        self.messages = {"en": en, "fr": fr}

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang[:2], self.messages["en"])

"""Errors of the credential document: a stable code for machines and a sentence for people (a ``Text``,
translated when shown)."""

from __future__ import annotations

from europass.words import Text


class CredentialError(Exception):
    code = "credential_error"

    def __init__(self, code: str, text: Text) -> None:
        self.text = text
        super().__init__(self.text.shown("en"))
        self.code = code

    def message(self, lang: str | None = None) -> str:
        """The sentence in ``lang``; the active language when None."""
        return self.text.shown(lang)

"""Multilingual values stored as ``{"en": "...", "fr": "..."}``: pick the best language for a reader."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language


def pick(texts: Mapping[str, str] | None, lang: str | None = None) -> str:
    """The text in ``lang`` (default: the active language), else English, else any language, else ''."""
    if not texts:
        return ""
    lang = (lang or get_language() or "en").split("-")[0]
    for candidate in (lang, "en"):
        if texts.get(candidate):
            return texts[candidate]
    return next((value for value in texts.values() if value), "")

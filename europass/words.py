"""Sentences said to people, kept as an English template and its parameters, translated when they are shown.

The sealing core, the credential reader and the verifier say many things ("The seal's certificate expired on
%(day)s."): each is a ``said("template", day=...)``, a ``Text`` that keeps the template (the gettext msgid) and the
values apart, so a check result is a code, a template and parameters until a page, an API response or a log shows it
in the reader's language. Every template is in ``locale/<language>/LC_MESSAGES/django.po`` (``makemessages`` reads
``said`` and ``said_n`` as gettext keywords), so a third language is one ``.po`` file.

Outside Django (a library use of the sealing core without settings) the same compiled catalogues are read with the
standard library's ``gettext``.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as stdlib_gettext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@dataclass(frozen=True)
class Text:
    """A sentence not yet translated: the English template (with ``%(name)s`` placeholders) and its values. A value
    may be a ``Text`` itself, shown in the same language. ``plural`` and ``count`` make it a plural form."""

    template: str
    params: tuple[tuple[str, Any], ...] = ()
    plural: str | None = None
    count: int | None = None

    def shown(self, lang: str | None = None) -> str:
        """The sentence in ``lang`` (the active language when None), English when there is no translation."""
        if self.plural is not None and self.count is not None:
            sentence = _ngettext(self.template, self.plural, self.count, lang)
        else:
            sentence = _gettext(self.template, lang)
        if not self.params:
            return sentence
        values = {
            name: (value.shown(lang) if isinstance(value, Text) else value) for name, value in self.params
        }
        return sentence % values

    def __str__(self) -> str:
        return self.shown()


def said(template: str, /, **params: Any) -> Text:
    """A sentence for people; ``template`` is the English msgid, ``params`` fill its ``%(name)s`` placeholders."""
    return Text(template, tuple(params.items()))


def said_n(singular: str, plural: str, count: int, /, **params: Any) -> Text:
    """A sentence with a singular and a plural form, chosen by ``count`` in the reader's language (``count`` is
    also a parameter)."""
    return Text(singular, tuple({"count": count, **params}.items()), plural, count)


def joined(parts: list[Text], separator: str = " ") -> Text:
    """Several sentences said one after the other."""
    names = {f"s{i}": part for i, part in enumerate(parts)}
    return Text(separator.join(f"%({name})s" for name in names), tuple(names.items()))


def said_day(moment: dt.date) -> Text:
    """A day as the reader's language writes it (2025-03-31 in English, 31/03/2025 in French)."""
    # Translators: a date; write year, month and day in your language's order and separators.
    return said("%(year)s-%(month)s-%(day)s", year=f"{moment:%Y}", month=f"{moment:%m}", day=f"{moment:%d}")


def said_minute(moment: dt.datetime) -> Text:
    """A day and a time as the reader's language writes them (2025-03-31 14:05, 31/03/2025 14:05)."""
    # Translators: a date and a time (hours:minutes); write them in your language's order and separators.
    return said(
        "%(year)s-%(month)s-%(day)s %(time)s",
        year=f"{moment:%Y}",
        month=f"{moment:%m}",
        day=f"{moment:%d}",
        time=f"{moment:%H:%M}",
    )


def _django_ready() -> bool:
    try:
        from django.conf import settings
    except ImportError:  # pragma: no cover - Django is a dependency of the project
        return False
    return bool(settings.configured)


def _translations(lang: str | None) -> Any:
    """The catalogue of ``lang`` (the active language when None): Django's own when Django is set up (read once
    per process, without activating the language: a sentence shown in another language costs a dictionary
    lookup), else the standard library's."""
    if _django_ready():
        from django.conf import settings
        from django.utils import translation
        from django.utils.translation import trans_real

        if lang is None:
            lang = translation.get_language() or "en"
        try:  # only the site's languages: an unknown tag is shown in the default one (and cached nothing)
            lang = trans_real.get_supported_language_variant(lang)
        except LookupError:
            lang = settings.LANGUAGE_CODE
        return trans_real.translation(lang)
    return _catalogue(lang or "en")


def _gettext(template: str, lang: str | None) -> str:
    return str(_translations(lang).gettext(template))


def _ngettext(singular: str, plural: str, count: int, lang: str | None) -> str:
    return str(_translations(lang).ngettext(singular, plural, count))


@functools.cache
def _catalogue(lang: str) -> stdlib_gettext.NullTranslations:
    return stdlib_gettext.translation("django", LOCALE_DIR, languages=[lang[:2]], fallback=True)

"""The verifier's form: paste the credential (XML or JSON-LD), upload a file (XML, JSON-LD or PDF), or give a link —
one of the three."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .reading import max_upload_bytes

# What the file field offers to choose: the extensions and media types of the documents the verifier reads.
ACCEPT = ",".join(
    (
        ".xml",
        ".json",
        ".jsonld",
        ".pdf",
        "application/xml",
        "text/xml",
        "application/json",
        "application/ld+json",
        "application/jose+json",
        "application/pdf",
    )
)


class VerifyForm(forms.Form):
    # The field keeps its name ("xml") for the pages and clients that post it; it takes JSON-LD too. Not stripped,
    # so that the pasted text's bytes reach the verifier as pasted.
    xml = forms.CharField(
        label=_("Paste the credential (XML or JSON-LD)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=_("or upload the file (XML, JSON-LD, or a PDF from a Europass wallet)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    url = forms.URLField(
        label=_("or give a share link"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = [name for name in ("xml", "file", "url") if cleaned.get(name)]
        if not given:
            raise forms.ValidationError(
                _("Paste the credential (XML or JSON-LD), choose a file or give a link."), code="empty"
            )
        if len(given) > 1:
            raise forms.ValidationError(
                _("Give one credential at a time: pasted, a file or a link."), code="many"
            )
        upload = cleaned.get("file")
        if upload is not None and upload.size is not None and upload.size > max_upload_bytes():
            self.add_error(
                "file",
                _("The file is too large (at most %(mb)d MB).") % {"mb": max_upload_bytes() // (1024 * 1024)},
            )
        return cleaned

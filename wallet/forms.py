from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verification.forms import ACCEPT  # the file types the verifier reads

from .services import SHARE_DEFAULT_DAYS, SHARE_MAX_DAYS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ShareForm(forms.Form):
    expires_on = forms.DateField(
        label=_("This link stops working on"),
        # ISO in every language: a date input takes only yyyy-mm-dd (a French 01/01/2027 would leave it empty).
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("At most one year from today."),
    )
    note = forms.CharField(
        label=_("Note (only you see it)"),
        max_length=200,
        required=False,
        help_text=_("For example: application to ACME, March."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        today = timezone.now().date()
        field = self.fields["expires_on"]
        field.initial = today + dt.timedelta(days=SHARE_DEFAULT_DAYS)
        field.widget.attrs.update(
            {
                "min": (today + dt.timedelta(days=1)).isoformat(),
                "max": (today + dt.timedelta(days=SHARE_MAX_DAYS)).isoformat(),
            }
        )

    def expires_at(self) -> dt.datetime:
        day: dt.date = self.cleaned_data["expires_on"]
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Credential file (XML, JSON-LD, or its PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large (10 MB at most)."))
        return upload

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from europass.core.errors import ApplicationError
from europass.registry.models import Organisation

MAX_SEAL_FILE = 256 * 1024


class SheetUploadForm(forms.Form):
    sheet = forms.FileField(
        label=_("Spreadsheet (XLSX, ODS or CSV)"),
        help_text=_("Drag and drop the file here, or choose it. XLSX, ODS or CSV (UTF-8 or Windows-1252)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.ods,.csv,text/csv"}),
    )


class SealUploadForm(forms.Form):
    pkcs12 = forms.FileField(
        label=_("PKCS#12 file (.p12, .pfx)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx"}),
    )
    password = forms.CharField(
        label=_("Password"), required=False, strip=False, widget=forms.PasswordInput(render_value=False)
    )
    key_pem = forms.FileField(label=_("or: private key (PEM)"), required=False)
    certificates_pem = forms.FileField(label=_("and its certificate chain (PEM)"), required=False)
    confirm_identifier = forms.BooleanField(
        label=_(
            "Platform administrator: I confirm that this certificate is this organisation's seal even though its "
            "organisation identifier differs (recorded in the audit log)."
        ),
        required=False,
    )

    def __init__(self, *args: Any, platform_admin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not platform_admin:
            del self.fields["confirm_identifier"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("pkcs12", "key_pem", "certificates_pem"):
            upload = data.get(name)
            if upload and upload.size > MAX_SEAL_FILE:
                raise forms.ValidationError(
                    _("An e-seal file is never that large (%(size)s bytes).") % {"size": upload.size}
                )
        if not data.get("pkcs12") and not (data.get("key_pem") and data.get("certificates_pem")):
            raise forms.ValidationError(
                _("Upload a PKCS#12 file, or a PEM private key with its certificate chain.")
            )
        return data

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data

        def read(name: str) -> bytes | None:
            upload = data.get(name)
            return upload.read() if upload else None

        return {
            "pkcs12": read("pkcs12"),
            "password": data.get("password") or "",
            "key_pem": read("key_pem"),
            "certificates_pem": read("certificates_pem"),
            "confirm_identifier": bool(data.get("confirm_identifier")),
        }


class FormatsForm(forms.Form):
    credential_formats = forms.ChoiceField(
        label=_("Formats of the credentials issued"),
        choices=Organisation.CredentialFormats.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Each credential is sealed in these formats and its holder receives every file. EDC 3 is what the "
            "European Commission's own issuer has produced since 2023; Europass XML is read by older verifiers."
        ),
    )


class RevokeForm(forms.Form):
    """A revocation cannot be undone: the form asks for the reason and for a ticked confirmation (checked by the
    server, so the step holds without JavaScript)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For your staff and the audit log; verifiers are told only the date."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that a revocation cannot be undone."),
        error_messages={
            "required": _("Tick the box to confirm that this credential is to be revoked for good.")
        },
    )


def read_upload(upload: Any, *, limit: int) -> bytes:
    if upload.size > limit:
        raise ApplicationError(
            _("The file is too large (%(size)s MB; at most %(limit)s MB).")
            % {"size": round(upload.size / 1e6, 1), "limit": round(limit / 1e6, 1)},
            code="file_too_large",
        )
    return bytes(upload.read())


class Pkcs11SourceForm(forms.Form):
    """A key on a PKCS#11 token or HSM: which module (among those the operator allows), token and key; the PIN is
    never typed here, only the name of the environment variable the operator set it in."""

    module = forms.ChoiceField(label=_("PKCS#11 module"), choices=())
    token_label = forms.CharField(label=_("Token label"), max_length=32)
    key_label = forms.CharField(label=_("Key label"), max_length=100, required=False)
    key_id = forms.RegexField(
        label=_("or key id (hexadecimal)"), regex=r"^[0-9a-fA-F]{0,64}$", max_length=64, required=False
    )
    pin_env = forms.CharField(
        label=_("Environment variable holding the PIN"),
        max_length=64,
        help_text=_(
            "Set by the platform operator for the web server and the workers; its value is never stored."
        ),
    )
    certificate = forms.FileField(
        label=_("Seal certificate (PEM), if the token holds none"), required=False, max_length=200
    )

    def __init__(self, *args: Any, modules: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["module"].choices = [(m, m) for m in modules]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("key_label") or data.get("key_id")):
            raise forms.ValidationError(_("Name the key: its label or its id."))
        return data


class CscSourceForm(forms.Form):
    """A credential of a remote signing service (CSC API v2); secrets only by the name of their environment
    variable."""

    url = forms.URLField(label=_("Service address (CSC API v2 base)"), max_length=300, assume_scheme="https")
    client_id = forms.CharField(label=_("OAuth2 client id"), max_length=200)
    credential_id = forms.CharField(label=_("Credential id"), max_length=200)
    secret_env = forms.CharField(label=_("Environment variable holding the client secret"), max_length=64)
    pin_env = forms.CharField(
        label=_("Environment variable holding the PIN (if the service asks for one)"),
        max_length=64,
        required=False,
    )
    batch_size = forms.IntegerField(
        label=_("Signatures per request"), min_value=1, max_value=1000, initial=100
    )
    otp = forms.BooleanField(
        label=_("Each batch is authorised with a one-time password, entered on the batch page"),
        required=False,
    )

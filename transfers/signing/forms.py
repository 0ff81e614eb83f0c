"""Forms of the school's "Signing certificate" pages: make a new key, or upload one."""

from __future__ import annotations

from typing import Any

from django import forms

from safeguard.forms import GovukFormMixin

from .keys import PKCS12_MAX_BYTES


class SigningKeyGenerateForm(GovukFormMixin, forms.Form):
    issuer = forms.ChoiceField(
        label="Who should issue the new certificate?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who issues the certificate"},
    )

    def __init__(self, *args: Any, trust_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        issuer = self.fields["issuer"]
        assert isinstance(issuer, forms.ChoiceField)  # noqa: S101 (narrows the type)
        issuer.choices = [
            (
                "trust",
                f"{trust_name}'s certificate authority (recommended): every school of the "
                "trust is checked against one authority",
            ),
            ("self", "Self-signed: the certificate vouches for itself"),
        ]


class SigningKeyUploadForm(GovukFormMixin, forms.Form):
    pkcs12 = forms.FileField(
        label="Certificate file (.p12 or .pfx)",
        help_text=(
            "A PKCS#12 file from your certificate provider holding a document-signing "
            "certificate and its private key. Smaller than 100 KB."
        ),
        error_messages={
            "required": "Choose a PKCS#12 file (.p12 or .pfx)",
            "empty": "The file you chose is empty: choose the .p12 or .pfx file",
        },
    )
    password = forms.CharField(
        label="Password of the file",
        help_text="The password the file was exported with. Leave it empty if it has none.",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def clean_pkcs12(self) -> bytes:
        upload = self.cleaned_data["pkcs12"]
        if upload.size > PKCS12_MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 100 KB")
        return bytes(upload.read())

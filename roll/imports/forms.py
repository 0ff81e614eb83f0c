"""The upload form and the CSV column chooser."""

from __future__ import annotations

from typing import Any

from django import forms

from safeguard.forms import GovukFormMixin
from schools.models import RollImport

from .fields import ROLL_FIELDS
from .services import LARGEST_FILE

WHOLE_ROLL = "whole"
JOINERS = "joiners"
# How each kind of file starts, to say plainly when the wrong one was chosen.
_ZIP = b"PK\x03\x04"  # an Excel workbook (.xlsx) is a zip
_OLE = b"\xd0\xcf\x11\xe0"  # an old Excel workbook (.xls)


class RollImportUploadForm(GovukFormMixin, forms.Form):
    source = forms.ChoiceField(
        label="What kind of file is it?",
        choices=[
            (RollImport.Source.CSV, "CSV file (a spreadsheet export from the MIS)"),
            (RollImport.Source.CTF, "Common Transfer File (CTF, an .xml file)"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the file is a CSV file or a Common Transfer File",
            "invalid_choice": "Choose whether the file is a CSV file or a Common Transfer File",
        },
    )
    scope = forms.ChoiceField(
        label="What does the file hold?",
        choices=[
            (WHOLE_ROLL, "The whole roll: pupils on the roll here who are not in it have left"),
            (JOINERS, "Joiners only, such as one new pupil's CTF: nobody is marked as left"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the file is the whole roll or joiners only",
            "invalid_choice": "Choose whether the file is the whole roll or joiners only",
        },
    )
    file = forms.FileField(
        label="Upload the file",
        help_text="The file exported from the MIS, smaller than 10 MB",
        error_messages={
            "required": "Choose the file to upload",
            "empty": "The file you chose is empty",
            "invalid": "Choose the file to upload",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        source = data.get("source")
        if upload is None:
            return data
        if upload.size > LARGEST_FILE:
            self.add_error("file", "The file must be smaller than 10 MB")
            return data
        head = upload.read(512)
        upload.seek(0)
        name = (upload.name or "").lower()
        if head.startswith((_ZIP, _OLE)):
            self.add_error(
                "file",
                "This is a spreadsheet workbook, not a CSV file: save it from Excel as "
                "“CSV UTF-8 (comma delimited)” or export a CSV from the MIS",
            )
        elif source == RollImport.Source.CSV and (
            name.endswith(".xml") or head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<")
        ):
            self.add_error(
                "file",
                "This is an XML file: choose “Common Transfer File” for a CTF, or upload a CSV",
            )
        elif source == RollImport.Source.CTF and not (
            name.endswith((".xml", ".ctf", ".cml"))
            or head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<")
        ):
            self.add_error(
                "file",
                "This is not an XML file: a Common Transfer File ends in .xml. For a CSV file, "
                "choose “CSV file”",
            )
        return data

    @property
    def whole_roll(self) -> bool:
        return self.cleaned_data["scope"] == WHOLE_ROLL


class RollImportColumnsForm(GovukFormMixin, forms.Form):
    """One select per roll field: which of the file's columns holds it."""

    def __init__(self, *args: Any, headings: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Not in the file")] + [
            (str(i), heading or f"Column {i + 1} (no heading)")
            for i, heading in enumerate(headings)
        ]
        for field in ROLL_FIELDS:
            self.fields[field.key] = forms.TypedChoiceField(
                label=field.label,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                help_text="Needed" if field.required else "",
                error_messages={"invalid_choice": "Choose a column of the file"},
            )
        # GovukFormMixin styled the fields that existed before these were added.
        for bound in self.fields.values():
            bound.widget.attrs["class"] = "govuk-select"

    def columns(self) -> dict[str, int]:
        return {key: index for key, index in (self.cleaned_data or {}).items() if index is not None}

"""Uploaded PDFs (ADR 0031): what can run or carry other files is taken out, and said; a clean PDF
is stored byte for byte; one qpdf cannot open is refused. The hostile PDFs are built with pikepdf."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concerns.models import Attachment
from concerns.pdf_clean import pdf_clean
from concerns.uploads import clean_upload
from tests.concerns.conftest import draft, draft_post
from tests.support.world import PDF_BYTES, World


def _pdf(change: Callable[[pikepdf.Pdf], None] | None = None) -> bytes:
    """A one-page PDF with a link to gov.uk, changed by `change`."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    link = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[10, 10, 100, 30],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://www.gov.uk/")),
        )
    )
    pdf.pages[0].obj["/Annots"] = pikepdf.Array([link])
    if change is not None:
        change(pdf)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _script(code: str) -> pikepdf.Dictionary:
    return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(code))


def _open_action(pdf: pikepdf.Pdf) -> None:
    pdf.Root["/OpenAction"] = _script("app.alert('opened')")


def _names_script(pdf: pikepdf.Pdf) -> None:
    tree = pikepdf.Dictionary(Names=[pikepdf.String("start"), pdf.make_indirect(_script("x()"))])
    pdf.Root["/Names"] = pikepdf.Dictionary(JavaScript=tree)


def _embedded(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ a program", mime_type="")


def _attachment_annotation(pdf: pikepdf.Pdf) -> None:
    spec = pikepdf.AttachedFileSpec(pdf, b"MZ another program", filename="run.exe")
    note = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.FileAttachment,
        Rect=[0, 0, 10, 10],
        FS=spec.obj,
    )
    pdf.pages[0].obj["/Annots"].append(pdf.make_indirect(note))


def _launch_link(pdf: pikepdf.Pdf) -> None:
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
    pdf.pages[0].obj["/Annots"].append(
        pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 5, 5], A=launch
            )
        )
    )


def _file_link(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj["/Annots"][0]["/A"]["/URI"] = pikepdf.String("file://server/share/x")


def _page_actions(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj["/AA"] = pikepdf.Dictionary(O=_script("this.submitForm('x')"))


def _chained_script(pdf: pikepdf.Pdf) -> None:
    pdf.Root["/OpenAction"] = pikepdf.Dictionary(
        S=pikepdf.Name.GoTo, D=[pdf.pages[0].obj, pikepdf.Name.Fit], Next=_script("y()")
    )


def _xfa(pdf: pikepdf.Pdf) -> None:
    pdf.Root["/AcroForm"] = pikepdf.Dictionary(Fields=[], XFA=pikepdf.String("<xdp/>"))


@pytest.mark.parametrize(
    ("change", "removed"),
    [
        (_open_action, ["JavaScript (1)"]),
        (_names_script, ["JavaScript (1)"]),
        (_embedded, ["embedded files (1)"]),
        (_attachment_annotation, ["embedded files (1)"]),
        (
            _launch_link,
            ["actions that open programs or other files, or send the form somewhere (1)"],
        ),
        (_file_link, ["links to addresses that are not web pages or email (1)"]),
        (_page_actions, ["actions that run when the file is opened or read (1)"]),
        (_chained_script, ["JavaScript (1)"]),
        (_xfa, ["an XFA form (1)"]),
    ],
)
def test_what_can_run_or_carry_files_is_taken_out_and_said(
    change: Callable[[pikepdf.Pdf], None], removed: list[str]
) -> None:
    hostile = _pdf(change)
    cleaned = pdf_clean(hostile)
    assert list(cleaned.removed) == removed
    assert cleaned.content != hostile
    with pikepdf.open(io.BytesIO(cleaned.content)) as pdf:
        assert "/OpenAction" not in pdf.Root or pdf.Root["/OpenAction"].get("/Next") is None
        assert "/Names" not in pdf.Root or not set(pdf.Root["/Names"].keys()) & {
            "/JavaScript",
            "/EmbeddedFiles",
        }
        assert not pdf.attachments
        assert "/XFA" not in pdf.Root.get("/AcroForm", {})
        page = pdf.pages[0].obj
        assert "/AA" not in page
        for annotation in page["/Annots"]:
            assert annotation["/Subtype"] == "/Link"
            action = annotation.get("/A")
            assert action is None or str(action["/URI"]).startswith("https://")
        # The page and the safe link stay.
        assert len(pdf.pages) == 1
        assert change is _file_link or (
            str(page["/Annots"][0]["/A"]["/URI"]) == "https://www.gov.uk/"
        )
    for word in (b"app.alert", b"x()", b"MZ a program", b"cmd.exe", b"submitForm", b"<xdp/>"):
        assert word not in cleaned.content


def test_many_kinds_at_once_are_counted_each_once() -> None:
    def everything(pdf: pikepdf.Pdf) -> None:
        for change in (_open_action, _embedded, _launch_link, _page_actions, _xfa):
            change(pdf)

    assert pdf_clean(_pdf(everything)).removed == (
        "JavaScript (1)",
        "embedded files (1)",
        "actions that run when the file is opened or read (1)",
        "actions that open programs or other files, or send the form somewhere (1)",
        "an XFA form (1)",
    )


def test_a_clean_pdf_is_stored_byte_for_byte() -> None:
    """Nothing to take out: the upload is kept as it came, so a signature inside still holds."""
    clean = _pdf()
    assert pdf_clean(clean).content == clean
    assert pdf_clean(clean).removed == ()
    stored = clean_upload(SimpleUploadedFile("letter.pdf", PDF_BYTES))
    assert (stored.content, stored.changes) == (PDF_BYTES, ())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"%PDF-1.7\nnot really a PDF at all\n%%EOF\n",
            "The selected PDF is damaged and cannot be opened, so it cannot be checked",
        ),
        (None, "The selected PDF is protected with a password"),
    ],
)
def test_a_pdf_that_cannot_be_opened_is_refused(data: bytes | None, message: str) -> None:
    if data is None:
        out = io.BytesIO()
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="secret"))
        data = out.getvalue()
    with pytest.raises(ValidationError) as error:
        clean_upload(SimpleUploadedFile("letter.pdf", data))
    assert error.value.messages[0].startswith(message)


def test_the_reporter_is_told_what_was_taken_out(client: Any, world: World, categories) -> None:
    staff = world.users["staff"]
    client.force_login(staff)
    concern = draft(staff, [world.pupil], categories)
    upload = SimpleUploadedFile("letter.pdf", _pdf(_open_action))
    response = client.post(
        reverse("concern-draft", kwargs={"pk": concern.pk}),
        {**draft_post(concern), "action": "add_file", "file-file": upload},
        follow=True,
    )
    assert (
        "letter.pdf was attached without what could run or carry other files: JavaScript (1) "
        "removed." in response.content.decode()
    )
    (attachment,) = Attachment.objects.all()
    with attachment.file.open("rb") as stored:
        assert b"app.alert" not in stored.read()

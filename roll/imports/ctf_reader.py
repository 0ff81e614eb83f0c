"""Reading a DfE Common Transfer File (CTF 2x XML): its header and its pupils.

Parsed with defusedxml, which refuses a DTD, entity declarations (the "billion laughs" bomb) and
external entities (reading /etc/passwd or a URL) before they do anything. Elements are matched on
their local names, so a file with a default namespace, or none, and any CTF version from about 15
on, reads the same. docs/ctf.md lists every element read.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring
from django.utils import timezone

from .csv_reader import MOST_ROWS, FileRefusedError
from .ctf_contacts import family_contacts
from .xml_text import child, children, local_name, text

logger = logging.getLogger(__name__)
# A CTF element with its text takes some 35 bytes, so a 10 MB file holds about 600,000 tags.
MOST_TAGS = 1_000_000

# Said when the file has a DTD or entity declarations: plain words for a business manager; the
# precise reason (XML bombs, reading the server's files) is in docs/adr/0023 and the log.
_UNUSUAL_SECTION = (
    "This file contains a section ({what}) that Common Transfer Files never have, so Safeguard "
    "will not read it. Export the CTF from your MIS again, or ask your MIS supplier"
)

# Previous schools shown per joiner: enough for a real file, bounded for a hostile one.
MOST_SCHOOLS = 20


@dataclass
class CtfFile:
    header: dict[str, Any]
    pupils: list[dict[str, Any]] = field(default_factory=list)


def _first_text(element: Element | None, *paths: tuple[str, ...]) -> str | None:
    for path in paths:
        value = text(element, *path)
        if value is not None:
            return value
    return None


def parse_xml(data: bytes) -> Element:
    """The document's root element, or FileRefusedError with the reason in plain English."""
    if not data.strip():
        raise FileRefusedError("The file is empty")
    # Every element costs the parser some 90 bytes however short its text: 10 MB of "<x/>" would
    # take 200 MB. Counted in the raw bytes (closing tags too), this never undercounts (ADR 0031).
    if data.count(b"<") > MOST_TAGS:
        raise FileRefusedError(
            f"The file has more than {MOST_TAGS:,} XML tags: a Common Transfer File of a school's "
            "roll has far fewer. Check it is the right file"
        )
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        # Refused because a DTD can expand entities without limit (an "XML bomb") or read files
        # from the server (docs/adr/0023); the person is told in a business manager's words.
        logger.info("Roll import refused: the CTF has a DTD")
        raise FileRefusedError(_UNUSUAL_SECTION.format(what="a DOCTYPE")) from None
    except EntitiesForbidden:
        logger.info("Roll import refused: the CTF declares XML entities")
        raise FileRefusedError(_UNUSUAL_SECTION.format(what="an ENTITY")) from None
    except ExternalReferenceForbidden:
        logger.info("Roll import refused: the CTF refers to an external entity")
        raise FileRefusedError(
            _UNUSUAL_SECTION.format(what="a reference to another file")
        ) from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        reason = str(error).split(":")[0]
        raise FileRefusedError(
            f"The file is not well-formed XML ({reason}) at line {line}, column {column + 1}: "
            "export the CTF from the MIS again"
        ) from None


def _school(element: Element | None) -> dict[str, str]:
    keys = {"LEA": "lea", "Estab": "estab", "URN": "urn", "SchoolName": "name"}
    return {key: text(element, name) or "" for name, key in keys.items()}


def read_ctf(data: bytes) -> CtfFile:
    """The header and pupils of a Common Transfer File."""
    root = parse_xml(data)
    if local_name(root.tag) != "CTfile":
        raise FileRefusedError(
            "This XML file is not a Common Transfer File: it starts with "
            f"“{local_name(root.tag)[:40]}”, not “CTfile”"
        )
    header_element = child(root, "Header")
    if header_element is None:
        raise FileRefusedError(
            "This Common Transfer File has no Header, so its school is not known"
        )
    header = {
        "document_name": text(header_element, "DocumentName") or "",
        "version": text(header_element, "CTFversion") or "",
        "date_time": text(header_element, "DateTime") or "",
        "qualifier": text(header_element, "DocumentQualifier") or "",
        "source": _school(child(header_element, "SourceSchool")),
        "dest": _school(child(header_element, "DestSchool")),
    }
    elements = children(child(root, "CTFpupilData"), "Pupil")
    if len(elements) > MOST_ROWS:
        raise FileRefusedError(
            f"The file has more than {MOST_ROWS:,} pupils: a school's roll is smaller. Check it is "
            "the right file"
        )
    pupils = [_pupil(pupil, number) for number, pupil in enumerate(elements, start=1)]
    return CtfFile(header=header, pupils=pupils)


def file_date(header: dict[str, Any]) -> datetime.date | None:
    """The day the file was made (Header/DateTime), or None when it does not say."""
    text = (header.get("date_time") or "")[:10]
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _pupil(pupil: Element, number: int) -> dict[str, Any]:
    basic = child(pupil, "BasicDetails")
    raw: dict[str, str | None] = {
        "upn": text(pupil, "UPN"),
        "legal_last_name": text(pupil, "Surname"),
        "legal_first_name": text(pupil, "Forename"),
        "date_of_birth": text(pupil, "DOB"),
        # CTF 15 to 19 call it Gender; later versions Sex. Some MIS put either in BasicDetails.
        "gender": _first_text(
            pupil, ("Sex",), ("Gender",), ("BasicDetails", "Sex"), ("BasicDetails", "Gender")
        ),
        "legal_middle_names": text(basic, "MiddleNames"),
        "preferred_first_name": text(basic, "PreferredForename"),
        "preferred_last_name": text(basic, "PreferredSurname"),
        "year_group": _first_text(pupil, ("BasicDetails", "NCyearActual"), ("NCyearActual",)),
        "ethnicity": text(basic, "Ethnicity"),
        "sen_provision": _sen_provision(pupil),
        "fsm_eligible": _fsm(pupil),
        "looked_after": _looked_after(pupil),
        "pupil_premium": _first_text(pupil, ("PupilPremium",), ("BasicDetails", "PupilPremium")),
    }
    values = {key: value for key, value in raw.items() if value is not None}
    upn = values.get("upn", "")
    where = f"Pupil {number}" + (f" (UPN {upn[:13]})" if upn else "")
    return {
        "row": number,
        "where": where,
        "values": values,
        "extra": {
            "former_surname": text(basic, "FormerSurname") or "",
            "contacts": family_contacts(pupil),
            "schools": _school_history(pupil),
        },
    }


def _sen_provision(pupil: Element) -> str | None:
    """The provision of the latest SEN record (SENhistory/SEN, by StartDate)."""
    history = child(pupil, "SENhistory")
    if history is None:
        return None
    records = [
        (text(sen, "StartDate") or "", text(sen, "SENprovision"))
        for sen in children(history, "SEN")
    ]
    records = [r for r in records if r[1] is not None]
    if not records:
        return text(history, "SENprovision")
    return max(records, key=lambda r: r[0])[1]


def _fsm(pupil: Element) -> str | None:
    """Eligible now when an FSMhistory/FSMinstance has no end date (or one in the future)."""
    history = child(pupil, "FSMhistory")
    if history is None:
        return None
    today = timezone.localdate().isoformat()
    for instance in children(history, "FSMinstance"):
        start = text(instance, "FSMstartDate")
        end = text(instance, "FSMendDate") or ""
        if start and (not end or end >= today):
            return "true"
    return "false"


def _looked_after(pupil: Element) -> str | None:
    """InCare, where the file has it: LookedAfter/InCare, InCare/InCare or a bare InCare."""
    for path in (("LookedAfter", "InCare"), ("InCare", "InCare"), ("BasicDetails", "InCare")):
        value = text(pupil, *path)
        if value is not None:
            return value
    element = child(pupil, "InCare")
    if element is not None and len(element) == 0:
        return text(pupil, "InCare")
    return None


def _school_history(pupil: Element) -> list[dict[str, str]]:
    schools = []
    for school in children(child(pupil, "SchoolHistory"), "School")[:MOST_SCHOOLS]:
        schools.append(
            {
                "name": text(school, "SchoolName") or "",
                "laestab": (text(school, "LEA") or "") + (text(school, "Estab") or ""),
                "entry": text(school, "EntryDate") or "",
                "leaving": text(school, "LeavingDate") or "",
                "reason": text(school, "LeavingReason") or "",
            }
        )
    return schools

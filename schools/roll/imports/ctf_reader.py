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

logger = logging.getLogger(__name__)

# Said when the file has a DTD or entity declarations: plain words for a business manager; the
# precise reason (XML bombs, reading the server's files) is in docs/adr/0023 and the log.
_UNUSUAL_SECTION = (
    "This file contains a section ({what}) that Common Transfer Files never have, so Safeguard "
    "will not read it. Export the CTF from your MIS again, or ask your MIS supplier"
)

# Contacts and schools shown per joiner in the preview: enough for a real file, bounded for a
# hostile one.
MOST_CONTACTS = 10
MOST_SCHOOLS = 20
LONGEST_TEXT = 200

RELATIONSHIPS = {
    "PAR": "Parent",
    "CAR": "Carer",
    "FAM": "Other family member",
    "REL": "Other relative",
    "OTH": "Other contact",
    "DOC": "Doctor",
    "SWR": "Social worker",
    "CHM": "Childminder",
}


@dataclass
class CtfFile:
    header: dict[str, Any]
    pupils: list[dict[str, Any]] = field(default_factory=list)


def _local(tag: Any) -> str:
    tag = tag if isinstance(tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element | None, *path: str) -> str | None:
    """The text at a path of local names under `element`; None when the element is absent."""
    for name in path:
        element = _child(element, name)
    if element is None:
        return None
    return " ".join((element.text or "").split())[:LONGEST_TEXT]


def _first_text(element: Element | None, *paths: tuple[str, ...]) -> str | None:
    for path in paths:
        value = _text(element, *path)
        if value is not None:
            return value
    return None


def parse_xml(data: bytes) -> Element:
    """The document's root element, or FileRefusedError with the reason in plain English."""
    if not data.strip():
        raise FileRefusedError("The file is empty")
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
    return {key: _text(element, name) or "" for name, key in keys.items()}


def read_ctf(data: bytes) -> CtfFile:
    """The header and pupils of a Common Transfer File."""
    root = parse_xml(data)
    if _local(root.tag) != "CTfile":
        raise FileRefusedError(
            "This XML file is not a Common Transfer File: it starts with "
            f"“{_local(root.tag)[:40]}”, not “CTfile”"
        )
    header_element = _child(root, "Header")
    if header_element is None:
        raise FileRefusedError(
            "This Common Transfer File has no Header, so its school is not known"
        )
    header = {
        "document_name": _text(header_element, "DocumentName") or "",
        "version": _text(header_element, "CTFversion") or "",
        "date_time": _text(header_element, "DateTime") or "",
        "qualifier": _text(header_element, "DocumentQualifier") or "",
        "source": _school(_child(header_element, "SourceSchool")),
        "dest": _school(_child(header_element, "DestSchool")),
    }
    elements = _children(_child(root, "CTFpupilData"), "Pupil")
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
    basic = _child(pupil, "BasicDetails")
    raw: dict[str, str | None] = {
        "upn": _text(pupil, "UPN"),
        "legal_last_name": _text(pupil, "Surname"),
        "legal_first_name": _text(pupil, "Forename"),
        "date_of_birth": _text(pupil, "DOB"),
        # CTF 15 to 19 call it Gender; later versions Sex. Some MIS put either in BasicDetails.
        "gender": _first_text(
            pupil, ("Sex",), ("Gender",), ("BasicDetails", "Sex"), ("BasicDetails", "Gender")
        ),
        "legal_middle_names": _text(basic, "MiddleNames"),
        "preferred_first_name": _text(basic, "PreferredForename"),
        "preferred_last_name": _text(basic, "PreferredSurname"),
        "year_group": _first_text(pupil, ("BasicDetails", "NCyearActual"), ("NCyearActual",)),
        "ethnicity": _text(basic, "Ethnicity"),
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
            "former_surname": _text(basic, "FormerSurname") or "",
            "contacts": _contacts(pupil),
            "schools": _school_history(pupil),
        },
    }


def _sen_provision(pupil: Element) -> str | None:
    """The provision of the latest SEN record (SENhistory/SEN, by StartDate)."""
    history = _child(pupil, "SENhistory")
    if history is None:
        return None
    records = [
        (_text(sen, "StartDate") or "", _text(sen, "SENprovision"))
        for sen in _children(history, "SEN")
    ]
    records = [r for r in records if r[1] is not None]
    if not records:
        return _text(history, "SENprovision")
    return max(records, key=lambda r: r[0])[1]


def _fsm(pupil: Element) -> str | None:
    """Eligible now when an FSMhistory/FSMinstance has no end date (or one in the future)."""
    history = _child(pupil, "FSMhistory")
    if history is None:
        return None
    today = timezone.localdate().isoformat()
    for instance in _children(history, "FSMinstance"):
        start = _text(instance, "FSMstartDate")
        end = _text(instance, "FSMendDate") or ""
        if start and (not end or end >= today):
            return "true"
    return "false"


def _looked_after(pupil: Element) -> str | None:
    """InCare, where the file has it: LookedAfter/InCare, InCare/InCare or a bare InCare."""
    for path in (("LookedAfter", "InCare"), ("InCare", "InCare"), ("BasicDetails", "InCare")):
        value = _text(pupil, *path)
        if value is not None:
            return value
    element = _child(pupil, "InCare")
    if element is not None and len(element) == 0:
        return _text(pupil, "InCare")
    return None


def _contacts(pupil: Element) -> list[dict[str, str]]:
    contacts = []
    for contact in _children(_child(pupil, "Contacts"), "Contact")[:MOST_CONTACTS]:
        relationship = _text(contact, "Relationship") or ""
        phones = [
            _text(phone, "PhoneNo") or ""
            for phone in _children(_child(contact, "Phones"), "Phone")[:3]
        ]
        name = " ".join(
            part
            for part in [
                _text(contact, "Title"),
                _text(contact, "Forename"),
                _text(contact, "Surname"),
            ]
            if part
        )
        contacts.append(
            {
                "order": _text(contact, "Order") or "",
                "name": name,
                "relationship": RELATIONSHIPS.get(relationship.upper(), relationship),
                "responsibility": _text(contact, "Responsibility") or "",
                "phones": ", ".join(p for p in phones if p),
                "email": _text(contact, "Email") or "",
            }
        )
    return contacts


def _school_history(pupil: Element) -> list[dict[str, str]]:
    schools = []
    for school in _children(_child(pupil, "SchoolHistory"), "School")[:MOST_SCHOOLS]:
        schools.append(
            {
                "name": _text(school, "SchoolName") or "",
                "laestab": (_text(school, "LEA") or "") + (_text(school, "Estab") or ""),
                "entry": _text(school, "EntryDate") or "",
                "leaving": _text(school, "LeavingDate") or "",
                "reason": _text(school, "LeavingReason") or "",
            }
        )
    return schools

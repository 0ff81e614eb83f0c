"""A CTF's contacts of a pupil, as the family contacts a joiner is given when the import is applied.

The CTF's codes and free text become the fields of `contacts.FamilyContact`, checked here so the
preview shows exactly what will be written: a telephone number or an email address that is not
one is kept in the notes, word for word, rather than dropped or refused (docs/ctf.md).
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from contacts.models import Relationship
from contacts.validators import validate_phone
from safeguard.params import whole_number

from .xml_text import child, children, text

# Contacts read per pupil: enough for a real file, bounded for a hostile one.
MOST_CONTACTS = 10
MOST_PHONES = 3
LONGEST_NAME = 150

# The CTF's codes for a contact's relationship to the pupil (DfE common basic data set), as this
# product's relationships: (relationship, words kept when it is "other").
RELATIONSHIPS: dict[str, tuple[str, str]] = {
    "PAR": (Relationship.OTHER, "Parent"),
    "CAR": (Relationship.OTHER, "Carer"),
    "FAM": (Relationship.OTHER, "Other family member"),
    "REL": (Relationship.OTHER, "Other relative"),
    "OTH": (Relationship.OTHER, "Other contact"),
    "DOC": (Relationship.OTHER, "Doctor"),
    "SWR": (Relationship.SOCIAL_WORKER, ""),
    "CHM": (Relationship.OTHER, "Childminder"),
}
# A parent whose sex the file gives is a mother or a father; otherwise "Parent", as the file says.
PARENTS = {"F": Relationship.MOTHER, "M": Relationship.FATHER}
YES = {"true", "1", "y", "yes"}

_ADDRESS_PARTS = (
    ("BS7666Address", ("SAON", "PAON", "Street", "Locality", "Town", "AdministrativeArea")),
    ("BS7666Address", ("PostTown", "Postcode")),
    ("AddressLines", ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4")),
    ("AddressLines", ("AddressLine5",)),
)


def _address(address: Element | None) -> str:
    """An Address element's lines (BS7666 or free lines), one a line, with its postcode."""
    if address is None:
        return ""
    lines: list[str] = []
    for section, names in _ADDRESS_PARTS:
        part = child(address, section)
        lines.extend(text(part, name) or "" for name in names)
    lines.append(text(address, "Postcode") or "")
    # A town that is also the post town, or a postcode given twice, is written once.
    return "\n".join(dict.fromkeys(line for line in lines if line))


def _relationship(code: str, sex: str) -> tuple[str, str]:
    code = code.strip().upper()
    if code == "PAR" and sex.strip().upper()[:1] in PARENTS:
        return PARENTS[sex.strip().upper()[:1]], ""
    if code in RELATIONSHIPS:
        return RELATIONSHIPS[code]
    if code:
        return Relationship.OTHER, code[:100]
    return Relationship.OTHER, "Not given in the file"


def _valid(validator: Any, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _label(relationship: str, other: str) -> str:
    return other if relationship == Relationship.OTHER else str(Relationship(relationship).label)


def family_contacts(pupil: Element) -> list[dict[str, Any]]:
    """The pupil's CTF contacts (Contacts/Contact), each as the values of a family contact."""
    pupil_address = _address(child(pupil, "Address"))
    contacts: list[dict[str, Any]] = []
    orders_taken: set[int] = set()
    for contact in children(child(pupil, "Contacts"), "Contact")[:MOST_CONTACTS]:
        parts = (text(contact, part) for part in ("Title", "Forename", "Surname"))
        name = " ".join(part for part in parts if part)[:LONGEST_NAME]
        relationship, other = _relationship(
            text(contact, "Relationship") or "",
            text(contact, "Sex") or text(contact, "Gender") or "",
        )
        numbers = [
            text(phone, "PhoneNo") or ""
            for phone in children(child(contact, "Phones"), "Phone")[:MOST_PHONES]
        ]
        numbers = [number for number in numbers if number]
        phones = [number for number in numbers if _valid(validate_phone, number)]
        unread = [f"Telephone in the file: {n}" for n in numbers if n not in phones]
        unread += [f"Another telephone in the file: {n}" for n in phones[2:]]
        email = text(contact, "Email") or ""
        if email and not _valid(validate_email, email):
            unread.append(f"Email address in the file: {email}")
            email = ""
        address_element = child(contact, "Address")
        same = (text(address_element, "SameAsPupil") or "").lower() in YES
        order_text = text(contact, "Order") or ""
        order = whole_number(order_text) if len(order_text) <= 2 else None
        # An emergency contact needs a telephone number, and each order is one contact's.
        if order in orders_taken or not order or not phones:
            order = None
        else:
            orders_taken.add(order)
        contacts.append(
            {
                "name": name or "Name not given in the file",
                "relationship": relationship,
                "relationship_other": other,
                "relationship_label": _label(relationship, other),
                "parental_responsibility": (text(contact, "Responsibility") or "").lower() in YES,
                "emergency_priority": order,
                "phone": phones[0] if phones else "",
                "phone_other": phones[1] if len(phones) > 1 else "",
                "email": email,
                "address": pupil_address if same else _address(address_element),
                "unread": unread,
            }
        )
    return contacts

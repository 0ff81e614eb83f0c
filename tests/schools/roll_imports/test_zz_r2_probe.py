"""Scratch probes (reviewer r2): removed before the end."""
import datetime
import pytest
from django.core.exceptions import ValidationError
from schools.models import Pupil, RollImport
from schools.roll.imports import services
from schools.roll.imports.csv_reader import read_csv
from schools.roll.imports import ctf_reader
from tests.factories import PupilFactory
from tests.schools.roll_imports.helpers import csv_bytes, preview_csv, preview_ctf, ctf_bytes, ctf_pupil, upn

pytestmark = pytest.mark.django_db


def show(ri):
    print("PROBLEMS", ri.problems)
    print("PLAN j/c/l", ri.joiners, ri.changes, ri.leavers, [c["fields"] for c in ri.plan.get("changes", [])])


def test_left_before_joined(world):
    p = world.pupil
    print("pupil", p.upn, p.joined_on, p.date_of_birth, p.year_group)
    data = csv_bytes(f"{p.upn or ''},{p.legal_last_name},{p.legal_first_name},{p.date_of_birth:%d/%m/%Y},{p.year_group},7A,F,01/01/2001",
                     heading="UPN,Legal Surname,Legal Forename,DOB,Year,Reg,Gender,Leaving date")
    ri = preview_csv(world.users["admin"], world.school, data)
    show(ri)
    try:
        services.roll_import_apply(actor=world.users["admin"], roll_import=ri)
    except ValidationError as e:
        print("VE", e)


def test_sep_line(world):
    data = b"sep=,\r\n" + csv_bytes(f"{upn(1)},Smith,Jo,01/02/2015,6,6A,F")
    t = read_csv(data)
    print("HEADINGS", t.headings, t.rows[:2])


def test_one_bad_byte():
    data = "UPN,Surname,Forename\r\nA,Zoë,Renée\r\nB,O'Brien,Siân\r\n".encode() + b"C,Bad\xff,X\r\n"
    t = read_csv(data)
    print("ENC", t.encoding, t.rows)


def test_utf16_no_bom():
    data = "UPN,Surname,Forename\r\nA,Zoë,Renée\r\n".encode("utf-16-le")
    t = read_csv(data)
    print("U16", t.encoding, t.headings, t.rows)


def test_admission_number_merges_children(world):
    p = world.pupil
    p.admission_number = "001234"
    p.upn = ""
    p.save()
    data = csv_bytes(f"001234,Newchild,Zed,01/02/2016,5",
                     heading="Adno,Legal Surname,Legal Forename,DOB,Year")
    ri = preview_csv(world.users["admin"], world.school, data)
    show(ri)


def test_leaver_ctf_as_whole_roll(world):
    here = {"LEA": "881", "Estab": "2001", "URN": world.school.urn, "SchoolName": "Alpha School"}
    other = {"LEA": "882", "Estab": "4000", "URN": "999999", "SchoolName": "Shoreline Primary"}
    PupilFactory(school=world.school)
    data = ctf_bytes(ctf_pupil(upn(3), "Leaving", "Lou", "2018-04-04", "3"), source=here, dest=other)
    try:
        ri = preview_ctf(world.users["admin"], world.school, data, whole_roll=True)
        show(ri)
    except ValidationError as e:
        print("VE", e)


def test_stale_discard_after_apply(world):
    data = csv_bytes(f"{upn(5)},Smith,Jo,01/02/2016,5,5A,F")
    ri = preview_csv(world.users["admin"], world.school, data)
    stale = RollImport.objects.get(pk=ri.pk)
    services.roll_import_apply(actor=world.users["admin"], roll_import=ri)
    try:
        services.roll_import_discard(actor=world.users["admin"], roll_import=stale)
    except ValidationError as e:
        print("VE", e)
    print("STATUS AFTER", RollImport.objects.get(pk=ri.pk).status)


def test_dates(world):
    from schools.roll.imports.fields import parse_date
    for t in ["42078", "14/03/2015 00:00", "14/03/2015 00:00:00", "2015-03-14 00:00:00", "14 Mar 2015", "14-Mar-2015", "3/14/2015", "14/3/15"]:
        try:
            print(t, parse_date(t))
        except Exception as e:
            print(t, "->", e)


def test_ctf_attacks(world):
    cases = {
        "prefix": b'<?xml version="1.0"?><ctf:CTfile xmlns:ctf="urn:x"><ctf:Header><ctf:SourceSchool><ctf:URN>' + world.school.urn.encode() + b'</ctf:URN></ctf:SourceSchool></ctf:Header><ctf:CTFpupilData><ctf:Pupil><ctf:UPN>X</ctf:UPN></ctf:Pupil></ctf:CTFpupilData></ctf:CTfile>',
        "quadratic": b'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY a "' + b"x" * 100000 + b'">]><CTfile><Header><DocumentName>' + b"&a;" * 1000 + b'</DocumentName></Header></CTfile>',
        "param": b'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd"> %p;]><CTfile/>',
        "xinclude": b'<?xml version="1.0"?><CTfile xmlns:xi="http://www.w3.org/2001/XInclude"><Header><xi:include href="/etc/passwd" parse="text"/></Header></CTfile>',
        "deep": b"<CTfile><Header/>" + b"<a>" * 200000 + b"</a>" * 200000 + b"</CTfile>",
        "utf16": '<?xml version="1.0" encoding="UTF-16"?><CTfile><Header/></CTfile>'.encode("utf-16"),
        "pi": b'<?xml version="1.0"?><?xml-stylesheet href="http://x"?><CTfile><Header/></CTfile>',
        "zero": ctf_bytes(source={"URN": world.school.urn}),
    }
    for name, data in cases.items():
        try:
            c = ctf_reader.read_ctf(data)
            print(name, "READ", c.header, len(c.pupils), c.pupils[:1])
        except Exception as e:
            print(name, "->", type(e).__name__, str(e)[:200])
    try:
        preview_ctf(world.users["admin"], world.school, cases["zero"], whole_roll=True)
    except ValidationError as e:
        print("zero whole", e)


def test_joiner_joined_implausible(world):
    data = csv_bytes(f"{upn(7)},Smith,Jo,01/02/2016,5,01/01/1950",
                     heading="UPN,Legal Surname,Legal Forename,DOB,Year,Date of admission")
    ri = preview_csv(world.users["admin"], world.school, data)
    show(ri)
    try:
        services.roll_import_apply(actor=world.users["admin"], roll_import=ri)
        print("APPLIED", Pupil.objects.get(upn=upn(7)).joined_on)
    except Exception as e:
        print("EXC", type(e), e)

"""Files to import, built in the tests: CSV text and Common Transfer Files."""

from __future__ import annotations

from typing import Any

from demo.pupils import upn_with_check_letter
from roll.imports import services
from roll.imports.selectors import roll_import_columns_for
from schools.models import RollImport, School, User

CSV_HEADING = "UPN,Legal Surname,Legal Forename,DOB,Year,Reg,Gender"


def upn(n: int) -> str:
    """A UPN with a right check letter (local authority 881, school 0001)."""
    return upn_with_check_letter(f"8810001{n:05d}")


def csv_bytes(*rows: str, heading: str = CSV_HEADING, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([heading, *rows]) + "\r\n").encode(encoding)


def preview_csv(
    actor: User, school: School, data: bytes, *, whole_roll: bool = False, name: str = "roll.csv"
) -> RollImport:
    """Upload a CSV and accept the suggested columns: the preview."""
    roll_import = services.roll_import_start(
        actor=actor, school=school, source="csv", file_name=name, data=data, whole_roll=whole_roll
    )
    return services.roll_import_columns_set(
        actor=actor,
        roll_import=roll_import,
        columns=roll_import_columns_for(roll_import=roll_import),
    )


def preview_ctf(
    actor: User, school: School, data: bytes, *, whole_roll: bool = False
) -> RollImport:
    return services.roll_import_start(
        actor=actor,
        school=school,
        source="ctf",
        file_name="pupil.xml",
        data=data,
        whole_roll=whole_roll,
    )


def ctf_pupil(
    upn_: str,
    surname: str,
    forename: str,
    dob: str,
    year: str,
    *,
    sex_tag: str = "Sex",
    sex: str = "F",
    extra: str = "",
) -> str:
    return f"""
    <Pupil>
      <UPN>{upn_}</UPN>
      <Surname>{surname}</Surname>
      <Forename>{forename}</Forename>
      <DOB>{dob}</DOB>
      <{sex_tag}>{sex}</{sex_tag}>
      <BasicDetails>
        <MiddleNames>Rose</MiddleNames>
        <NCyearActual>{year}</NCyearActual>
        <Ethnicity>WBRI</Ethnicity>
      </BasicDetails>
      {extra}
    </Pupil>"""


def ctf_bytes(
    *pupils: str,
    source: dict[str, str] | None = None,
    dest: dict[str, str] | None = None,
    namespace: str | None = None,
    version: str = "24.0",
    date_time: str = "2026-11-30T09:15:00",
) -> bytes:
    def school(tag: str, values: dict[str, Any] | None) -> str:
        if values is None:
            return ""
        inner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
        return f"<{tag}>{inner}</{tag}>"

    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile{xmlns}>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>{version}</CTFversion>
    <DateTime>{date_time}</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    {school("SourceSchool", source)}
    {school("DestSchool", dest)}
  </Header>
  <CTFpupilData>{"".join(pupils)}
  </CTFpupilData>
</CTfile>
""".encode()

"""A roll import previewed and waiting to be applied, for the tenancy matrix (`Records`)."""

from __future__ import annotations

from roll.imports.services import _preview
from schools.models import RollImport, School, User


def roll_import_record(school: School, uploaded_by: User) -> RollImport:
    """A CSV of one joiner with its columns chosen: previewed, not applied.

    Written without the service's permission check: school B of the test world has no school
    administrator, and the record, not the upload, is what the matrix tests.
    """
    headings = ["UPN", "Legal Surname", "Legal Forename", "DOB", "Year"]
    roll_import = RollImport.objects.create(
        school=school,
        source=RollImport.Source.CSV,
        file_name="roll.csv",
        file_sha256="0" * 64,
        uploaded_by=uploaded_by,
        whole_roll=False,
        header={
            "headings": headings,
            "encoding": "UTF-8",
            "delimiter": "comma",
            "columns": {
                "legal_last_name": 1,
                "legal_first_name": 2,
                "date_of_birth": 3,
                "year_group": 4,
            },
        },
        rows=[[2, ["", "Newcomer", "Nell", "14/03/2019", "Year 2"]]],
    )
    _preview(roll_import)
    return roll_import

"""The sample files under fixtures/ import cleanly into the demo's Alderbrook Primary."""

from __future__ import annotations

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from demo.seed import seed_demo
from roll.imports import services
from schools.models import Pupil, School, User
from tests.support.roll_imports import preview_csv, preview_ctf

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# The samples are for the 2026/27 school year, the demo's (its pupils' dates of birth follow the
# school year in which it is seeded).
DAY = datetime.date(2026, 12, 5)


def test_the_sample_csv_and_ctf_import_cleanly_into_alderbrook() -> None:
    with time_machine.travel(datetime.datetime(2026, 12, 5, 10, tzinfo=ZoneInfo("Europe/London"))):
        seed_demo(password="demo-password-123", today=DAY, history=False)
        school = School.objects.get(slug="alderbrook")
        assert school.dfe_number == "8810101"
        admin = User.objects.get(email="admin@alderbrook.example")
        other_schools = set(
            Pupil.objects.exclude(school=school).values_list("pk", "updated_at", "left_on")
        )

        csv_import = preview_csv(
            admin, school, (FIXTURES / "roll-sample.csv").read_bytes(), name="roll-sample.csv"
        )
        assert csv_import.problems == []
        assert [j["name"] for j in csv_import.plan["joiners"]] == [
            "Zoë O’Brien",
            "Siobhán Kelly",
            "Kacper Nowicki",
        ]
        changed = {c["name"]: c["fields"] for c in csv_import.plan["changes"]}
        assert set(changed) == {"Jayden Taylor", "Aisha Nowak", "Theo Murphy"}
        assert changed["Aisha Nowak"]["registration_group"]["new"] == "1A"
        assert all("left_on" not in fields for fields in changed.values())
        assert csv_import.leavers == 0
        services.roll_import_apply(actor=admin, roll_import=csv_import)
        theo = Pupil.objects.get(school=school, upn="U881010124003")
        assert (theo.preferred_first_name, theo.sen_provision) == ("Teddy", "K")

        ctf_import = preview_ctf(admin, school, (FIXTURES / "ctf-sample.xml").read_bytes())
        assert ctf_import.problems == []
        assert [j["name"] for j in ctf_import.plan["joiners"]] == ["Amara Mensah", "Esi Mensah"]
        assert ctf_import.plan["joiners"][0]["extra"]["contacts"][0]["name"] == "Mrs Abena Mensah"
        services.roll_import_apply(actor=admin, roll_import=ctf_import)
        esi = Pupil.objects.get(school=school, upn="V881245622031")
        assert (esi.year_group, esi.fsm_eligible, esi.sen_provision) == ("R", True, "N")

        # Both again: nothing left to do.
        again = preview_csv(admin, school, (FIXTURES / "roll-sample.csv").read_bytes())
        assert (again.joiners, again.changes, again.leavers) == (0, 0, 0)
        again = preview_ctf(admin, school, (FIXTURES / "ctf-sample.xml").read_bytes())
        assert (again.joiners, again.changes, again.leavers) == (0, 0, 0)
        assert (
            set(Pupil.objects.exclude(school=school).values_list("pk", "updated_at", "left_on"))
            == other_schools
        )

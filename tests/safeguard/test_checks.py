"""The tenancy system check fails start-up for a model that is neither tenant-owned nor global."""

from __future__ import annotations

from django.core.checks.registry import registry
from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps

from safeguard.checks import check_models, check_tenancy


def test_project_models_all_pass() -> None:
    assert check_tenancy() == []


@isolate_apps("concerns")
def test_model_without_school_is_an_error() -> None:
    class Note(models.Model):
        text = models.TextField()

        class Meta:
            app_label = "concerns"

    errors = check_models([Note])
    assert [e.id for e in errors] == ["safeguard.E001"]
    assert "concerns.Note" in errors[0].msg


@isolate_apps("concerns")
def test_nullable_school_is_not_tenant_owned() -> None:
    class Loose(models.Model):
        school = models.ForeignKey("schools.School", null=True, on_delete=models.CASCADE)

        class Meta:
            app_label = "concerns"

    assert [e.id for e in check_models([Loose])] == ["safeguard.E001"]


@isolate_apps("concerns")
def test_non_null_school_passes() -> None:
    class Owned(models.Model):
        school = models.ForeignKey("schools.School", on_delete=models.PROTECT)

        class Meta:
            app_label = "concerns"

    assert check_models([Owned]) == []


def test_check_is_registered_and_manage_py_check_passes() -> None:
    assert check_tenancy in registry.get_checks()
    call_command("check", "--fail-level", "ERROR")

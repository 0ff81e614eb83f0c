"""Recompute pupils' search text with the accent- and apostrophe-blind search key."""

from django.db import migrations


def recompute(apps, schema_editor):  # noqa: ANN001, ANN201
    from schools.models import search_key

    Pupil = apps.get_model("schools", "Pupil")  # noqa: N806
    fields = [
        "legal_first_name",
        "legal_middle_names",
        "legal_last_name",
        "preferred_first_name",
        "preferred_last_name",
        "upn",
    ]
    for pupil in Pupil.objects.all().iterator():
        parts = [getattr(pupil, f) for f in fields]
        pupil.search_text = " ".join(search_key(p) for p in parts if p and p.strip())
        pupil.save(update_fields=["search_text"])


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]

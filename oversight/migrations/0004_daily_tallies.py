from django.db import migrations, models


def forget_tallies(apps, schema_editor):
    """Weekly rows mean nothing as daily ones: drop them and the marks; the next refresh
    (nightly, or `tally_refresh`) counts every day again."""
    apps.get_model("oversight", "ConcernTally").objects.all().delete()
    apps.get_model("oversight", "ConcernTallyMark").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0003_dashboard_tallies"),
    ]

    operations = [
        migrations.RunPython(forget_tallies, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="concerntally",
            name="concern_tally_unique",
        ),
        migrations.RenameField(
            model_name="concerntally",
            old_name="week",
            new_name="day",
        ),
        migrations.AlterField(
            model_name="concerntally",
            name="day",
            field=models.DateField(),
        ),
        migrations.AddConstraint(
            model_name="concerntally",
            constraint=models.UniqueConstraint(
                fields=("school", "day", "dimension", "key"), name="concern_tally_one_per_day"
            ),
        ),
    ]

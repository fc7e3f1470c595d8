"""The level that set each 链主 mark: only that level or one above may withdraw it."""

from django.db import migrations, models

LEVEL_ROLES = ("county", "city", "province", "national", "admin")


def from_flagged_by(apps, schema_editor):
    """Existing marks take the role of the user who set them; a mark whose user is gone stays
    unknown (only an administrator may withdraw it, and the page says why)."""
    LeaderFlag = apps.get_model("pairing", "LeaderFlag")
    for flag in LeaderFlag.objects.select_related("flagged_by").filter(flagged_by__isnull=False):
        if flag.flagged_by.role in LEVEL_ROLES:
            LeaderFlag.objects.filter(pk=flag.pk).update(flagged_level=flag.flagged_by.role)


class Migration(migrations.Migration):
    dependencies = [("pairing", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="leaderflag",
            name="flagged_level",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="标记层级"),
        ),
        migrations.RunPython(from_flagged_by, migrations.RunPython.noop),
    ]

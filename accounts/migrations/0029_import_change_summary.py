"""Import runs: what they changed of stored persons, field by field."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0028_person_corrections"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="change_summary",
            field=models.JSONField(blank=True, default=dict, verbose_name="changes by field"),
        ),
    ]

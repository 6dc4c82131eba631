"""Store what a run and its faults say once, as a template and its parameters.

Runs and faults recorded before keep their text as it was stored, in the portal's language
and in English (``{"literal": …, "literal_en": …}``); ``accounts.messages.render`` shows
whichever the reader reads.
"""

from django.db import migrations, models


def _literal(own: str, english: str):
    return {"literal": own, "literal_en": english} if own else {}


def forwards(apps, schema_editor):
    ImportRun = apps.get_model("accounts", "ImportRun")
    for run in ImportRun.objects.only(
        "message", "message_en", "warnings", "warnings_en"
    ).iterator():
        english = list(run.warnings_en or [])
        run.message_data = _literal(run.message, run.message_en)
        run.warnings_data = [
            _literal(text, english[i] if i < len(english) else "")
            for i, text in enumerate(run.warnings or [])
        ]
        run.save(update_fields=["message_data", "warnings_data"])
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_importrowerror SET message_data = "
            "jsonb_build_object('literal', message, 'literal_en', message_en)"
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0020_bindings")]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="message_data",
            field=models.JSONField(blank=True, default=dict, verbose_name="message"),
        ),
        migrations.AddField(
            model_name="importrun",
            name="warnings_data",
            field=models.JSONField(blank=True, default=list, verbose_name="warnings"),
        ),
        migrations.AddField(
            model_name="importrowerror",
            name="message_data",
            field=models.JSONField(default=dict, verbose_name="message"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="importrun", name="message"),
        migrations.RemoveField(model_name="importrun", name="message_en"),
        migrations.RemoveField(model_name="importrun", name="warnings"),
        migrations.RemoveField(model_name="importrun", name="warnings_en"),
        migrations.RemoveField(model_name="importrowerror", name="message"),
        migrations.RemoveField(model_name="importrowerror", name="message_en"),
    ]

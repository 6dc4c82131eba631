"""Count the faulty rows by region of the runs from before 0009, from their faults.

Since 0009 each run adds its counts as it commits; earlier runs were left
without them (NULL), and their pages counted their faults on every view.
After this, a run without counts is one whose faults were deleted at the
end of their retention: its total stands for itself.
"""

from django.db import migrations

BACKFILL = """
UPDATE accounts_importrun AS run
SET faulty_rows_by_region = coalesce((
    SELECT jsonb_object_agg(region, rows) FROM (
        SELECT region, count(DISTINCT line) AS rows
        FROM accounts_importrowerror
        WHERE run_id = run.id AND region <> ''
        GROUP BY region
    ) AS counted
), '{}'::jsonb)
WHERE run.faulty_rows_by_region IS NULL AND run.faults_deleted_at IS NULL
"""


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_import_stop"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]

"""Import runs: the rows of other regions counted apart from the faulty rows.

Runs from before this counted a row of a region the importer may not write as a faulty
row (code region_not_allowed). They are moved to the new counts here, as a run now counts
them: out of ``failed`` and ``faulty_rows_by_region``, into ``other_region_rows`` and
``other_rows_by_region``; and such a row keeps its one region_not_allowed fault, as a row
of another region now has (its other faults were for that region's caseworkers to see).
"""

from django.db import migrations, models

OTHER_REGIONS_APART = """
DELETE FROM accounts_importrowerror e
USING accounts_importrowerror o
WHERE o.run_id = e.run_id AND o.line = e.line AND o.code = 'region_not_allowed'
  AND e.code <> 'region_not_allowed';

WITH o AS (
    SELECT run_id, region, count(DISTINCT line) AS n
    FROM accounts_importrowerror WHERE code = 'region_not_allowed'
    GROUP BY run_id, region
), t AS (
    SELECT run_id, sum(n)::integer AS total, jsonb_object_agg(region, n) AS by_region
    FROM o GROUP BY run_id
)
UPDATE accounts_importrun r
SET other_region_rows = t.total,
    other_rows_by_region = t.by_region,
    failed = greatest(r.failed - t.total, 0),
    faulty_rows_by_region = CASE WHEN r.faulty_rows_by_region IS NULL THEN NULL ELSE (
        SELECT coalesce(jsonb_object_agg(k, v), '{}') FROM (
            SELECT e.key AS k,
                   e.value::bigint - coalesce((t.by_region ->> e.key)::bigint, 0) AS v
            FROM jsonb_each_text(r.faulty_rows_by_region) AS e
        ) AS s WHERE v > 0
    ) END
FROM t
WHERE r.id = t.run_id;
"""

OTHER_REGIONS_BACK = """
UPDATE accounts_importrun r
SET failed = r.failed + r.other_region_rows,
    faulty_rows_by_region = CASE WHEN r.faulty_rows_by_region IS NULL THEN NULL ELSE (
        SELECT coalesce(jsonb_object_agg(k, n), '{}') FROM (
            SELECT k, sum(v::bigint) AS n FROM (
                SELECT * FROM jsonb_each_text(r.faulty_rows_by_region)
                UNION ALL SELECT * FROM jsonb_each_text(r.other_rows_by_region)
            ) AS e (k, v) GROUP BY k
        ) AS s
    ) END
WHERE r.other_region_rows > 0;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0029_import_change_summary"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="other_region_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="rows of other regions"),
        ),
        migrations.AddField(
            model_name="importrun",
            name="other_rows_by_region",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="rows of other regions by region"
            ),
        ),
        migrations.RunSQL(OTHER_REGIONS_APART, OTHER_REGIONS_BACK),
    ]

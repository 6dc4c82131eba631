"""The decisions table keeps the Beijing day of each decision, written by the trigger and
filled in for the rows already there; the report groups and filters by it."""

from django.db import migrations, models

ZONE = "Asia/Shanghai"
ACTIONS = "'approve', 'reject', 'return', 'overturn', 'spot_check_drawn'"


def _function(day: bool) -> str:
    """The trigger function of migration 0004, with the day column or without it."""
    columns = "event_id, at, day, region" if day else "event_id, at, region"
    values = f"e.id, e.at, (e.at AT TIME ZONE '{ZONE}')::date," if day else "e.id, e.at,"
    return f"""
CREATE OR REPLACE FUNCTION reports_record_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_decision ({columns}, relation, document_type, actor_id,
                                  outcome, reason, handled_seconds, spot_check, decision_of_id)
    SELECT {values} p.region_id, p.relation, p.document_type, e.actor_id, e.action,
           e.reason_code,
           CASE WHEN e.action IN ('approve', 'reject', 'return')
                THEN extract(epoch FROM e.at - (
                    SELECT max(c.at) FROM accounts_proofevent c
                     WHERE c.proof_id = e.proof_id AND c.action IN ('claim', 'reassign')
                       AND c.at <= e.at))::int END,
           p.is_spot_check,
           CASE WHEN e.action = 'overturn' AND e.params ? 'decided_by'
                THEN (e.params->>'decided_by')::int END
      FROM inserted e JOIN accounts_kinshipproof p ON p.id = e.proof_id
     WHERE e.action IN ({ACTIONS});
    RETURN NULL;
END
$$;
"""


FILL = f"UPDATE reports_decision SET day = (at AT TIME ZONE '{ZONE}')::date;"


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_summaries_by_document"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="day",
            field=models.DateField(null=True, verbose_name="day"),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="decision",
            name="day",
            field=models.DateField(verbose_name="day"),
        ),
        migrations.RunSQL(_function(day=True), _function(day=False)),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["day"], name="report_decision_day"),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["region", "day"], name="report_decision_region_day"),
        ),
    ]

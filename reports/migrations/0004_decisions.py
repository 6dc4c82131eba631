"""The decisions report's table, written by a statement trigger on the review events.

Every ``ProofEvent`` of a decision (approve, reject, return), an overturn, or a spot check
drawn is copied into ``reports_decision`` in the statement that inserts it, with the case's
region, relation and document type, the seconds since the case's last claim (or
reassignment), and for an overturn who took the decision overturned. One INSERT of many
events is one trigger call. The events already there when this migration runs are copied
by it.
"""

from django.db import migrations, models

ACTIONS = "'approve', 'reject', 'return', 'overturn', 'spot_check_drawn'"

#: the copied columns, from the events ``e`` (with their case ``p``)
COPY = f"""
INSERT INTO reports_decision (event_id, at, region, relation, document_type, actor_id,
                              outcome, reason, handled_seconds, spot_check, decision_of_id)
SELECT e.id, e.at, p.region_id, p.relation, p.document_type, e.actor_id, e.action,
       e.reason_code,
       CASE WHEN e.action IN ('approve', 'reject', 'return')
            THEN extract(epoch FROM e.at - (
                SELECT max(c.at) FROM accounts_proofevent c
                 WHERE c.proof_id = e.proof_id AND c.action IN ('claim', 'reassign')
                   AND c.at <= e.at))::int END,
       p.is_spot_check,
       CASE WHEN e.action = 'overturn' AND e.params ? 'decided_by'
            THEN (e.params->>'decided_by')::int END
  FROM {{events}} e JOIN accounts_kinshipproof p ON p.id = e.proof_id
 WHERE e.action IN ({ACTIONS})
"""

TRIGGER = f"""
CREATE FUNCTION reports_record_decisions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {COPY.format(events="inserted")};
    RETURN NULL;
END
$$;
CREATE TRIGGER reports_decisions_recorded AFTER INSERT ON accounts_proofevent
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION reports_record_decisions();
{COPY.format(events="accounts_proofevent")};
"""
NO_TRIGGER = """
DROP TRIGGER IF EXISTS reports_decisions_recorded ON accounts_proofevent;
DROP FUNCTION IF EXISTS reports_record_decisions();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_report_roles"),
        # the review events (issue 20)
        ("accounts", "0027_kinship_proofs"),
    ]

    operations = [
        migrations.CreateModel(
            name="Decision",
            fields=[
                (
                    "event_id",
                    models.BigIntegerField(
                        primary_key=True, serialize=False, verbose_name="review event"
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="at")),
                ("region", models.CharField(max_length=6, verbose_name="pooling region")),
                (
                    "relation",
                    models.CharField(
                        choices=[
                            ("spouse", "spouse"),
                            ("father", "father"),
                            ("mother", "mother"),
                            ("son", "son"),
                            ("daughter", "daughter"),
                            ("elder_brother", "elder brother"),
                            ("younger_brother", "younger brother"),
                            ("elder_sister", "elder sister"),
                            ("younger_sister", "younger sister"),
                            ("paternal_grandfather", "paternal grandfather"),
                            ("paternal_grandmother", "paternal grandmother"),
                            ("maternal_grandfather", "maternal grandfather"),
                            ("maternal_grandmother", "maternal grandmother"),
                            ("paternal_grandson", "grandson (son's son)"),
                            ("paternal_granddaughter", "granddaughter (son's daughter)"),
                            ("maternal_grandson", "grandson (daughter's son)"),
                            ("maternal_granddaughter", "granddaughter (daughter's daughter)"),
                        ],
                        max_length=30,
                        verbose_name="relation",
                    ),
                ),
                ("document_type", models.CharField(max_length=30, verbose_name="document type")),
                ("actor_id", models.IntegerField(null=True, verbose_name="actor")),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("approve", "approved"),
                            ("reject", "rejected"),
                            ("return", "returned for more documents"),
                            ("overturn", "overturned"),
                            ("spot_check_drawn", "drawn for a spot check"),
                        ],
                        max_length=20,
                        verbose_name="outcome",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=24, verbose_name="reason")),
                (
                    "handled_seconds",
                    models.IntegerField(null=True, verbose_name="handling time (seconds)"),
                ),
                ("spot_check", models.BooleanField(default=False, verbose_name="spot check")),
                (
                    "decision_of_id",
                    models.IntegerField(null=True, verbose_name="decision overturned was by"),
                ),
            ],
            options={
                "verbose_name": "review decision",
                "verbose_name_plural": "review decisions",
                "indexes": [
                    models.Index(fields=["at"], name="report_decision_at"),
                    models.Index(fields=["region", "at"], name="report_decision_region_at"),
                ],
            },
        ),
        migrations.RunSQL(TRIGGER, NO_TRIGGER),
    ]

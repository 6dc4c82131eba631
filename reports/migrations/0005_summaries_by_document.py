"""The summaries count by the document the binding was proved on (its latest kinship
proof), for the reports' document-type filter. Their rows are counted again: the summaries
are emptied and every journal and binding event is queued, as ``reports_rebuild`` does;
the next fold (``manage.py reports_fold``, or its worker) counts them all.
"""

from django.db import migrations, models

#: the journal kinds the money summary counts (as in migration 0002)
KINDS = ", ".join(
    f"'{kind}'"
    for kind in (
        "direct_payment",
        "wallet_transfer",
        "transfer_accept",
        "transfer_return",
        "wallet_spend",
        "reversal",
        "import_adjustment",
    )
)
RECOUNT = f"""
TRUNCATE reports_journalqueue, reports_bindingeventqueue, reports_moneymonth,
         reports_bindingmonth, reports_foldstate;
INSERT INTO reports_journalqueue (journal_id)
SELECT id FROM accounts_journal WHERE kind IN ({KINDS});
INSERT INTO reports_bindingeventqueue (event_id)
SELECT id FROM accounts_auditevent
 WHERE target_type_id = (SELECT id FROM django_content_type
                          WHERE app_label = 'accounts' AND model = 'binding');
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_decisions"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="bindingmonth",
            name="binding_month_key",
        ),
        migrations.RemoveConstraint(
            model_name="moneymonth",
            name="money_month_key",
        ),
        migrations.AddField(
            model_name="bindingmonth",
            name="document_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("household_register", "household register (户口本)"),
                    ("marriage_certificate", "marriage certificate (结婚证)"),
                    ("birth_certificate", "birth medical certificate (出生医学证明)"),
                    ("kinship_certificate", "kinship certificate (police or community)"),
                    ("commitment_letter", "signed commitment letter (承诺书)"),
                ],
                default="",
                max_length=30,
                verbose_name="document type",
            ),
        ),
        migrations.AddField(
            model_name="moneymonth",
            name="document_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("household_register", "household register (户口本)"),
                    ("marriage_certificate", "marriage certificate (结婚证)"),
                    ("birth_certificate", "birth medical certificate (出生医学证明)"),
                    ("kinship_certificate", "kinship certificate (police or community)"),
                    ("commitment_letter", "signed commitment letter (承诺书)"),
                ],
                default="",
                max_length=30,
                verbose_name="document type",
            ),
        ),
        migrations.AddConstraint(
            model_name="bindingmonth",
            constraint=models.UniqueConstraint(
                fields=(
                    "month",
                    "authorizer_region",
                    "beneficiary_region",
                    "relation",
                    "document_type",
                    "event",
                    "reason",
                ),
                name="binding_month_key",
            ),
        ),
        migrations.AddConstraint(
            model_name="moneymonth",
            constraint=models.UniqueConstraint(
                fields=(
                    "month",
                    "payer_region",
                    "payee_region",
                    "relation",
                    "document_type",
                    "mode",
                    "use",
                ),
                name="money_month_key",
            ),
        ),
        # both ways: going back, the old key would not hold the rows split by document
        migrations.RunSQL(RECOUNT, RECOUNT),
    ]

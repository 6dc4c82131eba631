"""Queue what the summaries fold in, as it is inserted: journals and binding events.

Two statement-level triggers (one INSERT of a million entries' journal or of a thousand
automatic revocations is one trigger call) copy the ids of new rows into the queues:

- every ledger journal of a kind the money summary counts (not opening balances);
- every audit event of a binding.

``reports.fold`` deletes queued ids in the transaction that adds them to the summaries, so
each row is counted exactly once, whenever its own transaction commits. The rows already
there when this migration runs are queued by it: the first fold counts them.
"""

from django.db import migrations

#: the journal kinds the money summary counts (accounts.choices.JournalKind)
FOLDED_KINDS = (
    "direct_payment",
    "wallet_transfer",
    "transfer_accept",
    "transfer_return",
    "wallet_spend",
    "reversal",
    "import_adjustment",
)
KINDS = ", ".join(f"'{kind}'" for kind in FOLDED_KINDS)
BINDING_TYPE = (
    "(SELECT id FROM django_content_type WHERE app_label = 'accounts' AND model = 'binding')"
)

JOURNALS = f"""
CREATE FUNCTION reports_queue_journals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_journalqueue (journal_id)
    SELECT id FROM inserted WHERE kind IN ({KINDS})
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER reports_journals_queued AFTER INSERT ON accounts_journal
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION reports_queue_journals();
INSERT INTO reports_journalqueue (journal_id)
SELECT id FROM accounts_journal WHERE kind IN ({KINDS});
"""
NO_JOURNALS = """
DROP TRIGGER IF EXISTS reports_journals_queued ON accounts_journal;
DROP FUNCTION IF EXISTS reports_queue_journals();
"""

EVENTS = f"""
CREATE FUNCTION reports_queue_binding_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_bindingeventqueue (event_id)
    SELECT id FROM inserted WHERE target_type_id = {BINDING_TYPE}
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER reports_binding_events_queued AFTER INSERT ON accounts_auditevent
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION reports_queue_binding_events();
INSERT INTO reports_bindingeventqueue (event_id)
SELECT id FROM accounts_auditevent WHERE target_type_id = {BINDING_TYPE};
"""
NO_EVENTS = """
DROP TRIGGER IF EXISTS reports_binding_events_queued ON accounts_auditevent;
DROP FUNCTION IF EXISTS reports_queue_binding_events();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_summaries"),
        # the ledger's journals and the audit trail (with the bindings' content type)
        ("accounts", "0023_ledger"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [
        migrations.RunSQL(JOURNALS, NO_JOURNALS),
        migrations.RunSQL(EVENTS, NO_EVENTS),
    ]

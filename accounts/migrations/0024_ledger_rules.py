"""The ledger's rules in PostgreSQL, and opening journals for the balances already there.

- Journals and entries are append-only (the ``append_only()`` function of 0019).
- After each INSERT into the entries, every journal the statement touched sums to zero
  (a statement-level trigger over the inserted rows, so a million-entry import journal is
  summed once, not once per row): a journal's entries are written in one statement.
- A personal account inserted with a balance gets an opening journal: one journal per
  INSERT statement, one entry per account and one balancing entry, however the account
  was inserted (person services, the enrollment import, a factory).
- The balances in the table before this migration get one such journal, set-based.
- Caseworkers and supervisors see and enter payments and transfers, auditors see them,
  supervisors reverse them (``accounts.reverse_payment``).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

JOURNAL = "accounts_journal"
ENTRY = "accounts_ledgerentry"


def append_only(table: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION append_only();",
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
    )


BALANCED = f"""
CREATE OR REPLACE FUNCTION ledger_journals_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT t.journal_id, sum(e.amount) AS total INTO bad
      FROM (SELECT DISTINCT journal_id FROM inserted) t
      JOIN {ENTRY} e ON e.journal_id = t.journal_id
     GROUP BY t.journal_id
    HAVING sum(e.amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal % does not balance: its entries sum to %',
            bad.journal_id, bad.total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER {ENTRY}_balanced AFTER INSERT ON {ENTRY}
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION ledger_journals_balanced();
"""
UNBALANCED = f"""
DROP TRIGGER IF EXISTS {ENTRY}_balanced ON {ENTRY};
DROP FUNCTION IF EXISTS ledger_journals_balanced();
"""

#: one opening journal for the accounts of ``opened`` with a balance
OPEN_ACCOUNTS_BODY = f"""
    SELECT sum(balance) INTO total FROM opened WHERE balance <> 0;
    IF total IS NOT NULL THEN
        INSERT INTO {JOURNAL} (kind, reference, created_at, via, memo, params)
        VALUES ('opening', 'opening:' || gen_random_uuid(), now(), '', '', '{{}}'::jsonb)
        RETURNING id INTO journal;
        INSERT INTO {ENTRY} (journal_id, account_kind, person_id, amount)
        SELECT journal, 'personal', person_id, balance FROM opened WHERE balance <> 0
        UNION ALL
        SELECT journal, 'opening', NULL, -total;
    END IF;
"""

OPENING = f"""
CREATE OR REPLACE FUNCTION ledger_open_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
    journal bigint;
BEGIN
{OPEN_ACCOUNTS_BODY}
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_personalaccount_opening AFTER INSERT ON accounts_personalaccount
    REFERENCING NEW TABLE AS opened FOR EACH STATEMENT
    EXECUTE FUNCTION ledger_open_accounts();
"""
NO_OPENING = """
DROP TRIGGER IF EXISTS accounts_personalaccount_opening ON accounts_personalaccount;
DROP FUNCTION IF EXISTS ledger_open_accounts();
"""

EXISTING = f"""
DO $$
DECLARE
    total numeric;
    journal bigint;
BEGIN
    CREATE TEMPORARY TABLE opened ON COMMIT DROP AS
        SELECT person_id, balance FROM accounts_personalaccount;
{OPEN_ACCOUNTS_BODY}
    DROP TABLE opened;
END
$$;
"""


#: what each role may do with payments and transfers (``reverse_payment``: reversals)
ROLE_PERMISSIONS = {
    "caseworker": ["view_payment", "add_payment", "view_wallettransfer", "add_wallettransfer"],
    "supervisor": [
        "view_payment",
        "add_payment",
        "view_wallettransfer",
        "add_wallettransfer",
        "reverse_payment",
    ],
    "auditor": ["view_payment", "view_wallettransfer"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS):
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="accounts", codename__in=ROLE_PERMISSIONS[group.name]
            )
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0023_ledger"), ("portal", "0004_import_run_roles")]

    operations = [
        append_only(JOURNAL),
        append_only(ENTRY),
        migrations.RunSQL(BALANCED, UNBALANCED),
        migrations.RunSQL(EXISTING, migrations.RunSQL.noop),
        migrations.RunSQL(OPENING, NO_OPENING),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]

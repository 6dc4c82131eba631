"""What counts as a change when an import meets a stored person: the one rule.

The writer applies it in SQL (``row_differs``, ``account_unchanged``), the preview in
Python (``person_changes``, ``account_change``), both from the same field list and the
same account rule:

- a person changes when any of ``PERSON_FIELDS`` differs (sex and birth date follow the
  identity number, which is the key);
- an employee-insured person without an account is given one, with the file's balance
  or 0; an existing account's balance is set only when the file gives one.
"""

from __future__ import annotations

from decimal import Decimal

from accounts.choices import InsuranceType

#: the person fields an import compares and writes
PERSON_FIELDS = ("name", "insurance_type", "region_id", "enrolled_on", "status", "mobile")


def row_of(alias: str) -> str:
    """Return the person fields of ``alias`` as one SQL row value: (p.name, p.insurance_type …)."""
    return "(" + ", ".join(f"{alias}.{f}" for f in PERSON_FIELDS) + ")"


def row_differs(stored: str, incoming: str) -> str:
    """Return the SQL condition: the person ``stored`` differs from the row ``incoming``."""
    return f"{row_of(stored)} IS DISTINCT FROM {row_of(incoming)}"


def account_unchanged(person: str, incoming: str) -> str:
    """Return the SQL condition: the import leaves ``person``'s account as it is."""
    return (
        f"({incoming}.insurance_type <> '{InsuranceType.EMPLOYEE}' "
        f"OR EXISTS (SELECT 1 FROM accounts_personalaccount a WHERE a.person_id = {person}.id "
        f"AND ({incoming}.balance IS NULL OR a.balance = {incoming}.balance)))"
    )


def person_changes(stored, incoming) -> list[tuple[str, object, object]]:
    """Return (field, stored value, incoming value) for each person field that changes."""
    return [
        (name, getattr(stored, name), getattr(incoming, name))
        for name in PERSON_FIELDS
        if getattr(stored, name) != getattr(incoming, name)
    ]


def account_change(
    insurance_type: str, stored: Decimal | None, incoming: Decimal | None
) -> tuple[Decimal | None, Decimal] | None:
    """Return (stored balance, balance written) if the import changes the account; else None.

    ``stored`` is None for a person without an account.
    """
    if insurance_type != InsuranceType.EMPLOYEE:
        return None
    if stored is None:
        return None, incoming or Decimal(0)
    if incoming is not None and incoming != stored:
        return stored, incoming
    return None

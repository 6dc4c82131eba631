"""Row locks in one global order, so that two operations never wait on each other in a cycle.

Every service that changes several rows locks them through these helpers, in the order of
``LOCK_ORDER`` (by table) and, within a table, by primary key. A transfer between A and B
locks the account with the lower primary key first, whichever way the money goes.

``select_for_update(of=("self",))`` locks only the model's own rows, never a joined table's,
and works with a nullable foreign key in ``select_related``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

#: the tables in the order their rows are locked; a service that locks rows of two of them
#: locks the earlier table's first
LOCK_ORDER = (
    "accounts.insuredperson",
    "accounts.personalaccount",
    "accounts.wallet",
    "accounts.binding",
    "accounts.payment",
    "accounts.wallettransfer",
    "accounts.kinshipproof",
    "accounts.importrun",
    "policies.policyversion",
)

M = TypeVar("M", bound=models.Model)


def lock_rows(model: type[M], pks: Iterable, *, queryset=None) -> dict[object, M]:
    """Lock the rows of ``model`` with primary keys ``pks``, lowest first; return them by pk.

    Rows that do not exist are left out of the answer. ``queryset`` narrows or extends the
    rows' query (``select_related`` of the model's own foreign keys, say).
    """
    wanted = sorted(set(pks))
    if not wanted:
        return {}
    rows = (queryset if queryset is not None else model._default_manager.all()).filter(
        pk__in=wanted
    )
    # No model ordering: an ordering by a nullable foreign key would join it, and a row lock
    # cannot reach across an outer join.
    locked = rows.select_for_update(of=("self",)).order_by("pk")
    return {row.pk: row for row in locked}


def lock_row(model: type[M], pk, *, queryset=None) -> M | None:
    """Lock one row of ``model``; return it, or None if there is none."""
    return lock_rows(model, [pk], queryset=queryset).get(pk)

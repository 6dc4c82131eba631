"""What validating a row gives: a clean row and its COPY record, or the row's faults."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from accounts.messages import Message

#: the code of a row of a pooling region the importer may not write: not a fault to mend,
#: a row left for that region's caseworkers (``ImportRun.other_region_rows``)
OTHER_REGION = "region_not_allowed"


@dataclass
class RowError:
    line: int
    column: str
    code: str
    message: Message | str
    values: list[str]
    region: str = ""  # the pooling region the row names, when its code is known


@dataclass(slots=True)
class CleanRow:
    line: int
    national_id: str
    name: str
    sex: str
    birth_date: dt.date
    insurance_type: str
    region_id: str
    enrolled_on: dt.date
    status: str
    mobile: str
    balance: Decimal | None


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_record(r: CleanRow) -> str:
    """Return ``r`` as one line of PostgreSQL's text COPY format (without the newline)."""
    balance = "\\N" if r.balance is None else str(r.balance)
    return (
        f"{r.national_id}\t{r.name.translate(_ESCAPES)}\t{r.sex}\t{r.birth_date:%Y%m%d}\t"
        f"{r.insurance_type}\t{r.region_id}\t{r.enrolled_on.isoformat()}\t{r.status}\t"
        f"{r.mobile}\t{balance}"
    )

"""Small hand-built data sets whose report figures are known exactly, made through the
services (the ledger, the audit trail and the queues are real), and helpers to read
a report page's tables and exports as a user sees them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from contextlib import contextmanager
from decimal import Decimal
from html.parser import HTMLParser
from unittest import mock

from django.utils import timezone

from accounts.choices import BindingBasis, InsuranceType, RevokeReason, Via
from accounts.services.bindings import (
    binding_activate,
    binding_request,
    binding_revoke,
    bindings_revoke_for_persons,
)
from accounts.services.ledger import ledger_adjust_balances
from accounts.services.payments import (
    payment_create,
    payment_reverse,
    transfer_accept,
    transfer_create,
    transfers_return_expired,
    wallet_spend,
)
from policies.models import Region
from policies.relations import Relation, Use
from reports.fold import reports_fold
from tests.accounts.money import binding, person, reference
from tests.factories import InsuredPersonFactory, staff_user


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    """A moment of 2026, Beijing time."""
    return timezone.make_aware(dt.datetime(2026, month, day, hour, 0))


@contextmanager
def clock(moment: dt.datetime):
    """Run with Django's clock at ``moment`` (services and ``auto_now_add`` read it)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def insured(code: str, *, sex: str = "M", born: dt.date = dt.date(1970, 1, 1), **kwargs):
    return InsuredPersonFactory(region=Region.objects.get(code=code), sex=sex, birth=born, **kwargs)


def request(authorizer, beneficiary, relation, when, basis=BindingBasis.PLEDGE):
    with clock(when):
        return binding_request(
            actor=None,
            via=Via.COMMAND,
            authorizer=authorizer,
            beneficiary=beneficiary,
            relation=relation,
            basis=basis,
            starts_on=when.date(),
        )


def revoke(binding, when, reason=RevokeReason.CASEWORKER):
    with clock(when):
        return binding_revoke(
            actor=None, via=Via.COMMAND, binding=binding, reason=reason, note="按申请人要求解除"
        )


def binding_data() -> dict:
    """Bindings in Shandong (Jinan, Qingdao) and in Shenzhen, over 2026 (see the tests)."""
    a = insured("370100", sex="M", born=dt.date(1970, 3, 1))
    made = {
        "spouse": request(
            a, insured("370100", sex="F", born=dt.date(1972, 5, 1)), Relation.SPOUSE, at(2, 10)
        ),
        "son": request(
            a, insured("370200", sex="M", born=dt.date(1995, 1, 1)), Relation.SON, at(3, 5)
        ),
        "mother": request(
            a,
            insured(
                "440300", sex="F", born=dt.date(1945, 1, 1), insurance_type=InsuranceType.RESIDENT
            ),
            Relation.MOTHER,
            at(4, 1),
        ),
    }
    e = insured("370200", sex="M", born=dt.date(1980, 1, 1))
    made["daughter"] = request(
        e,
        insured("370200", sex="F", born=dt.date(2005, 1, 1)),
        Relation.DAUGHTER,
        at(5, 1),
        basis=BindingBasis.DOCUMENTS,
    )
    i = insured("370100", sex="M", born=dt.date(1975, 1, 1))
    father = insured("370100", sex="M", born=dt.date(1948, 1, 1))
    made["father"] = request(i, father, Relation.FATHER, at(1, 15))
    g = insured("440300", sex="M", born=dt.date(1982, 1, 1))
    made["shenzhen"] = request(
        g,
        insured("440300", sex="F", born=dt.date(1984, 1, 1)),
        Relation.SPOUSE,
        at(3, 1),
        basis=BindingBasis.DOCUMENTS,
    )
    with clock(at(3, 2)):  # Guangdong reviews documents: activated the next day
        binding_activate(actor=None, via=Via.COMMAND, binding=made["shenzhen"])
    revoke(made["son"], at(6, 10))
    revoke(made["daughter"], at(5, 3))
    with clock(at(7, 1)):  # the father died: his bindings end with his enrolment
        bindings_revoke_for_persons(
            actor=None,
            via=Via.IMPORT,
            person_ids=[father.pk],
            reason=RevokeReason.ENROLMENT_ENDED,
        )
    reports_fold()
    return made


def _pay(b, use, amount, when):
    amount = Decimal(amount)
    return payment_create(
        actor=None,
        via=Via.COMMAND,
        reference=reference(),
        binding=b,
        use=use,
        bill_amount=amount * 2,
        amount=amount,
        at=when,
    )


def _send(b, amount, when):
    return transfer_create(
        actor=None, via=Via.COMMAND, reference=reference(), binding=b, amount=amount, at=when
    )


def money_data() -> dict:
    """Payments and transfers of 2026 (amounts chosen so every sum is told apart):

    - Jinan → Jinan (father): outpatient 100.00 (Mar), pharmacy 50.50 (Mar), inpatient
      300.00 (May, reversed);
    - Jinan → Qingdao (spouse): resident premium 400.00 (May);
    - Jinan → Shenzhen (mother): transfer 200.00 (May, accepted; 120.00 of it paid from
      the wallet for pharmacy), transfer 80.00 (May, returned unaccepted);
    - Shenzhen → Shenzhen (spouse): outpatient 999.99 (May): Guangdong's own;
    - Shenzhen → Jinan (son): transfer 300.00 (May, accepted): into Shandong;
    - an import lowers the Jinan authorizer's balance by 1,000.00 (May).
    """
    reviewer = staff_user("supervisor", provinces=["37", "44"])
    jinan = person("370100", balance=Decimal("5000.00"))
    father = binding(
        jinan, person("370100", insurance_type=InsuranceType.RESIDENT), relation=Relation.FATHER
    )
    spouse = binding(jinan, person("370200"), relation=Relation.SPOUSE)
    mother = binding(
        jinan, person("440300", insurance_type=InsuranceType.RESIDENT), relation=Relation.MOTHER
    )
    shenzhen = person("440300", balance=Decimal("5000.00"))
    sz_spouse = binding(shenzhen, person("440300"), relation=Relation.SPOUSE)
    sz_son = binding(shenzhen, person("370100"), relation=Relation.SON)

    _pay(father, Use.OUTPATIENT, "100.00", at(3, 10))
    _pay(father, Use.PHARMACY, "50.50", at(3, 20))
    reversed_payment = _pay(father, Use.INPATIENT, "300.00", at(5, 5))
    payment_reverse(
        actor=reviewer, via=Via.ADMIN, payment=reversed_payment, reason="重复录入", at=at(5, 6)
    )
    _pay(spouse, Use.RESIDENT_PREMIUM, "400.00", at(5, 12))
    accepted = _send(mother, "200.00", at(5, 15))
    transfer_accept(actor=None, via=Via.COMMAND, transfer=accepted, at=at(5, 15, 11))
    wallet_spend(
        actor=None,
        via=Via.COMMAND,
        reference=reference(),
        person=mother.beneficiary,
        use=Use.PHARMACY,
        amount="120.00",
        at=at(5, 16),
    )
    _send(mother, "80.00", at(5, 20))
    transfers_return_expired(now=at(5, 21, 7))
    _pay(sz_spouse, Use.OUTPATIENT, "999.99", at(5, 1))
    inflow = _send(sz_son, "300.00", at(5, 8))
    transfer_accept(actor=None, via=Via.COMMAND, transfer=inflow, at=at(5, 8, 12))
    with clock(at(5, 25)):
        balance = jinan.account.__class__.objects.get(pk=jinan.pk).balance
        ledger_adjust_balances(rows=[(jinan.pk, balance, balance - Decimal("1000.00"))])
    reports_fold()
    return {"jinan": jinan, "shenzhen": shenzhen}


# --- reading what a user sees ---------------------------------------------------------------


class _Tables(HTMLParser):
    """Collect the cells of every ``<table data-testid="table-…">`` of a page."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._key = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("data-testid") or "").startswith("table-"):
            self._key = attrs["data-testid"][len("table-") :]
            self.tables[self._key] = []
        elif self._key and tag == "tr" and "data-empty" not in attrs:
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._key = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._key].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(response) -> dict[str, list[list[str]]]:
    """Return each table of a report page as rows of cell texts (the header first)."""
    assert response.status_code == 200, response.status_code
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def table(response, key) -> dict[str, list[str]]:
    """Return a page's table as {first cell: the row's other cells}."""
    rows = page_tables(response)[key]
    return {row[0]: row[1:] for row in rows[1:]}


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf"), "CSV for Excel starts with a BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    width = len(rows[0]) if rows else 0
    return [row + [None] * (width - len(row)) for row in rows]  # empty cells at a row's end


def import_data(tmp_path, caseworker) -> dict:
    """Three import runs of 2026: Jinan's caseworker's (April: 1 row written, 1 refused in
    370100 and 1 of 370200 left for its caseworkers), a system import of Shenzhen rows
    (June: 1 written, 1 refused) and a dry run of Jinan's caseworker (June, 1 row)."""
    from accounts.services.imports import import_enrollment
    from tests.accounts.imports.enrollment_files import row, write_csv

    with clock(at(4, 2)):
        jinan = import_enrollment(
            path=write_csv(
                tmp_path,
                [row(1), row(2, 手机号="12"), row(3, 统筹区编码="370200")],
                name="jinan.csv",
            ),
            user=caseworker,
        )
    with clock(at(6, 10)):
        shenzhen = import_enrollment(
            path=write_csv(
                tmp_path,
                [row(4, 统筹区编码="440300"), row(5, 统筹区编码="440300", 手机号="12")],
                name="shenzhen.csv",
            ),
        )
    with clock(at(6, 11)):
        rehearsal = import_enrollment(
            path=write_csv(tmp_path, [row(6)], name="dry.csv"), user=caseworker, dry_run=True
        )
    return {"jinan": jinan, "shenzhen": shenzhen, "dry": rehearsal}

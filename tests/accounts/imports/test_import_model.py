"""Random series of imports checked against a plain model of what they should leave behind.

Each file draws its rows from a small pool of persons, so that later files create some,
change some (a field, the insurance type, the balance, or nothing) and repeat some, and a
file may name a person twice. The model applies the issue's rules row by row; the
database must then hold exactly the model's persons and accounts, and each run must count
what the model counts, as must the preview shown before it. Small chunks put the chunk
boundaries, and the writer's two step orders, everywhere.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest

from accounts.importing.preview import preview_enrollment
from accounts.models import InsuredPerson, PersonalAccount
from accounts.services.imports import import_enrollment
from tests.accounts.imports.enrollment_files import nid, write_csv
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

POOL = 40
TYPES = {"职工": "employee", "居民": "resident"}
STATUSES = {"正常": "active", "暂停": "suspended", "终止": "terminated", "死亡": "deceased"}


def next_row(rng, seq, last):
    """A row of person ``seq``: most often their last row with one thing changed (or
    nothing), as a later extract has them; otherwise a row drawn afresh."""
    if seq not in last or rng.random() < 0.3:
        return random_row(rng, seq)
    row = dict(last[seq])
    change = rng.choice(["nothing", "balance", "no balance", "name", "type", "status"])
    if change == "balance" and row["参保类型"] == "职工":
        row["个人账户余额"] = rng.choice(["5.00", "99.50", "1234.00"])
    elif change == "no balance":
        row["个人账户余额"] = ""
    elif change == "name":
        row["姓名"] = rng.choice(["张三", "李四", "王五"])
    elif change == "type":
        employee = row["参保类型"] == "居民"
        row["参保类型"] = "职工" if employee else "居民"
        row["个人账户余额"] = rng.choice(["", "7.00"]) if employee else ""
    elif change == "status":
        row["参保状态"] = rng.choice(list(STATUSES))
    return row


def broken(rng, row):
    """``row`` with one fault the import refuses (marked for the model; not in the file)."""
    row = dict(row, fault=True)
    kind = rng.choice(["name", "balance", "region", "checksum"])
    if kind == "name":
        row["姓名"] = ""
    elif kind == "balance":  # a balance is only for the employee-insured
        row["参保类型"], row["个人账户余额"] = "居民", "10.00"
    elif kind == "region":  # a real region, not one of the caseworker's: left for its own
        row["统筹区编码"] = "440300"
        row["other_region"] = True
    else:
        number = row["身份证号"]
        row["身份证号"] = number[:-1] + ("1" if number[-1] != "1" else "2")
    return row


def random_row(rng, seq):
    kind = rng.choice(list(TYPES))
    balance = ""
    if kind == "职工" and rng.random() < 0.8:  # an employee's balance may be left empty
        balance = f"{rng.choice([0, 1, 99, 1234])}.{rng.choice(['00', '50'])}"
    return {
        "身份证号": nid(seq),
        "姓名": rng.choice(["张三", "李四", "王五"]),
        "参保类型": kind,
        "统筹区编码": rng.choice(["370100", "370200"]),
        "参保日期": rng.choice(["2015-03-01", "2020-01-01"]),
        "个人账户余额": balance,
        "手机号": rng.choice(["", "13912345678"]),
        "参保状态": rng.choice(list(STATUSES)),
    }


#: the person fields as the model holds them, by the names the change summary uses
MODEL_FIELDS = ("name", "insurance_type", "region_id", "enrolled_on", "status", "mobile")


def field_changes(old: tuple, new: tuple) -> list[str]:
    """What the change summary counts for a person whose fields go from ``old`` to ``new``:
    the pair for status and type, cleared or filled for a mobile, else changed."""
    keys = []
    for name, a, b in zip(MODEL_FIELDS, old, new, strict=True):
        if a == b:
            continue
        if name in ("status", "insurance_type"):
            keys.append(f"{name}:{a}>{b}")
        elif name == "mobile":
            keys.append(f"mobile:{'cleared' if not b else 'filled' if not a else 'changed'}")
        else:
            keys.append(f"{name}:changed")
    return keys


class Model:
    """What the import should leave: persons by identity number, and their balances.

    ``apply`` also keeps what the last file changed field by field (``summary``) and its
    rows of other regions (``others``).
    """

    def __init__(self):
        self.persons, self.balances = {}, {}
        self.summary, self.others = {}, 0

    def apply(self, rows):
        """Apply a file's rows; return (created, updated, unchanged, failed)."""
        counts = [0, 0, 0, 0]
        seen = set()
        self.summary, self.others = {}, 0

        def count(key):
            self.summary[key] = self.summary.get(key, 0) + 1

        for r in rows:
            number = r["身份证号"]
            if r.get("other_region"):  # left for its region's caseworkers: not a fault
                self.others += 1
                continue
            if r.get("fault"):  # reported, not written; a later good row of theirs counts
                counts[3] += 1
                continue
            if number in seen:  # a later row of the same person: reported, not written
                counts[3] += 1
                continue
            seen.add(number)
            fields = (
                r["姓名"],
                TYPES[r["参保类型"]],
                r["统筹区编码"],
                dt.date.fromisoformat(r["参保日期"]),
                STATUSES[r["参保状态"]],
                r["手机号"],
            )
            balance = Decimal(r["个人账户余额"]) if r["个人账户余额"] else None
            new = number not in self.persons
            if not new and self.persons[number][4] == "deceased" and fields[4] != "deceased":
                counts[3] += 1  # a death is not undone by a file: the row is refused
                continue
            changed = not new and self.persons[number] != fields
            if not new:
                for key in field_changes(self.persons[number], fields):
                    count(key)
            self.persons[number] = fields
            if fields[1] == "employee":
                if number not in self.balances:
                    self.balances[number] = balance if balance is not None else Decimal("0.00")
                    changed = changed or not new
                    if not new:
                        count("balance:opened")
                elif balance is not None and self.balances[number] != balance:
                    self.balances[number] = balance
                    changed = True
                    count("balance:changed")
            counts[0 if new else 1 if changed else 2] += 1
        return tuple(counts)


def stored():
    persons = {
        p[0]: p[1:]
        for p in InsuredPerson.objects.values_list(
            "national_id", "name", "insurance_type", "region_id", "enrolled_on", "status", "mobile"
        )
    }
    balances = dict(PersonalAccount.objects.values_list("person__national_id", "balance"))
    return persons, balances


@pytest.mark.parametrize("seed", range(12))
def test_a_random_series_of_imports_leaves_what_the_rules_say(tmp_path, seed):
    rng = random.Random(seed)
    model, last = Model(), {}
    for step in range(5):
        rows = []
        for _ in range(rng.randrange(1, 50)):
            seq = rng.randrange(POOL)
            rows.append(next_row(rng, seq, last))
            last[seq] = rows[-1]
        path = write_csv(tmp_path, rows, name=f"{seed}-{step}.csv")

        preview = preview_enrollment(path=path, user=None)
        run = import_enrollment(path=path, chunk_size=rng.choice([1, 3, 7, 50]))

        expected = model.apply(rows)
        assert (run.created, run.updated, run.unchanged, run.failed) == expected, (seed, step)
        assert stored() == (model.persons, model.balances), (seed, step)
        # What changed, field by field, is counted by the run and by the preview alike.
        assert run.change_summary == model.summary, (seed, step)
        assert preview.change_summary == model.summary, (seed, step)
        # The preview a caseworker confirms counts what the import then does.
        counts = (preview.created, preview.updated, preview.unchanged, preview.failed)
        assert counts == expected, (seed, step)


@pytest.mark.parametrize("seed", range(8))
def test_a_random_series_with_faulty_rows_loses_no_good_row(tmp_path, seed):
    rng = random.Random(1000 + seed)
    caseworker = staff_user("caseworker", regions=["370100", "370200"], username="cw")
    model, last = Model(), {}
    for step in range(4):
        rows = []
        for _ in range(rng.randrange(1, 50)):
            seq = rng.randrange(POOL)
            row = next_row(rng, seq, last)
            if rng.random() < 0.2:
                row = broken(rng, row)
            else:
                last[seq] = row
            rows.append(row)
        path = write_csv(tmp_path, rows, name=f"{seed}-{step}.csv")

        preview = preview_enrollment(path=path, user=caseworker)
        run = import_enrollment(path=path, user=caseworker, chunk_size=rng.choice([1, 4, 50]))

        expected = model.apply(rows)
        assert (run.created, run.updated, run.unchanged, run.failed) == expected, (seed, step)
        assert stored() == (model.persons, model.balances), (seed, step)
        # Rows of another region are counted apart, by region, by the run and the preview.
        assert run.other_region_rows == model.others, (seed, step)
        assert run.other_rows_by_region == ({"440300": model.others} if model.others else {})
        assert preview.other_by_region == run.other_rows_by_region, (seed, step)
        assert run.change_summary == model.summary, (seed, step)
        assert preview.change_summary == model.summary, (seed, step)

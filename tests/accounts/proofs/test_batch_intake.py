"""Batch intake from a manifest: the same cases as at the counter, and a report of refusals."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.choices import ProofChannel, ProofStatus
from accounts.models import KinshipProof, PersonLookup
from tests.accounts.proofs.helpers import PLEDGE_REGION, caseworker, couple
from tests.scans import household_page, image_bytes

pytestmark = pytest.mark.django_db

HEADER = ["案件参考号", "授权人身份证号", "被授权人身份证号", "关系", "材料类型", "页面文件"]


def batch(tmp_path, rows, header=HEADER):
    with (tmp_path / "manifest.csv").open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return tmp_path


def page_file(tmp_path, name, person):
    (tmp_path / name).write_bytes(image_bytes(household_page(person)))
    return name


def run(folder, user, **options):
    out, err = StringIO(), StringIO()
    call_command(
        "intake_proofs", str(folder), user=user.username, stdout=out, stderr=err, **options
    )
    return out.getvalue(), err.getvalue()


def test_a_manifest_takes_its_cases_in_as_the_counter_does(tmp_path):
    user = caseworker()
    a, b = couple(other=PLEDGE_REGION)
    pages = f"{page_file(tmp_path, 'a.png', a)};{page_file(tmp_path, 'b.png', b)}"
    folder = batch(tmp_path, [["WX-1", a.national_id, b.national_id, "配偶", "结婚证", pages]])
    out, _err = run(folder, user)
    proof = KinshipProof.objects.get()
    assert proof.channel == ProofChannel.BATCH and proof.external_ref == "WX-1"
    assert proof.status == ProofStatus.SUBMITTED and proof.pages.count() == 2
    assert PersonLookup.objects.filter(person=b).count() == 1  # the other region's person
    assert "1 case(s) taken in, 0 line(s) refused" in out


def test_refused_lines_are_reported_and_the_good_ones_kept(tmp_path):
    user = caseworker()
    a, b = couple()
    c, d = couple()
    good = page_file(tmp_path, "a.png", a)
    (tmp_path / "fake.jpg").write_bytes(b"<html></html>")
    folder = batch(
        tmp_path,
        [
            ["OK-1", a.national_id, b.national_id, "spouse", "marriage_certificate", good],
            ["BAD-1", c.national_id, d.national_id, "配偶", "结婚证", "fake.jpg"],
            ["BAD-2", c.national_id, "110101199003077777", "配偶", "结婚证", good],
            ["BAD-3", c.national_id, d.national_id, "表哥", "结婚证", good],
            ["BAD-4", c.national_id, d.national_id, "配偶", "结婚证", "../outside.png"],
        ],
    )
    report = tmp_path / "refused.csv"
    run(folder, user, report=str(report))
    assert list(KinshipProof.objects.values_list("external_ref", flat=True)) == ["OK-1"]
    with report.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    assert [(r[0], r[2]) for r in rows] == [
        ("3", "scan_not_image"),
        ("4", "not_found"),
        ("5", "unknown_relation"),
        ("6", "page_file_missing"),
    ]


def test_a_batch_run_again_does_not_take_a_case_in_twice(tmp_path):
    user = caseworker()
    a, b = couple()
    folder = batch(
        tmp_path,
        [["WX-9", a.national_id, b.national_id, "配偶", "结婚证", page_file(tmp_path, "a.png", a)]],
    )
    run(folder, user)
    _out, err = run(folder, user)
    assert KinshipProof.objects.count() == 1
    assert "already_taken_in" in err


def test_a_manifest_without_a_required_column_is_refused_whole(tmp_path):
    folder = batch(tmp_path, [], header=HEADER[:-1])
    with pytest.raises(CommandError, match="页面文件"):
        run(folder, caseworker())

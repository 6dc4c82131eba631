"""Reading the pages (OCR, offline): what a reviewer is shown, read once, by the worker."""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from accounts import ocr
from accounts.choices import OcrStatus
from accounts.models import ProofPage
from accounts.selectors.scans import highlights, scan_findings
from accounts.services.scans import pages_read, unread_pages_requeued
from accounts.tasks import read_proof_pages
from tests.accounts.proofs.helpers import caseworker, couple, submit
from tests.factories import make_national_id
from tests.scans import (
    household_register_page,
    image_bytes,
    marriage_certificate_page,
    pdf_bytes,
    upload,
)


def _png(name, image):
    return upload(name, image_bytes(image), "image/png")


def _household(person, **kwargs):
    return household_register_page(person.name, person.national_id, **kwargs)


def _marriage(a, b):
    return marriage_certificate_page((a.name, a.national_id), (b.name, b.national_id))


def _inside(box, outer):
    (x0, y0), (x1, y1) = box[0], box[2]
    return outer[0] <= x0 < x1 <= outer[2] and outer[1] <= y0 < y1 <= outer[3]


# --- on generated pages, with the real engine -------------------------------------------------


@pytest.mark.django_db
def test_a_household_page_and_a_marriage_certificate_show_both_persons_with_boxes():
    a, b = couple()
    proof = submit(
        caseworker(), a, b, uploads=[_png("hh.png", _household(a)), _png("jh.png", _marriage(a, b))]
    )

    assert pages_read(proof_id=proof.pk) == 2

    found = scan_findings(proof)
    authorizer, beneficiary = found.persons
    assert (authorizer.id_found, authorizer.name_found) == (True, True)
    assert (beneficiary.id_found, beneficiary.name_found) == (True, True)
    assert found.other_ids == [] and found.complete
    assert {h.page_number for h in authorizer.id_hits} == {1, 2}
    assert [h.page_number for h in beneficiary.id_hits] == [2]
    # on the 户口本 page the number stands in its cell, right of the label
    id_box = next(h.box for h in authorizer.id_hits if h.page_number == 1)
    assert _inside(id_box, (380, 700, 1160, 800))
    name_box = next(h.box for h in authorizer.name_hits if h.page_number == 1)
    assert _inside(name_box, (300, 220, 620, 316))


@pytest.mark.django_db
def test_another_valid_id_number_where_the_persons_should_be_is_a_red_flag():
    a, b = couple()
    stranger = make_national_id("440300", sex="F")
    forged = marriage_certificate_page((a.name, a.national_id), (b.name, stranger))
    proof = submit(caseworker(), a, b, uploads=[_png("jh.png", forged)])

    pages_read(proof_id=proof.pk)

    found = scan_findings(proof)
    assert found.persons[0].id_found is True
    assert (found.persons[1].id_found, found.persons[1].name_found) == (False, True)
    assert [h.value for h in found.other_ids] == [stranger]
    shown = highlights(proof)[proof.pages.get().pk]
    assert {"kind": "other", "role": "", "text": stranger} in [
        {k: v for k, v in h.items() if k != "box"} for h in shown
    ]


@pytest.mark.django_db
def test_a_pdf_page_is_rendered_and_read():
    a, b = couple()
    proof = submit(caseworker(), a, b, uploads=[upload("scan.pdf", pdf_bytes([_marriage(a, b)]))])

    pages_read(proof_id=proof.pk)

    page = proof.pages.get()
    assert page.content_type == "application/pdf" and page.image
    assert page.height == 2200 and abs(page.width - 1240 * 2200 / 1754) < 2  # 2200 px high
    found = scan_findings(proof)
    assert [p.id_found for p in found.persons] == [True, True]


@pytest.mark.django_db
def test_a_number_printed_in_two_parts_and_a_name_with_spaces_are_found():
    a, b = couple()
    page = _household(a, split_id=True, spaced_name=True)
    proof = submit(caseworker(), a, b, uploads=[_png("hh.png", page)])

    pages_read(proof_id=proof.pk)

    authorizer = scan_findings(proof).persons[0]
    assert authorizer.id_found and authorizer.name_found
    # the box spans both parts of the number
    (x0, _), (x1, _) = authorizer.id_hits[0].box[0], authorizer.id_hits[0].box[2]
    assert x0 < 450 and x1 > 800


@pytest.mark.django_db
def test_the_reading_is_stored_with_its_text_boxes_and_engine():
    a, b = couple()
    proof = submit(caseworker(), a, b, uploads=[_png("hh.png", _household(a))])

    pages_read(proof_id=proof.pk)

    page = proof.pages.get()
    assert page.ocr_status == OcrStatus.DONE and page.ocr_at is not None
    assert page.ocr_engine == ocr.ENGINE_NAME and ocr.ENGINE_NAME.startswith(
        "rapidocr-onnxruntime 1."
    )
    assert a.national_id in page.ocr_text and "常住人口登记卡" in page.ocr_text
    line = next(line for line in page.ocr_boxes if line["text"] == a.national_id)
    assert len(line["box"]) == 4 and 0 < line["score"] <= 1
    assert page.ocr_ids == [a.national_id]


# --- failures, and reading once ----------------------------------------------------------------


class _Broken:
    def __call__(self, image):
        raise RuntimeError("model output could not be decoded")


@pytest.mark.django_db
def test_a_page_the_engine_fails_on_is_recorded_as_failed_and_not_read_again(monkeypatch):
    a, b = couple()
    proof = submit(caseworker(), a, b, uploads=[_png("hh.png", _household(a))])
    monkeypatch.setattr(ocr, "_engine", lambda: _Broken())

    assert pages_read(proof_id=proof.pk) == 1

    page = proof.pages.get()
    assert page.ocr_status == OcrStatus.FAILED
    assert page.ocr_error == "RuntimeError: model output could not be decoded"
    assert page.ocr_engine == ocr.ENGINE_NAME
    monkeypatch.undo()
    assert pages_read(proof_id=proof.pk) == 0  # not read again, not retried forever
    found = scan_findings(proof)
    assert (found.pages_failed, found.pages_waiting, found.complete) == (1, 0, True)


@pytest.mark.django_db
def test_a_page_whose_file_is_gone_is_recorded_as_failed():
    a, b = couple()
    proof = submit(caseworker(), a, b, uploads=[_png("hh.png", _household(a))])
    page = proof.pages.get()
    page.file.storage.delete(page.file.name)

    pages_read(proof_id=proof.pk)

    page.refresh_from_db()
    assert page.ocr_status == OcrStatus.FAILED and "FileNotFoundError" in page.ocr_error


def _counting_reads(monkeypatch, *, pause=0.0):
    calls = []

    def read_image(content):
        calls.append(threading.get_ident())
        time.sleep(pause)
        return [{"text": "常住人口登记卡", "box": [[0, 0], [9, 0], [9, 9], [0, 9]], "score": 1.0}]

    monkeypatch.setattr(ocr, "read_image", read_image)
    return calls


@pytest.mark.django_db
def test_a_task_delivered_twice_reads_each_page_once(monkeypatch):
    a, b = couple()
    proof = submit(caseworker(), a, b)  # two pages
    calls = _counting_reads(monkeypatch)

    assert read_proof_pages.call(proof.pk) == 2
    assert read_proof_pages.call(proof.pk) == 0

    assert len(calls) == 2
    assert set(proof.pages.values_list("ocr_status", flat=True)) == {OcrStatus.DONE}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_given_the_same_case_at_once_read_each_page_once(monkeypatch):
    a, b = couple()
    proof = submit(caseworker(), a, b)
    calls = _counting_reads(monkeypatch, pause=0.3)
    counts = []

    def work():
        try:
            counts.append(pages_read(proof_id=proof.pk))
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(counts) in ([0, 2], [1, 1])
    assert len(calls) == 2


# --- the worker ---------------------------------------------------------------------------------


@pytest.fixture
def process_tuning_restored():
    """``import_worker`` tunes the whole process for bulk work; give the tests theirs back."""
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    yield
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(interval)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_import_worker_reads_the_pages_of_a_case_taken_in(
    django_capture_on_commit_callbacks, process_tuning_restored
):
    a, b = couple()
    with django_capture_on_commit_callbacks(execute=True):
        proof = submit(caseworker(), a, b, uploads=[_png("jh.png", _marriage(a, b))])
    task = DBTaskResult.objects.get()
    assert task.task_path == "accounts.tasks.read_proof_pages"
    assert import_string(task.task_path) is read_proof_pages

    call_command("import_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.return_value == 1
    page = ProofPage.objects.get(proof=proof)
    assert page.ocr_status == OcrStatus.DONE
    assert sorted(page.ocr_ids) == sorted([a.national_id, b.national_id])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_reads_at_its_start_the_pages_a_stopped_worker_left_unread(
    process_tuning_restored,
):
    a, b = couple()
    proof = submit(caseworker(), a, b, uploads=[_png("jh.png", _marriage(a, b))])
    # the worker reading it was killed: its task stays "running", nobody reads the page
    DBTaskResult.objects.update(status="RUNNING")
    ProofPage.objects.filter(proof=proof).update(uploaded_at=timezone.now() - dt.timedelta(hours=1))

    call_command("import_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())

    assert ProofPage.objects.get(proof=proof).ocr_status == OcrStatus.DONE


@pytest.mark.django_db
def test_a_page_uploaded_a_minute_ago_still_has_its_own_task():
    a, b = couple()
    proof = submit(caseworker(), a, b, uploads=[_png("jh.png", _marriage(a, b))])
    ProofPage.objects.filter(proof=proof).update(
        uploaded_at=timezone.now() - dt.timedelta(minutes=1)
    )

    assert unread_pages_requeued() == 0
    assert not DBTaskResult.objects.exists()


def test_the_reading_task_is_on_the_queue_the_worker_reads_by_default():
    from django_tasks_db.management.commands.db_worker import Command

    parser = Command().create_parser("manage.py", "import_worker")
    assert parser.parse_args([]).queue_name == read_proof_pages.queue_name == "default"


# --- finding what the engine read (boxes given) ------------------------------------------------

PERSON = "37010219900101123X"


def _box(text, x0, y0=100, x1=None, y1=140):
    x1 = x1 if x1 is not None else x0 + 20 * len(text)
    return {"text": text, "box": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], "score": 0.9}


def _found(boxes, people=((PERSON, "王小明"),)):
    return {(m.kind, m.value) for m in ocr.find(boxes, list(people))}


@pytest.mark.parametrize(
    "read",
    [
        "公民身份号码37010219900101123X",
        "公民身份号码 3701 0219 9001 0112 3X",
        "公民身份号码37010219900101123x",
        "公民身份号码37010219900101123×",
        "公民身份号码３７０１０２１９９００１０１１２３Ｘ",
        "公民身份号码37O1O219900101I23X",
    ],
)
def test_the_number_is_found_as_the_engine_may_read_it(read):
    assert _found([_box(read, 100)]) == {("id", PERSON)}


def test_a_number_cut_into_two_boxes_of_one_line_is_found_across_the_cut():
    boxes = [_box("公民身份号码", 90), _box("3701021990", 400), _box("0101123X", 760)]
    [match] = ocr.find(boxes, [(PERSON, "")])
    assert (match.kind, match.value) == ("id", PERSON)
    assert match.box[0][0] == 400 and match.box[2][0] == 920


def test_boxes_of_different_lines_are_not_joined():
    boxes = [_box("3701021990", 400, 100, y1=140), _box("0101123X", 760, 300, y1=340)]
    assert _found(boxes) == set()


def test_a_name_cut_into_two_boxes_or_spaced_is_found():
    assert _found([_box("姓名", 90), _box("王", 330), _box("小明", 420)]) == {("name", "王小明")}
    assert _found([_box("姓名 王 小 明", 90)]) == {("name", "王小明")}
    assert _found([_box("姓名 王小", 90)]) == set()


def test_a_name_with_a_middle_dot_is_found_without_it():
    people = [(PERSON, "阿依古丽·买买提")]
    assert _found([_box("姓名 阿依古丽买买提", 90)], people) == {("name", "阿依古丽买买提")}


@pytest.mark.parametrize(
    "read",
    ["37010219900101128X", "3701021990010123X", "370102199001011233X"],
    ids=["one_wrong", "one_missing", "one_doubled"],
)
def test_the_persons_number_read_with_one_character_off_is_a_near_hit(read):
    assert _found([_box(read, 100)]) == {("id_near", read)}


def test_a_neighbouring_cells_digit_does_not_make_a_found_number_near():
    boxes = [_box(PERSON, 400), _box("5", 790)]
    assert _found(boxes) == {("id", PERSON)}


def test_only_valid_numbers_of_others_are_reported():
    other = make_national_id("440300")
    invalid = other[:17] + ("0" if other[17] != "0" else "1")
    assert _found([_box(f"身份证号 {other}", 100), _box(invalid, 100, 300, y1=340)]) == {
        ("other", other)
    }


def test_the_box_is_narrowed_to_the_number_within_its_line():
    [match] = ocr.find([_box("公民身份号码" + PERSON, 100, x1=700)], [(PERSON, "")])
    # six Chinese characters (about two digits wide each) come before the number
    x0 = match.box[0][0]
    assert 100 + 600 * 0.35 < x0 < 100 + 600 * 0.45 and match.box[2][0] == 700


@pytest.mark.django_db
def test_the_highlights_of_a_case_are_json_with_a_list_for_every_page(monkeypatch):
    a, b = couple()
    proof = submit(caseworker(), a, b)  # two pages
    read = [
        _box(f"姓名 {a.name}", 100),
        _box(f"公民身份号码 {a.national_id}", 100, 300, 900, 340),
    ]
    monkeypatch.setattr(ocr, "read_image", lambda content: read)
    first, second = proof.pages.all()
    from accounts.services.scans import page_read

    page_read(first)

    shown = highlights(proof)

    assert json.loads(json.dumps(shown)) == {str(k): v for k, v in shown.items()}
    assert set(shown) == {first.pk, second.pk} and shown[second.pk] == []
    assert sorted((h["kind"], h["role"], h["text"]) for h in shown[first.pk]) == [
        ("id", "authorizer", a.national_id),
        ("name", "authorizer", a.name),
    ]

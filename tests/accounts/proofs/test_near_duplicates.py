"""The same page in another pair's case: found by SHA-256, or by perceptual hash through its
bands (never missed within NEAR_DUPLICATE_BITS), confirmed by the text once read."""

from __future__ import annotations

import random

import pytest
from PIL import Image

from accounts import phash
from accounts.choices import Via
from accounts.models import ProofPage
from accounts.selectors.scans import NEAR_DUPLICATE_BITS, pages_seen_elsewhere
from accounts.services.proofs import proof_reject
from accounts.services.scans import pages_read
from tests.accounts.proofs.helpers import caseworker, claimed, couple, person, submit
from tests.scans import (
    household_register_page,
    image_bytes,
    marriage_certificate_page,
    upload,
)

pytestmark = pytest.mark.django_db


def _page(person_):
    return household_register_page(person_.name, person_.national_id)


def _case(a, b, *images, kind="PNG", **options):
    uploads = [
        upload(f"p{i}.{kind.lower()}", image_bytes(image, kind, **options), "image/png")
        for i, image in enumerate(images)
    ]
    return submit(caseworker(), a, b, uploads=uploads)


def _flip(value: str, bits) -> str:
    number = int(value, 16)
    for bit in bits:
        number ^= 1 << bit
    return f"{number:016x}"


# --- the bands --------------------------------------------------------------------------------


def test_two_hashes_within_the_distance_always_share_a_band():
    rng = random.Random(20)
    for _ in range(5000):
        one = f"{rng.getrandbits(64):016x}"
        other = _flip(one, rng.sample(range(64), rng.randint(0, NEAR_DUPLICATE_BITS)))
        assert set(phash.bands(one)) & set(phash.bands(other))


def test_postgresql_cuts_the_bands_as_python_does():
    a, b = couple()
    page = _case(a, b, _page(a)).pages.get()
    rng = random.Random(7)
    hashes = [f"{rng.getrandbits(64):016x}" for _ in range(40)]
    hashes += ["0000000000000000", "ffffffffffffffff", "8000000000000000", "7fffffffffffffff"]
    for value in hashes:
        ProofPage.objects.filter(pk=page.pk).update(phash=value)
        bits, bands = ProofPage.objects.values_list("phash_bits", "phash_bands").get(pk=page.pk)
        assert (bits, bands) == (phash.signed(value), phash.bands(value)), value


def test_a_page_without_a_hash_has_no_bands():
    a, b = couple()
    page = _case(a, b, _page(a)).pages.get()
    ProofPage.objects.filter(pk=page.pk).update(phash="")
    assert ProofPage.objects.values_list("phash_bits", "phash_bands").get(pk=page.pk) == (
        None,
        None,
    )


def _one_flip_in_each_band(count: int) -> list[int]:
    """Bit positions, one in each of the first ``count`` bands."""
    return [shift for _, shift, _ in phash.LAYOUT[:count]]


@pytest.mark.parametrize(("flips", "found"), [(NEAR_DUPLICATE_BITS, True), (7, False)])
def test_a_page_differing_in_one_bit_of_each_band_but_one_is_found(flips, found):
    # six bits differ, in six different bands: only the seventh band is shared
    a, b = couple()
    c, d = couple()
    first = _case(a, b, _page(a)).pages.get()
    second = _case(c, d, marriage_certificate_page((c.name, c.national_id), (d.name, "x" * 18)))
    ProofPage.objects.filter(pk=first.pk).update(phash="9b3c5a7e1d2f4068")
    ProofPage.objects.filter(proof=second).update(
        phash=_flip("9b3c5a7e1d2f4068", _one_flip_in_each_band(flips))
    )

    seen = pages_seen_elsewhere(second)

    assert [(s.other_proof_id, s.distance) for s in seen] == (
        [(first.proof_id, 6)] if found else []
    )


# --- copies found, look-alikes not ------------------------------------------------------------


def test_the_same_file_in_another_pairs_case_is_found_exactly():
    a, b = couple()
    c, d = couple()
    first = _case(a, b, _page(a))
    second = _case(c, d, _page(a))

    [seen] = pages_seen_elsewhere(second)

    assert (seen.other_case, seen.exact, seen.confirmed) == (first.case_number, True, True)
    assert seen.page_number == seen.other_page_number == 1


@pytest.mark.parametrize(
    "copy",
    [
        pytest.param(lambda page: (page, "JPEG", {"quality": 35}), id="jpeg_at_quality_35"),
        pytest.param(lambda page: (page, "JPEG", {"quality": 95}), id="jpeg_at_quality_95"),
        pytest.param(
            lambda page: (page.rotate(1, fillcolor="white", resample=Image.BICUBIC), "PNG", {}),
            id="turned_by_one_degree",
        ),
        pytest.param(lambda page: (page.resize((620, 877)), "JPEG", {}), id="scaled_to_half"),
        pytest.param(lambda page: (page.resize((1860, 2631)), "PNG", {}), id="scaled_up"),
    ],
)
def test_a_resaved_turned_or_scaled_copy_is_found(copy):
    a, b = couple()
    c, d = couple()
    original = _page(a)
    first = _case(a, b, original)
    image, kind, options = copy(original)
    second = _case(c, d, image, kind=kind, **options)

    [seen] = pages_seen_elsewhere(second)

    assert (seen.other_case, seen.exact) == (first.case_number, False)
    assert seen.distance <= NEAR_DUPLICATE_BITS
    assert seen.shares_person is False


def test_a_page_of_another_kind_of_document_is_not_found():
    a, b = couple()
    c, d = couple()
    _case(a, b, _page(a))
    second = _case(
        c, d, marriage_certificate_page((c.name, c.national_id), (d.name, d.national_id))
    )
    assert pages_seen_elsewhere(second) == []


def test_the_same_pairs_earlier_case_is_not_a_red_flag():
    a, b = couple()
    earlier = _case(a, b, _page(a))
    reviewer = caseworker()
    proof_reject(
        actor=reviewer, via=Via.ADMIN, proof=claimed(earlier, reviewer), reason="illegible"
    )

    again = _case(a, b, _page(a))

    assert pages_seen_elsewhere(again) == []


def test_the_same_two_persons_the_other_way_round_are_not_a_red_flag():
    a, b = couple()
    _case(a, b, _page(a))
    back = _case(b, a, _page(a))
    assert pages_seen_elsewhere(back) == []


def test_a_case_sharing_one_person_is_found_and_says_so():
    a, b = couple()
    other = person(sex="F")
    _case(a, b, _page(a))
    second = _case(a, other, _page(a))

    [seen] = pages_seen_elsewhere(second)

    assert seen.exact and seen.shares_person


def test_another_households_page_of_the_same_form_is_not_found_once_both_are_read():
    # every 户口本 page is the same printed form: to a perceptual hash they look alike
    a, b = couple()
    c, d = couple()
    first = _case(a, b, _page(a))
    second = _case(c, d, _page(c))
    [look_alike] = pages_seen_elsewhere(second)
    assert (look_alike.other_case, look_alike.confirmed) == (first.case_number, False)

    pages_read(proof_id=first.pk)
    pages_read(proof_id=second.pk)

    assert pages_seen_elsewhere(second) == []


def test_a_copy_is_confirmed_by_the_identity_number_read_on_both():
    a, b = couple()
    c, d = couple()
    original = _page(a)
    first = _case(a, b, original)
    second = _case(c, d, original, kind="JPEG", quality=50)

    pages_read(proof_id=first.pk)
    pages_read(proof_id=second.pk)

    [seen] = pages_seen_elsewhere(second)
    assert (seen.other_case, seen.exact, seen.confirmed) == (first.case_number, False, True)


def test_one_query_however_many_pages(django_assert_num_queries):
    a, b = couple()
    c, d = couple()
    e, f = couple()
    _case(a, b, _page(a), _page(b))
    one = _case(c, d, _page(a))
    many = _case(e, f, *[_page(p) for p in (a, b, c, d, a)])
    one_pages, many_pages = list(one.pages.all()), list(many.pages.all())

    with django_assert_num_queries(1):
        few = pages_seen_elsewhere(one, one_pages)
    with django_assert_num_queries(1):
        lots = pages_seen_elsewhere(many, many_pages)

    assert {s.page_number for s in few} == {1}
    assert {s.page_number for s in lots} == {1, 2, 3, 4, 5}


def _as_read(proof, ids, text="常住人口登记卡 姓名 公民身份号码 " + "x" * 20, status="done"):
    ProofPage.objects.filter(proof=proof).update(ocr_status=status, ocr_ids=ids, ocr_text=text)


def test_a_look_alike_the_engine_failed_on_stays_unconfirmed():
    a, b = couple()
    c, d = couple()
    first = _case(a, b, _page(a))
    second = _case(c, d, _page(c))
    _as_read(first, [], text="", status="failed")
    _as_read(second, [c.national_id])

    [seen] = pages_seen_elsewhere(second)

    assert (seen.other_case, seen.confirmed) == (first.case_number, False)


def test_a_look_alike_read_without_the_number_ours_shows_is_another_households():
    a, b = couple()
    c, d = couple()
    first = _case(a, b, _page(a))
    second = _case(c, d, _page(c))
    _as_read(first, [])
    _as_read(second, [c.national_id])
    assert pages_seen_elsewhere(second) == []


def test_pages_without_numbers_are_compared_by_their_text():
    a, b = couple()
    c, d = couple()
    first = _case(a, b, _page(a))
    second = _case(c, d, _page(a), kind="JPEG", quality=60)
    _as_read(first, [], text="承诺书 本人承诺所提供的亲属关系材料真实有效 签名 日期")
    _as_read(second, [], text="承诺书 本人承诺所提供的亲属关系材料真实有效 签名 日期")
    assert [s.confirmed for s in pages_seen_elsewhere(second)] == [True]

    _as_read(first, [], text="出生医学证明 新生儿姓名 出生时间 出生地点 母亲姓名 父亲姓名")
    assert pages_seen_elsewhere(second) == []

"""The insured-person admin pages as a caseworker uses them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import InsuranceType
from accounts.models import InsuredPerson
from accounts.services.imports import import_enrollment
from policies.models import Region
from portal.paginator import CappedCountPaginator
from tests.accounts.imports.enrollment_files import row, write_csv
from tests.factories import InsuredPersonFactory, staff_user

CHANGELIST = reverse("admin:accounts_insuredperson_changelist")
pytestmark = pytest.mark.django_db


def shown(response):
    return [p.pk for p in response.context["cl"].result_list]


def _opens(response, person) -> bool:
    return response.status_code == 302 and response["Location"] == reverse(
        "admin:accounts_insuredperson_change", args=[person.pk]
    )


def test_search_by_full_identity_number_opens_exactly_that_person(caseworker_client):
    person = InsuredPersonFactory()
    InsuredPersonFactory.create_batch(3)
    response = caseworker_client.get(CHANGELIST, {"q": person.national_id})
    assert _opens(response, person)


def test_search_by_identity_number_typed_with_spaces_opens_the_person(caseworker_client):
    person = InsuredPersonFactory()
    number = person.national_id
    typed = f"{number[:6]} {number[6:14]} {number[14:]}"
    assert _opens(caseworker_client.get(CHANGELIST, {"q": typed}), person)


def test_search_by_the_first_digits_of_an_identity_number_lists_those_it_starts(
    caseworker_client,
):
    person, other = InsuredPersonFactory(), InsuredPersonFactory()
    response = caseworker_client.get(CHANGELIST, {"q": person.national_id[:14]})
    assert person.pk in shown(response)
    assert (other.pk in shown(response)) == other.national_id.startswith(person.national_id[:14])


def test_search_by_the_first_digits_of_a_mobile_number_lists_its_owner(caseworker_client):
    person = InsuredPersonFactory(mobile="13712345678")
    InsuredPersonFactory(mobile="13800000000")
    response = caseworker_client.get(CHANGELIST, {"q": "137123"})
    assert shown(response) == [person.pk]


def test_a_whole_identity_number_found_nowhere_in_ones_regions_says_it_may_be_elsewhere(
    caseworker_client,
):
    foreign = InsuredPersonFactory(region=Region.objects.get(code="440300"))
    response = caseworker_client.get(CHANGELIST, {"q": foreign.national_id})
    said = [str(m) for m in response.context["messages"]]
    assert len(said) == 1 and foreign.name not in said[0]


def test_search_by_identity_number_with_lower_case_x_opens_the_person(caseworker_client):
    person = InsuredPersonFactory()
    person.national_id = person.national_id[:-1] + "X"
    type(person).objects.filter(pk=person.pk).update(national_id=person.national_id)
    response = caseworker_client.get(CHANGELIST, {"q": person.national_id.lower()})
    assert _opens(response, person)


def test_search_by_mobile_number_opens_the_person(caseworker_client):
    person = InsuredPersonFactory(mobile="13712345678")
    InsuredPersonFactory()
    response = caseworker_client.get(CHANGELIST, {"q": "13712345678"})
    assert _opens(response, person)


def test_search_by_name_matches_names_that_start_with_it(caseworker_client):
    zhang_san = InsuredPersonFactory(name="张三")
    zhang_sanfeng = InsuredPersonFactory(name="张三丰")
    InsuredPersonFactory(name="李张三")
    response = caseworker_client.get(CHANGELIST, {"q": "张三"})
    assert sorted(shown(response)) == sorted([zhang_san.pk, zhang_sanfeng.pk])


def test_search_does_not_reach_outside_the_caseworkers_region(caseworker_client):
    foreign = InsuredPersonFactory(region=Region.objects.get(code="440300"))
    response = caseworker_client.get(CHANGELIST, {"q": foreign.national_id})
    assert shown(response) == []


def test_identity_number_search_uses_the_unique_index(caseworker):
    from django.db import connection

    InsuredPersonFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT * FROM accounts_insuredperson WHERE national_id = %s",
            ["370102198005170011"],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using person_national_id_unique" in plan


def test_detail_page_shows_the_account_balance(caseworker_client):
    person = InsuredPersonFactory(account=Decimal("12345.67"))
    response = caseworker_client.get(
        reverse("admin:accounts_insuredperson_change", args=[person.pk])
    )
    assert "12,345.67" in response.content.decode()  # grouped, as the money pages write yuan


def test_resident_insured_person_has_no_account(caseworker_client):
    person = InsuredPersonFactory(insurance_type=InsuranceType.RESIDENT)
    response = caseworker_client.get(CHANGELIST, {"q": person.name})
    assert response.context["cl"].result_list[0].has_personal_account is False
    assert not hasattr(person, "account") or person.account is None


def test_sex_and_birth_date_are_derived_on_save():
    person = InsuredPersonFactory(birth=dt.date(1962, 4, 14), sex="F")
    person.refresh_from_db()
    assert (person.birth_date, person.sex) == (dt.date(1962, 4, 14), "F")


def test_region_filter_offers_only_the_users_regions(caseworker_client):
    response = caseworker_client.get(CHANGELIST)
    region_filter = next(
        f for f in response.context["cl"].filter_specs if f.parameter_name == "region__code__exact"
    )
    assert [code for code, _ in region_filter.lookup_choices] == ["370100"]


def test_supervisor_region_filter_offers_every_region_of_the_province(client):
    client.force_login(staff_user("supervisor", provinces=["37"]))
    response = client.get(CHANGELIST)
    region_filter = next(
        f for f in response.context["cl"].filter_specs if f.parameter_name == "region__code__exact"
    )
    codes = [code for code, _ in region_filter.lookup_choices]
    assert "370100" in codes and "370200" in codes and "440300" not in codes


@pytest.mark.parametrize("rows", [1, 50])
def test_changelist_query_count_does_not_grow_with_rows(
    caseworker_client, django_assert_num_queries, rows
):
    InsuredPersonFactory.create_batch(rows)
    caseworker_client.get(CHANGELIST)  # warm the session and content types
    # session, user, 2 permission lookups, staff profile, its regions, region filter
    # choices, capped count, page rows: 9 whatever the number of rows
    with django_assert_num_queries(9):
        response = caseworker_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == rows


def test_changelist_never_counts_the_whole_table(caseworker_client, django_assert_num_queries):
    InsuredPersonFactory.create_batch(3)
    with django_assert_num_queries(9) as captured:
        caseworker_client.get(CHANGELIST)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_large_result_is_reported_as_more_than_the_cap(caseworker_client, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    InsuredPersonFactory.create_batch(7)
    response = caseworker_client.get(CHANGELIST)
    assert response.context["cl"].paginator.is_capped is True
    assert response.context["cl"].result_count == 5


def add_person(client, **fields):
    """Post the admin's form to add a person: a resident of 370100 unless ``fields`` say."""
    form = {
        "insurance_type": "resident",
        "region": "370100",
        "enrolled_on": "2024-01-02",
        "status": "active",
        "account-TOTAL_FORMS": "0",
        "account-INITIAL_FORMS": "0",
        **fields,
    }
    return client.post(reverse("admin:accounts_insuredperson_add"), form)


def test_adding_an_employee_person_in_the_admin_opens_an_empty_account(caseworker_client):
    from accounts import idnumbers
    from accounts.models import InsuredPerson

    number = idnumbers.make("370102", dt.date(1988, 8, 8), 77)
    response = add_person(
        caseworker_client,
        national_id=number.lower(),
        name="新参保",
        mobile="13800000001",
        insurance_type="employee",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = InsuredPerson.objects.get(national_id=number)
    assert (person.sex, person.birth_date) == ("M", dt.date(1988, 8, 8))
    assert person.account.balance == Decimal("0.00")


def test_a_person_added_with_no_mobile_written_as_none_and_a_pasted_name_is_cleaned(
    caseworker_client,
):
    from accounts import idnumbers
    from accounts.models import InsuredPerson

    number = idnumbers.make("370102", dt.date(1988, 8, 8), 77)
    response = add_person(caseworker_client, national_id=number, name="\u200b无手机 ", mobile="无")
    assert response.status_code == 302
    person = InsuredPerson.objects.get(national_id=number)
    assert (person.name, person.mobile) == ("无手机", "")


def test_adding_a_person_with_a_bad_checksum_names_the_fault(caseworker_client):
    from accounts import idnumbers

    number = idnumbers.make("370102", dt.date(1988, 8, 8), 77)
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    response = add_person(caseworker_client, national_id=wrong, name="错号")
    errors = response.context["adminform"].form.errors
    assert [e.code for e in errors.as_data()["national_id"]] == ["bad_checksum"]


def _person_page(client, person) -> str:
    url = reverse("admin:accounts_insuredperson_change", args=[person.pk])
    return client.get(url).content.decode()


def test_person_page_links_the_import_that_wrote_them_for_whoever_ran_it(
    caseworker_client, caseworker, tmp_path
):
    run = import_enrollment(
        path=write_csv(tmp_path, [row(1)], name="济南名单.csv"), user=caseworker
    )
    page = _person_page(caseworker_client, InsuredPerson.objects.get())
    progress = reverse("admin:accounts_importrun_progress", args=[run.pk])
    assert f'href="{progress}">第 {run.pk} 号导入 · 济南名单.csv · cw_jinan · ' in page


def test_person_page_names_without_a_link_an_import_the_viewer_may_not_open(
    client, caseworker, tmp_path
):
    run = import_enrollment(path=write_csv(tmp_path, [row(1)]), user=caseworker)
    client.force_login(staff_user("caseworker", regions=["370100"], username="colleague"))
    page = _person_page(client, InsuredPerson.objects.get())
    progress = reverse("admin:accounts_importrun_progress", args=[run.pk])
    assert f"第 {run.pk} 号导入 · in.csv · cw_jinan · " in page and progress not in page


def test_person_page_names_the_import_that_last_set_the_balance(caseworker_client, tmp_path):
    import_enrollment(path=write_csv(tmp_path, [row(1)]))
    again = import_enrollment(path=write_csv(tmp_path, [row(1, 个人账户余额="9.90")], name="b.csv"))
    page = _person_page(caseworker_client, InsuredPerson.objects.get())
    assert page.count("号导入 · ") == 2 and f"第 {again.pk} 号导入 · b.csv · 命令行" in page


def test_person_page_looks_up_once_the_import_that_wrote_person_and_balance(
    caseworker_client, caseworker, tmp_path
):
    import_enrollment(path=write_csv(tmp_path, [row(1)]), user=caseworker)
    url = reverse("admin:accounts_insuredperson_change", args=[InsuredPerson.objects.get().pk])
    with CaptureQueriesContext(connection) as queries:
        page = caseworker_client.get(url).content.decode()
    assert page.count("号导入 · ") == 2  # named for the person and for the balance
    runs = [q for q in queries.captured_queries if 'FROM "accounts_importrun"' in q["sql"]]
    assert len(runs) == 2  # the run, and whether the viewer may open it


def _opened_form(client, person, **changes):
    """Open ``person``'s page and return the form as the browser would send it back,
    with ``changes`` made to it."""
    form = (
        client.get(reverse("admin:accounts_insuredperson_change", args=[person.pk]))
        .context["adminform"]
        .form
    )
    data = {
        name: form[name].value()
        for name in (
            "name",
            "mobile",
            "insurance_type",
            "region",
            "enrolled_on",
            "status",
            "seen",
        )
    }
    return {**data, "account-TOTAL_FORMS": "0", "account-INITIAL_FORMS": "0", **changes}


def _save(client, person, data):
    return client.post(reverse("admin:accounts_insuredperson_change", args=[person.pk]), data)


def _refusal(response):
    errors = response.context["adminform"].form.non_field_errors()
    return [e.code for e in errors.as_data()], " ".join(errors)


def test_saving_a_person_nobody_changed_since_the_page_opened_saves_the_edit(caseworker_client):
    person = InsuredPersonFactory(name="旧名")
    data = _opened_form(caseworker_client, person, name="新名")
    response = _save(caseworker_client, person, data)
    person.refresh_from_db()
    assert response.status_code == 302 and person.name == "新名"


def _kept(response):
    """The warning that another's change was kept beside the editor's, after a save."""
    return " ".join(str(m) for m in response.wsgi_request._messages)


# An import stamps what it writes with the time its transaction began: the imports
# below must commit on their own, as they do in service, not share the test's transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_of_other_fields_than_an_import_changed_meanwhile_is_saved_and_keeps_the_import(
    caseworker_client, tmp_path
):
    import_enrollment(path=write_csv(tmp_path, [row(1, 姓名="张三")], name="a.csv"))
    person = InsuredPerson.objects.get()
    data = _opened_form(caseworker_client, person, name="张叁")
    # While the caseworker types, an import changes the person's mobile.
    run = import_enrollment(path=write_csv(tmp_path, [row(1, 姓名="张三", 手机号="13700000000")]))

    response = _save(caseworker_client, person, data)

    person.refresh_from_db()
    assert response.status_code == 302
    assert (person.name, person.mobile) == ("张叁", "13700000000")
    assert f"第 {run.pk} 号导入" in _kept(response) and "手机号码" in _kept(response)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_of_a_field_an_import_changed_meanwhile_is_refused_and_the_import_kept(
    caseworker_client, caseworker, tmp_path
):
    import_enrollment(path=write_csv(tmp_path, [row(1)], name="a.csv"))
    person = InsuredPerson.objects.get()
    data = _opened_form(caseworker_client, person, name="改名", mobile="13600000000")
    run = import_enrollment(
        path=write_csv(tmp_path, [row(1, 手机号="13700000000")], name="夜间名单.csv"),
        user=caseworker,
    )
    person.refresh_from_db()

    codes, message = _refusal(_save(caseworker_client, person, data))

    when = timezone.localtime(person.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    assert codes == ["changed_meanwhile"]
    assert f"此参保人在您打开本页之后已被修改（{when}，修改者 " in message
    assert f"第 {run.pk} 号导入 · 夜间名单.csv · cw_jinan" in message
    assert "手机号码" in message and "您的修改没有保存" in message
    person.refresh_from_db()
    assert (person.name, person.mobile) == ("张1", "13700000000")  # the import's, whole


def _colleague(client):
    colleague = staff_user("caseworker", regions=["370100"], username="colleague")
    colleague.first_name, colleague.last_name = "五", "王"
    colleague.save()
    client.force_login(colleague)


def test_an_edit_of_a_field_a_colleague_saved_meanwhile_is_refused_naming_the_colleague(
    caseworker_client, client
):
    person = InsuredPersonFactory(name="旧名")
    _colleague(client)
    mine = _opened_form(caseworker_client, person, name="我的改名")
    assert _save(client, person, _opened_form(client, person, name="同事改名")).status_code == 302

    codes, message = _refusal(_save(caseworker_client, person, mine))

    person.refresh_from_db()
    assert codes == ["changed_meanwhile"] and "修改者 王五" in message and "姓名" in message
    assert person.name == "同事改名"


def test_an_edit_of_other_fields_than_a_colleague_saved_meanwhile_keeps_both(
    caseworker_client, client
):
    person = InsuredPersonFactory(name="旧名", status="active")
    _colleague(client)
    mine = _opened_form(caseworker_client, person, name="我的改名")
    theirs = _opened_form(client, person, mobile="13600000000", status="suspended")
    assert _save(client, person, theirs).status_code == 302

    response = _save(caseworker_client, person, mine)

    person.refresh_from_db()
    assert response.status_code == 302
    assert (person.name, person.mobile, person.status) == ("我的改名", "13600000000", "suspended")
    assert "修改者 王五" in _kept(response) and "手机号码、参保状态" in _kept(response)


def test_a_person_form_sent_without_what_the_editor_saw_is_refused(caseworker_client):
    person = InsuredPersonFactory(name="旧名")
    data = _opened_form(caseworker_client, person, name="新名")
    del data["seen"]

    response = _save(caseworker_client, person, data)

    person.refresh_from_db()
    assert _refusal(response)[0] == ["not_seen"] and person.name == "旧名"


def test_the_person_page_carries_what_the_editor_saw_in_its_form(caseworker_client):
    import json

    person = InsuredPersonFactory(name="张三")
    page = caseworker_client.get(reverse("admin:accounts_insuredperson_change", args=[person.pk]))
    seen = json.loads(page.context["adminform"].form["seen"].value())
    assert seen["at"] == [person.updated_at.isoformat(), None]
    assert seen["values"]["name"] == "张三" and seen["values"]["region"] == "370100"
    assert 'name="seen"' in page.content.decode()


def test_the_editors_own_save_before_opening_the_page_is_not_named_as_a_change_meanwhile(
    caseworker_client, client
):
    person = InsuredPersonFactory(name="旧名")
    assert _save(caseworker_client, person, _opened_form(caseworker_client, person, name="一改"))
    # The caseworker's history entry is written just after the save's updated_at.
    mine = _opened_form(caseworker_client, person, name="二改")
    _colleague(client)
    assert _save(client, person, _opened_form(client, person, name="同事改名")).status_code == 302

    _, message = _refusal(_save(caseworker_client, person, mine))

    assert "修改者 王五）" in message


def test_what_the_editor_saw_keeps_the_stamp_in_its_order_whatever_the_import_number(
    caseworker_client,
):
    import json

    person = InsuredPersonFactory()
    InsuredPerson.objects.filter(pk=person.pk).update(last_import_run_id=1)
    person.refresh_from_db()
    page = caseworker_client.get(reverse("admin:accounts_insuredperson_change", args=[person.pk]))
    seen = json.loads(page.context["adminform"].form["seen"].value())
    assert seen["at"] == [person.updated_at.isoformat(), 1]


def test_person_page_shows_the_balance_and_bindings_before_the_enrolment(caseworker_client):
    person = InsuredPersonFactory(account=Decimal("12345.60"))
    page = _person_page(caseworker_client, person)
    balance = page.index('data-testid="account-balance"')
    assert "12,345.60" in page[balance : balance + 100]
    assert balance < page.index('data-testid="person-bindings"') < page.index('name="status"')


def test_person_page_says_a_resident_has_no_balance(caseworker_client):
    person = InsuredPersonFactory(insurance_type=InsuranceType.RESIDENT)
    page = _person_page(caseworker_client, person)
    assert "城乡居民医保参保人没有个人账户余额。" in page
    assert 'data-testid="account-balance"' not in page

"""The policy tables in the admin: read by all staff, changed by the province's supervisors."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from policies.forms import PolicyVersionForm
from policies.models import PolicyChange, PolicyVersion, Region
from policies.relations import CLOSE_RELATIVES, Use
from policies.selectors import policy_for
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def version_in_force(region="370100"):
    return policy_for(region, dt.date(2026, 6, 1))


def form_data(version, **changes):
    data = {
        "province": version.province_id,
        "region": version.region_id or "",
        "effective_from": version.effective_from.isoformat(),
        "effective_to": version.effective_to.isoformat() if version.effective_to else "",
        "allowed_relations": list(version.allowed_relations),
        "allowed_uses": list(version.allowed_uses),
        "max_active_beneficiaries": version.max_active_beneficiaries or "",
        "max_lifetime_beneficiaries": version.max_lifetime_beneficiaries or "",
        "group_caps": json.dumps(version.group_caps),
        "max_authorizers_per_beneficiary": version.max_authorizers_per_beneficiary or "",
        "beneficiary_may_authorize": "on" if version.beneficiary_may_authorize else "",
        "spouses_may_authorize_each_other": "on",
        "cross_province": "on" if version.cross_province else "",
        "retained_balance": str(version.retained_balance),
        "wallet_max_transfers_per_day": version.wallet_max_transfers_per_day or "",
        "wallet_max_amount_per_transfer": version.wallet_max_amount_per_transfer or "",
        "wallet_quiet_from": version.wallet_quiet_from.strftime("%H:%M")
        if version.wallet_quiet_from
        else "",
        "wallet_quiet_until": version.wallet_quiet_until.strftime("%H:%M")
        if version.wallet_quiet_until
        else "",
        "review_mode": version.review_mode,
        "documents": json.dumps(version.documents),
        "source_title": version.source_title,
        "source_issuer": version.source_issuer,
        "source_note": version.source_note,
        "change_reason": "鲁医保发〔2026〕1号调整",
        "seen": PolicyVersionForm(instance=version).stamp(),  # the version as its page showed it
        "changes-TOTAL_FORMS": "0",
        "changes-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_supervisor_changes_own_province_and_the_change_is_recorded(client, supervisor):
    version = version_in_force()
    client.force_login(supervisor)
    url = reverse("admin:policies_policyversion_change", args=[version.pk])
    response = client.post(url, form_data(version, retained_balance="2000.00"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    version.refresh_from_db()
    assert str(version.retained_balance) == "2000.00"
    change = PolicyChange.objects.get(version=version, action="changed")
    assert change.actor == supervisor
    assert change.changes == {"retained_balance": ["0.00", "2000.00"]}
    assert change.reason == "鲁医保发〔2026〕1号调整"


def test_supervisor_cannot_change_another_provinces_table(client, supervisor):
    version = version_in_force("440300")
    client.force_login(supervisor)
    url = reverse("admin:policies_policyversion_change", args=[version.pk])
    response = client.post(url, form_data(version, retained_balance="2000.00"))
    version.refresh_from_db()
    assert response.status_code == 403
    assert str(version.retained_balance) == "0.00"


def test_caseworker_reads_but_cannot_change_a_table(caseworker_client):
    version = version_in_force()
    url = reverse("admin:policies_policyversion_change", args=[version.pk])
    assert caseworker_client.get(url).status_code == 200
    response = caseworker_client.post(url, form_data(version, retained_balance="1.00"))
    version.refresh_from_db()
    assert response.status_code == 403
    assert str(version.retained_balance) == "0.00"


def test_overlapping_version_is_refused_in_the_admin_with_a_message(client, supervisor):
    version = version_in_force()
    client.force_login(supervisor)
    data = form_data(version, effective_from="2026-06-01")
    data.pop("effective_to", None)
    response = client.post(reverse("admin:policies_policyversion_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors().as_data()
    assert [e.code for e in errors] == ["overlapping_version"]
    assert PolicyVersion.objects.filter(province_id="37", region=None).count() == 2


def test_province_page_shows_the_version_in_force_and_the_differences(caseworker_client):
    response = caseworker_client.get(reverse("admin:policies_province_policies", args=["37"]))
    assert response.status_code == 200
    assert response.context["in_force"] == version_in_force()
    differing = {row["label"] for row in response.context["diff"] if row["differs"]}
    assert str(PolicyVersion._meta.get_field("cross_province").verbose_name) in differing
    assert str(PolicyVersion._meta.get_field("review_mode").verbose_name) not in differing


def test_province_page_compares_the_two_chosen_versions(caseworker_client):
    old, new = PolicyVersion.objects.filter(province_id="43", region=None).order_by(
        "effective_from"
    )
    url = reverse("admin:policies_province_policies", args=["43"])
    response = caseworker_client.get(url, {"a": new.pk, "b": old.pk})
    assert (response.context["a"], response.context["b"]) == (new, old)


def test_version_of_another_province_cannot_be_compared_on_this_page(caseworker_client):
    other = version_in_force("440300")
    url = reverse("admin:policies_province_policies", args=["37"])
    response = caseworker_client.get(url, {"a": other.pk, "b": version_in_force().pk})
    assert response.status_code == 404


TRY = {
    "day": "2026-06-01",
    "authorizer_region": "370100",
    "authorizer_insurance": "employee",
    "authorizer_status": "active",
    "authorizer_birth": "1985-06-14",
    "authorizer_sex": "M",
    "beneficiary_region": "370100",
    "beneficiary_status": "active",
    "beneficiary_birth": "1957-03-08",
    "beneficiary_sex": "M",
    "relation": "father",
    "proof_state": "pledged",
    "active_beneficiaries": "0",
    "other_active_beneficiaries": "0",
    "lifetime_beneficiaries": "0",
    "beneficiary_authorizers": "0",
    "changes_last_year": "0",
    "mode": "direct",
    "use": "outpatient",
    "amount": "300",
    "balance": "5000",
    "transfers_today": "0",
    "time": "10:00",
}


def test_try_a_case_allows_a_plain_shandong_binding(caseworker_client):
    response = caseworker_client.get(reverse("admin:policies_policyversion_try"), TRY)
    result = response.context["result"]
    assert result["version"] == version_in_force()
    assert result["binding"].allowed and result["transfer"].allowed


def test_try_a_case_names_the_rule_that_blocks(caseworker_client):
    response = caseworker_client.get(
        reverse("admin:policies_policyversion_try"), {**TRY, "beneficiary_authorizers": "1"}
    )
    binding = response.context["result"]["binding"]
    assert binding.codes == ["beneficiary_has_authorizer"]
    assert binding.violations[0].field == "max_authorizers_per_beneficiary"
    assert "beneficiary_has_authorizer" in response.content.decode()


def test_try_a_case_judges_by_the_version_in_force_on_the_date(caseworker_client):
    cross = {**TRY, "beneficiary_region": "440300"}
    url = reverse("admin:policies_policyversion_try")
    before = caseworker_client.get(url, {**cross, "day": "2025-12-31"}).context["result"]
    after = caseworker_client.get(url, {**cross, "day": "2026-01-01"}).context["result"]
    assert "cross_province_closed" in before["binding"].codes
    assert "cross_province_closed" not in after["binding"].codes


def test_try_a_case_does_not_count_a_first_binding_as_a_change(caseworker_client):
    PolicyVersion.objects.filter(pk=version_in_force().pk).update(max_binding_changes_per_year=0)
    url = reverse("admin:policies_policyversion_try")
    first = caseworker_client.get(url, TRY).context["result"]["binding"]
    later = caseworker_client.get(url, {**TRY, "lifetime_beneficiaries": "1"}).context["result"]
    assert first.allowed
    assert later["binding"].codes == ["too_many_changes"]


def test_try_a_case_calls_the_policy_current_only_for_today(caseworker_client):
    today = timezone.localdate()
    PolicyVersion.objects.filter(pk=policy_for("370100", today).pk).update(cross_province=False)
    cross = {**TRY, "beneficiary_region": "440300"}
    url = reverse("admin:policies_policyversion_try")

    now = caseworker_client.get(url, {**cross, "day": today.isoformat()})
    before = caseworker_client.get(url, {**cross, "day": "2025-12-31"})

    [closed_now] = now.context["result"]["binding"].violations
    [closed_before] = before.context["result"]["binding"].violations
    assert closed_now.code == closed_before.code == "cross_province_closed"
    assert closed_now.message == "现行政策未开通跨省共济。"
    assert closed_before.message == "2025-12-31当日有效的政策未开通跨省共济。"
    assert "按现行政策判断" in now.content.decode()
    assert "按2025-12-31当日有效的政策判断" in before.content.decode()
    assert "现行政策" not in before.content.decode()


def test_try_a_case_rejects_an_unknown_region_with_its_code(caseworker_client):
    response = caseworker_client.get(
        reverse("admin:policies_policyversion_try"), {**TRY, "authorizer_region": "379800"}
    )
    assert response.context["result"] is None
    assert response.context["form"].errors["authorizer_region"]


def test_empty_try_page_starts_from_an_example(caseworker_client):
    response = caseworker_client.get(reverse("admin:policies_policyversion_try"))
    assert response.status_code == 200
    assert response.context["form"].initial["authorizer_region"] == "370100"


def test_the_default_example_of_the_trial_page_is_allowed(caseworker_client):
    url = reverse("admin:policies_policyversion_try")
    example = caseworker_client.get(url).context["form"].initial
    data = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in example.items()}

    result = caseworker_client.get(url, data).context["result"]

    assert example["mode"] == "wallet"
    assert result["binding"].codes == [] and result["transfer"].codes == []


def test_a_wallet_case_says_when_its_wallet_dates_are_estimates(caseworker_client):
    url = reverse("admin:policies_policyversion_try")
    wallet = {**TRY, "mode": "wallet", "beneficiary_region": "440300"}
    response = caseworker_client.get(url, wallet)
    assert [r.code for r in response.context["result"]["approximate_wallets"]] == [
        "370100",
        "440300",
    ]
    assert "为估计值" in response.content.decode()
    direct = caseworker_client.get(url, TRY).context["result"]
    assert direct["approximate_wallets"] == []


def estimated_wallet_date(code="370100", day=dt.date(2025, 12, 31)):
    Region.objects.filter(code=code).update(wallet_enabled_on=day, wallet_date_approximate=True)


def test_region_list_marks_an_estimated_wallet_date(caseworker_client):
    estimated_wallet_date()
    url = reverse("admin:policies_region_changelist")
    page = caseworker_client.get(url, {"q": "370100"}).content.decode()
    assert "2025-12-31（估计）" in page


def test_region_page_shows_an_estimated_wallet_date_to_readers(caseworker_client):
    estimated_wallet_date()
    url = reverse("admin:policies_region_change", args=["370100"])
    response = caseworker_client.get(url)
    assert response.status_code == 200
    assert "2025-12-31（估计）" in response.content.decode()


def region_form(region, **changes):
    data = {
        "name": region.name,
        "province": region.province_id,
        "level": region.level,
        "wallet_enabled_on": region.wallet_enabled_on.isoformat()
        if region.wallet_enabled_on
        else "",
        "wallet_date_approximate": "on" if region.wallet_date_approximate else "",
        "wallet_source": region.wallet_source,
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_superuser_sets_a_regions_own_wallet_date(client, superuser):
    estimated_wallet_date()
    region = Region.objects.get(code="370100")
    client.force_login(superuser)
    url = reverse("admin:policies_region_change", args=["370100"])
    page = client.get(url)
    assert {"wallet_enabled_on", "wallet_date_approximate", "wallet_source"} <= set(
        page.context["adminform"].form.fields
    )
    data = region_form(
        region,
        wallet_enabled_on="2025-03-01",
        wallet_date_approximate="",
        wallet_source="济南市医疗保障局通知（示例）",
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    region.refresh_from_db()
    assert region.wallet_enabled_on == dt.date(2025, 3, 1)
    assert not region.wallet_date_approximate
    assert region.wallet_source == "济南市医疗保障局通知（示例）"
    listed = client.get(reverse("admin:policies_region_changelist"), {"q": "370100"})
    assert "2025-03-01" in listed.content.decode()
    assert "（估计）" not in listed.content.decode()


def test_caseworker_cannot_change_a_wallet_date(caseworker_client):
    region = Region.objects.get(code="370100")
    url = reverse("admin:policies_region_change", args=["370100"])
    response = caseworker_client.post(url, region_form(region, wallet_enabled_on="2020-01-01"))
    assert response.status_code == 403
    assert Region.objects.get(code="370100").wallet_enabled_on == region.wallet_enabled_on


def test_all_relations_and_uses_are_offered_when_editing(client, superuser):
    client.force_login(superuser)
    version = version_in_force()
    response = client.get(reverse("admin:policies_policyversion_change", args=[version.pk]))
    form = response.context["adminform"].form
    assert [c for c, _ in form.fields["allowed_relations"].choices] == list(CLOSE_RELATIVES)
    assert [c for c, _ in form.fields["allowed_uses"].choices] == list(Use.values)


def test_auditor_cannot_add_a_version(client):
    client.force_login(staff_user("auditor", nationwide=True))
    assert client.get(reverse("admin:policies_policyversion_add")).status_code == 403


def test_supervisor_may_add_versions_only_for_own_provinces(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("admin:policies_policyversion_add"))
    provinces = response.context["adminform"].form.fields["province"].queryset
    assert list(provinces.values_list("code", flat=True)) == ["37"]


def test_recorded_change_shows_its_time_in_beijing_time_on_the_version_page(client, supervisor):
    version = version_in_force()
    client.force_login(supervisor)
    url = reverse("admin:policies_policyversion_change", args=[version.pk])
    client.post(url, form_data(version, retained_balance="2000.00"))
    at = dt.datetime(2026, 11, 24, 21, 36, tzinfo=dt.UTC)
    PolicyChange.objects.filter(version=version).update(at=at)
    page = client.get(url).content.decode()
    assert "2026-11-25 05:36" in page and "2026-11-24 21:36" not in page


def colleague_saves(client, version, **changes):
    """Another supervisor of Shandong, 周科长, saves ``changes`` to ``version``; return the
    version's page."""
    colleague = staff_user("supervisor", provinces=["37"], username="colleague")
    colleague.last_name, colleague.first_name = "周", "科长"
    colleague.save()
    client.force_login(colleague)
    url = reverse("admin:policies_policyversion_change", args=[version.pk])
    assert client.post(url, form_data(version, **changes)).status_code == 302
    return url


def test_an_edit_opened_before_a_colleague_saved_the_version_is_refused_naming_the_colleague(
    client, supervisor
):
    version = version_in_force()
    opened = form_data(version, retained_balance="3000.00")  # the page as it opened
    url = colleague_saves(client, version, retained_balance="2000.00")

    client.force_login(supervisor)
    response = client.post(url, opened)

    version.refresh_from_db()
    errors = response.context["adminform"].form.non_field_errors()
    assert [e.code for e in errors.as_data()] == ["changed_meanwhile"]
    assert "此政策版本在您打开本页之后已被修改" in errors[0] and "修改者 周科长" in errors[0]
    assert str(version.retained_balance) == "2000.00"
    assert PolicyChange.objects.filter(version=version, action="changed").count() == 1


def test_an_edit_of_other_fields_than_a_colleague_saved_meanwhile_keeps_both(client, supervisor):
    version = version_in_force()
    opened = form_data(version, source_title="鲁医保发〔2026〕9号")
    url = colleague_saves(client, version, retained_balance="2000.00")

    client.force_login(supervisor)
    response = client.post(url, opened)

    version.refresh_from_db()
    assert response.status_code == 302
    assert str(version.retained_balance) == "2000.00"
    assert version.source_title == "鲁医保发〔2026〕9号"
    mine = PolicyChange.objects.filter(version=version, actor=supervisor).get()
    assert list(mine.changes) == ["source_title"]

"""Page titles and counts read as Chinese sentences, not Django's word-by-word defaults."""

import re

from django.urls import reverse

from accounts.models import ImportRun


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def test_the_person_list_is_titled_as_a_list(caseworker_client):
    response = caseworker_client.get(reverse("admin:accounts_insuredperson_changelist"))
    assert _title(response).startswith("参保人列表")


def test_the_add_page_says_new_person(caseworker_client):
    response = caseworker_client.get(reverse("admin:accounts_insuredperson_add"))
    assert _title(response).startswith("新增参保人")


def test_a_list_counts_its_records_in_a_sentence(caseworker_client, caseworker):
    for n in range(4):
        ImportRun.objects.create(file_name=f"{n}.csv", sha256=f"{n}" * 64, user=caseworker)
    body = caseworker_client.get(reverse("admin:accounts_importrun_changelist")).content.decode()
    count = re.search(r'data-testid="result-count">(.*?)</div>', body, re.S).group(1)
    assert " ".join(count.split()) == "共 4 条导入记录"

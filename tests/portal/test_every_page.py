"""Every page the portal links a user to opens for that user: no server error, no refusal."""

import re
from collections import deque

import pytest
from django.contrib.auth import get_user_model

from accounts.services.imports import import_enrollment
from portal.management.commands.seed_demo import DEMO_PASSWORD
from tests.accounts.imports.enrollment_files import row, write_csv

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/admin/[^"#]*)"')
#: pages of one kind (the same path but for its numbers) opened at most this many times
PER_KIND = 2


def pages_linked(client, start="/admin/"):
    """Open ``start`` and every admin page linked from the pages opened, a few of each kind;
    return {url: status}. Links with more than one query parameter (sorting and filtering
    combined) are left: they are the same pages again."""
    opened: dict[str, int] = {}
    kinds: dict[str, int] = {}
    waiting = deque([start])
    while waiting:
        url = waiting.popleft()
        kind = re.sub(r"\d+", "N", url)
        if url in opened or "logout" in url or kinds.get(kind, 0) >= PER_KIND:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        response = client.get(url)
        opened[url] = response.status_code
        if response.status_code != 200 or response.streaming:
            continue
        if "text/html" not in response["Content-Type"]:
            continue
        for link in LINK.findall(response.content.decode()):
            link = link.replace("&amp;", "&")
            if link.count("=") <= 1 and link not in opened:
                waiting.append(link)
    return opened


@pytest.mark.parametrize("username", ["caseworker1", "supervisor1", "auditor1", "admin"])
def test_every_page_linked_for_a_demo_user_opens(demo_data, client, tmp_path, username):
    caseworker = get_user_model().objects.get(username="caseworker1")
    faulty = [row(1), row(2, 手机号="12"), row(3, 统筹区编码="110100")]
    import_enrollment(path=write_csv(tmp_path, faulty), user=caseworker)
    dry_run_file = write_csv(tmp_path, [row(4)], name="b.csv")
    import_enrollment(path=dry_run_file, user=caseworker, dry_run=True)
    assert client.login(username=username, password=DEMO_PASSWORD)

    opened = pages_linked(client)

    assert len(opened) > 30  # the crawl reached past the first page
    assert {url: status for url, status in opened.items() if status >= 400} == {}

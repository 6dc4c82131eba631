"""Log in as a demo user and save Chromium screenshots of portal pages.

    python scripts/screenshot.py USER OUT_DIR PATH [PATH ...]
    PORTAL_LANGUAGE=en python scripts/screenshot.py ...   # the English interface
    PORTAL_URL=http://127.0.0.1:8011 python scripts/screenshot.py ...  # another port

Uses Debian's chromium through Playwright (it cannot download its own browser
here). The portal must be running (``make run``).
"""

import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]


def main(user: str, out: str, *paths: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        page = browser.new_page(
            viewport={"width": 1366, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        if language := os.environ.get("PORTAL_LANGUAGE"):
            page.context.add_cookies([{"name": "django_language", "value": language, "url": BASE}])
        page.goto(f"{BASE}/admin/login/")
        page.screenshot(path=str(out_dir / "login.png"))
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", "demo-pass-2026")
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_load_state("networkidle")
        for i, path in enumerate(paths):
            page.goto(f"{BASE}{path}")
            page.wait_for_load_state("networkidle")
            name = f"{i:02d}-" + (path.strip("/").replace("/", "_").replace("?", "_") or "home")
            page.screenshot(path=str(out_dir / f"{name[:80]}.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])

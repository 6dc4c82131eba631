"""Set Django up for a benchmark, on a database of its own beside the development one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database: str) -> None:
    """Point Django at ``database`` (on ``DATABASE_URL``'s server, or the embedded one)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ["PORTAL_DB_NAME"] = database
    if os.environ.get("DATABASE_URL"):
        base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
        os.environ["DATABASE_URL"] = f"{base}/{database}"

    import django

    django.setup()

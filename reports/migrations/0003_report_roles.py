"""Supervisors and auditors open the supervisor reports (superusers always may)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("supervisor", "auditor")


def _permission(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="reports", codename="view_reports"
    )


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permission = _permission(apps)
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permission = _permission(apps)
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_queue_triggers"), ("portal", "0005_binding_roles")]
    operations = [migrations.RunPython(grant, revoke)]

"""Let supervisors and auditors see the import runs of their regions.

``accounts.view_importrun`` means: the runs whose rows name one of the user's
regions, with only those regions' faults in the report (see
``accounts.permissions.visible_runs``). Everyone who may import sees their own
runs without it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("supervisor", "auditor")


def _permission(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="accounts", codename="view_importrun"
    )


def grant(apps, schema_editor):
    permission = _permission(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    permission = _permission(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=ROLES):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_policy_roles"), ("accounts", "0008_import_run_regions")]
    operations = [migrations.RunPython(grant, revoke)]

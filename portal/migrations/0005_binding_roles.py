"""Give the roles their permissions on bindings.

Caseworkers and supervisors request bindings (``add_binding``) and revoke or activate
them (``change_binding``: a state change through the services, never an edit of a
binding's fields); auditors read them. Every role sees the bindings where either person
is in one of their regions (``accounts.permissions.visible_bindings``).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "caseworker": ["view_binding", "add_binding", "change_binding"],
    "supervisor": ["view_binding", "add_binding", "change_binding"],
    "auditor": ["view_binding"],
}


def _permissions(apps, codenames):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="accounts", codename__in=codenames
    )


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.add(*_permissions(apps, codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.remove(*_permissions(apps, codenames))


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_import_run_roles"), ("accounts", "0020_bindings")]
    operations = [migrations.RunPython(grant, revoke)]

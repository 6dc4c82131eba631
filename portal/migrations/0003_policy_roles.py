"""Give the roles their permissions on the policy tables.

Everyone reads the tables (and their change history); supervisors add and
change versions of their own provinces (checked per province in the admin).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "caseworker": ["view_policyversion", "view_policychange"],
    "supervisor": [
        "view_policyversion",
        "add_policyversion",
        "change_policyversion",
        "view_policychange",
    ],
    "auditor": ["view_policyversion", "view_policychange"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group = Group.objects.get(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="policies", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        Group.objects.get(name=role).permissions.remove(
            *Permission.objects.filter(content_type__app_label="policies", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_roles"), ("policies", "0004_seed_policies")]
    operations = [migrations.RunPython(grant, revoke)]

"""Create the staff roles (groups) with their model permissions.

caseworker: reads reference data; reads, adds and changes insured persons in
            their regions; reads personal accounts.
supervisor: what a caseworker may, plus exports.
auditor:    reads everything in their regions and exports; changes nothing.
Later issues add permissions for proofs, bindings, transfers and policies in
their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "caseworker": [
        "accounts.view_insuredperson",
        "accounts.add_insuredperson",
        "accounts.change_insuredperson",
        "accounts.view_personalaccount",
        "policies.view_region",
        "policies.view_province",
        "policies.view_regionalias",
    ],
    "supervisor": [
        "accounts.view_insuredperson",
        "accounts.add_insuredperson",
        "accounts.change_insuredperson",
        "accounts.export_insuredperson",
        "accounts.view_personalaccount",
        "policies.view_region",
        "policies.view_province",
        "policies.view_regionalias",
    ],
    "auditor": [
        "accounts.view_insuredperson",
        "accounts.export_insuredperson",
        "accounts.view_personalaccount",
        "policies.view_region",
        "policies.view_province",
        "policies.view_regionalias",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure the
    # ones we assign exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("accounts", "0001_initial"),
        ("policies", "0002_load_regions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]

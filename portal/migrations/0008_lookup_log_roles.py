"""Let supervisors and auditors read the log of cross-region look-ups (跨区查询记录).

A caseworker taking in a case may look up a relative insured in another region by exact
identity number; every look-up is kept (``accounts.PersonLookup``) and listed, read-only,
to the supervisors and auditors of either side.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"supervisor": ["view_personlookup"], "auditor": ["view_personlookup"]}


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
    dependencies = [
        ("portal", "0007_correction_roles"),
        ("accounts", "0027_kinship_proofs"),
    ]
    operations = [migrations.RunPython(grant, revoke)]

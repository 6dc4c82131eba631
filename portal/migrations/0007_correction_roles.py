"""Give supervisors the correction of a person's record (identity number, recorded death).

A caseworker saves a person's record but cannot change their identity number once it is
written, nor bring a person recorded as deceased back: a supervisor corrects either on the
person's page, with a reason (``accounts.services.persons``).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"supervisor": ["correct_insuredperson"]}


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
        ("portal", "0006_proof_roles"),
        ("accounts", "0028_person_corrections"),
    ]
    operations = [migrations.RunPython(grant, revoke)]

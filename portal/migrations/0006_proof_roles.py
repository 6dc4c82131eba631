"""Give the roles their permissions on kinship proofs.

Caseworkers take cases in (``add_kinshipproof``) and claim and decide them
(``review_kinshipproof``); supervisors also reassign cases and overturn decisions
(``supervise_kinshipproof``) and read the outgoing messages; auditors read. No role may
change a proof's fields: its state moves only through ``accounts.services.proofs``.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "caseworker": ["view_kinshipproof", "add_kinshipproof", "review_kinshipproof"],
    "supervisor": [
        "view_kinshipproof",
        "add_kinshipproof",
        "review_kinshipproof",
        "supervise_kinshipproof",
        "view_outboxmessage",
    ],
    "auditor": ["view_kinshipproof", "view_outboxmessage"],
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
    dependencies = [("portal", "0005_binding_roles"), ("accounts", "0027_kinship_proofs")]
    operations = [migrations.RunPython(grant, revoke)]

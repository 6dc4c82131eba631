"""The admin sidebar: a caseworker's daily pages first, staff administration last."""

from django.urls import reverse, reverse_lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


def _perm(codename: str):
    def check(request) -> bool:
        return request.user.has_perm(codename)

    return check


def _may_see_import_runs(request) -> bool:
    from accounts.permissions import may_see_runs

    return may_see_runs(request.user)


def _may_see_reports(request) -> bool:
    from reports.permissions import may_see_reports

    return may_see_reports(request.user)


def _report(slug: str):
    return reverse_lazy("admin:reports_report", args=[slug])


def _superuser(request) -> bool:
    return request.user.is_superuser


def _staff(request) -> bool:
    return request.user.is_staff


def _on_import_runs(request) -> bool:
    """导入记录 is lit on the runs pages, but not on the upload page that lies below it."""
    runs = reverse("admin:accounts_importrun_changelist")
    upload = reverse("admin:accounts_importrun_upload")
    return request.path.startswith(runs) and not request.path.startswith(upload)


SIDEBAR = {
    "show_search": False,
    "show_all_applications": False,
    "navigation": [
        {
            "title": _("Casework"),
            "items": [
                {
                    "title": _("Today's work"),
                    "icon": "dashboard",
                    "link": reverse_lazy("admin:index"),
                },
                {
                    "title": capfirst(_("insured persons")),
                    "icon": "person_search",
                    "link": reverse_lazy("admin:accounts_insuredperson_changelist"),
                    "permission": _perm("accounts.view_insuredperson"),
                },
                {
                    "title": capfirst(_("personal accounts")),
                    "icon": "account_balance_wallet",
                    "link": reverse_lazy("admin:accounts_personalaccount_changelist"),
                    "permission": _perm("accounts.view_personalaccount"),
                },
                {
                    "title": _("Take a kinship proof in"),
                    "icon": "note_add",
                    "link": reverse_lazy("proof_intake"),
                    "permission": _perm("accounts.add_kinshipproof"),
                },
                {
                    "title": _("Review of kinship proofs"),
                    "icon": "fact_check",
                    "link": reverse_lazy("admin:accounts_kinshipproof_changelist"),
                    "permission": _perm("accounts.view_kinshipproof"),
                },
                {
                    "title": _("Cross-region look-ups"),
                    "icon": "person_search",
                    "link": reverse_lazy("admin:accounts_personlookup_changelist"),
                    "permission": _perm("accounts.view_personlookup"),
                },
                {
                    "title": capfirst(_("bindings")),
                    "icon": "family_restroom",
                    "link": reverse_lazy("admin:accounts_binding_changelist"),
                    "permission": _perm("accounts.view_binding"),
                },
                {
                    "title": capfirst(_("direct payments")),
                    "icon": "payments",
                    "link": reverse_lazy("admin:accounts_payment_changelist"),
                    "permission": _perm("accounts.view_payment"),
                },
                {
                    "title": capfirst(_("wallet transfers")),
                    "icon": "send_money",
                    "link": reverse_lazy("admin:accounts_wallettransfer_changelist"),
                    "permission": _perm("accounts.view_wallettransfer"),
                },
                {
                    "title": _("Import enrollment data"),
                    "icon": "upload",
                    "link": reverse_lazy("admin:accounts_importrun_upload"),
                    "permission": _perm("accounts.add_insuredperson"),
                },
                {
                    "title": capfirst(_("import runs")),
                    "icon": "upload_file",
                    "link": reverse_lazy("admin:accounts_importrun_changelist"),
                    "active": _on_import_runs,
                    # their own runs; auditors and supervisors, those of their regions
                    "permission": _may_see_import_runs,
                },
            ],
        },
        {
            "title": _("Reports"),
            "items": [
                {
                    "title": _("Review backlog"),
                    "icon": "pending_actions",
                    "link": _report("backlog"),
                    "permission": _may_see_reports,
                },
                {
                    "title": _("Review decisions"),
                    "icon": "fact_check",
                    "link": _report("decisions"),
                    "permission": _may_see_reports,
                },
                {
                    "title": _("Bindings"),
                    "icon": "bar_chart",
                    "link": _report("bindings"),
                    "permission": _may_see_reports,
                },
                {
                    "title": _("Mutual-aid money"),
                    "icon": "monitoring",
                    "link": _report("money"),
                    "permission": _may_see_reports,
                },
                {
                    "title": _("Enrollment imports"),
                    "icon": "analytics",
                    "link": _report("imports"),
                    "permission": _may_see_reports,
                },
            ],
        },
        {
            "title": _("Regions and policies"),
            "items": [
                {
                    "title": capfirst(_("policy versions")),
                    "icon": "gavel",
                    "link": reverse_lazy("admin:policies_policyversion_changelist"),
                    "permission": _staff,
                },
                {
                    "title": _("Try a case"),
                    "icon": "science",
                    "link": reverse_lazy("admin:policies_policyversion_try"),
                    "permission": _staff,
                },
                {
                    "title": capfirst(_("pooling regions")),
                    "icon": "map",
                    "link": reverse_lazy("admin:policies_region_changelist"),
                    "permission": _staff,
                },
                {
                    "title": capfirst(_("provinces")),
                    "icon": "flag",
                    "link": reverse_lazy("admin:policies_province_changelist"),
                    "permission": _staff,
                },
                {
                    "title": capfirst(_("region code aliases")),
                    "icon": "alt_route",
                    "link": reverse_lazy("admin:policies_regionalias_changelist"),
                    "permission": _staff,
                },
            ],
        },
        {
            "title": _("Staff and access"),
            "items": [
                {
                    "title": capfirst(_("users")),
                    "icon": "badge",
                    "link": reverse_lazy("admin:auth_user_changelist"),
                    "permission": _superuser,
                },
                {
                    "title": capfirst(_("roles")),
                    "icon": "groups",
                    "link": reverse_lazy("admin:auth_group_changelist"),
                    "permission": _superuser,
                },
            ],
        },
    ],
}

#: Display names of the role groups, which keep stable English names in the database.
ROLE_LABELS = {
    "caseworker": _("caseworker"),
    "supervisor": _("supervisor"),
    "auditor": _("auditor"),
}

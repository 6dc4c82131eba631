"""Staff administration: users with their regions, and roles (groups). Superusers only."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import StackedInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from portal.admin_base import PortalModelAdmin

from .models import StaffProfile


class SuperuserOnlyMixin:
    """Only superusers manage staff accounts and roles."""

    scope_exempt = "staff administration: superusers only"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_module_permission

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)


#: Django stores the names of its default permissions in English ("Can add import run");
#: they are shown by what they allow, in the active language, from the codename
DEFAULT_PERMISSIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def permission_label(permission) -> str:
    """Return how a permission is offered: app | model | what it allows, translated."""
    model = permission.content_type.model_class()
    if model is None:  # a model since removed
        return str(permission)
    action, _sep, model_name = permission.codename.partition("_")
    if action in DEFAULT_PERMISSIONS and model_name == model._meta.model_name:
        allows = DEFAULT_PERMISSIONS[action] % {"name": model._meta.verbose_name}
    else:  # declared by the model (such as export), its name marked for translation
        allows = gettext(permission.name)
    return f"{model._meta.app_config.verbose_name} | {model._meta.verbose_name} | {allows}"


class PermissionLabelsMixin:
    """Offer permissions by what they allow, in the active language (see ``permission_label``)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("user_permissions", "permissions") and field is not None:
            field.label_from_instance = permission_label
        return field


class StaffProfileInline(StackedInline):
    model = StaffProfile
    can_delete = False
    verbose_name_plural = _("regions this staff member works on")
    filter_horizontal = ("regions", "provinces")
    fields = ("regions", "provinces", "nationwide", "note")


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(SuperuserOnlyMixin, PermissionLabelsMixin, BaseUserAdmin, PortalModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    inlines = [StaffProfileInline]
    list_display = ("username", "last_name", "first_name", "is_staff", "is_superuser", "roles")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return "、".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")


@admin.register(Group)
class GroupAdmin(SuperuserOnlyMixin, PermissionLabelsMixin, BaseGroupAdmin, PortalModelAdmin):
    pass


# Background task results (django-tasks-db): for superusers who look after the worker.
from django_tasks_db.admin import DBTaskResultAdmin as BaseDBTaskResultAdmin  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class DBTaskResultAdmin(SuperuserOnlyMixin, BaseDBTaskResultAdmin):
    scope_exempt = "background task records: superusers only"
    list_display = ("id", "task", "status", "enqueued_at", "started_at", "finished_at", "priority")

    @admin.display(description=_("task"))
    def task(self, obj):
        return obj.task_name

    def has_add_permission(self, request):
        return False

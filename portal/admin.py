"""Staff administration: users with their regions, and roles (groups). Superusers only."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
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


class StaffProfileInline(StackedInline):
    model = StaffProfile
    can_delete = False
    verbose_name_plural = _("regions this staff member works on")
    filter_horizontal = ("regions", "provinces")
    fields = ("regions", "provinces", "nationwide", "note")


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(SuperuserOnlyMixin, BaseUserAdmin, PortalModelAdmin):
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
class GroupAdmin(SuperuserOnlyMixin, BaseGroupAdmin, PortalModelAdmin):
    pass


# Background task results (django-tasks-db): for superusers who look after the worker.
from django_tasks_db.admin import DBTaskResultAdmin as BaseDBTaskResultAdmin  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class DBTaskResultAdmin(SuperuserOnlyMixin, BaseDBTaskResultAdmin):
    scope_exempt = "background task records: superusers only"

    def has_add_permission(self, request):
        return False

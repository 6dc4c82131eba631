"""List filters shared by the accounts admin pages."""

from __future__ import annotations

from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter
from unfold.contrib.filters.forms import DropdownForm
from unfold.widgets import UnfoldAdminSelectWidget

from policies.models import Region
from portal.scoping import ALL, region_codes


class ManyOptionsSelect(UnfoldAdminSelectWidget):
    """Unfold's select with its options written in Python: a superuser's region filter has
    every pooling region of the country (about 370), and Django's template for each option
    cost a queue page about 45 ms. The same markup as ``unfold/widgets/select.html``."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<div class="grow relative max-w-2xl"><select name="{}"{}>{}</select>'
            '<span class="material-symbols-outlined absolute group-[.primary]:text-white '
            "pointer-events-none mr-[12px] right-0 text-base-400 top-0 top-1/2 "
            "hover:text-base-700 dark:text-base-500 dark:hover:text-base-200 "
            '-translate-y-1/2">expand_more</span></div>',
            widget["name"],
            flatatt(widget["attrs"]),
            options,
        )


class ManyOptionsDropdownForm(DropdownForm):
    #: the attributes of ``DropdownForm.widget`` (select2 takes it over in the browser)
    widget = ManyOptionsSelect(
        attrs={
            "data-theme": "admin-autocomplete",
            "class": "unfold-admin-autocomplete admin-autocomplete",
        }
    )


class ScopedRegionFilter(DropdownFilter):
    """Filter by pooling region, offering only the regions the user may see."""

    title = _("pooling region")
    parameter_name = "region__code__exact"
    form_class = ManyOptionsDropdownForm

    def lookups(self, request, model_admin):
        regions = Region.objects.order_by("code")
        codes = region_codes(request.user)
        if codes is not ALL:
            regions = regions.filter(code__in=codes)
        return [(r.code, f"{r.code} {r.name}") for r in regions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(region_id=self.value())
        return queryset

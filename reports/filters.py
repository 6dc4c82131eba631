"""The filters of every report, kept in the URL: months, region (within the viewer's scope),
relation and, for the reports of the review, document type and step (days or weeks).
``?from=2026-01&to=2026-06&region=370100&relation=spouse`` is a link to share."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from policies.models import Region
from policies.relations import DocumentType, Relation
from portal.scoping import ALL, region_codes

from .periods import MAX_MONTHS, Period, parse_month


@dataclass(frozen=True)
class ReportFilters:
    """What a report counts: the period, the regions, the relation."""

    period: Period
    #: the pooling regions counted; None for every region (a viewer without limit, no filter)
    regions: frozenset[str] | None
    #: as asked: "" (all the viewer's regions), a province code (37) or a region code
    region: str = ""
    relation: str = ""
    document_type: str = ""
    #: how the decisions report steps through the period: "day" or "week"
    step: str = ""
    #: the report has no period (the backlog counts the cases open now)
    dated: bool = True

    def query(self, **changes) -> str:
        """Return the filters as a query string (without ``?``), with ``changes`` applied."""
        values = {
            "from": f"{self.period.first:%Y-%m}" if self.dated else "",
            "to": f"{self.period.last:%Y-%m}" if self.dated else "",
            "region": self.region,
            "relation": self.relation,
            "document_type": self.document_type,
            "step": self.step,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})

    def regions_list(self) -> list[str] | None:
        """The regions as a sorted list for SQL (``= ANY(%s)``), or None for every region."""
        return None if self.regions is None else sorted(self.regions)


#: a report counted per day covers at most this many months
MAX_DAY_MONTHS = 3


class MonthInput(forms.TextInput):
    input_type = "month"


_INPUT = (
    "border border-base-200 bg-white rounded-default px-3 py-2 shadow-xs "
    "dark:bg-base-900 dark:border-base-700"
)


class ReportFilterForm(forms.Form):
    """The filter bar of a report page; :meth:`filters` gives what it asks for, limited to
    the regions ``user`` may see. A region outside them is refused, never widened."""

    region = forms.ChoiceField(
        label=_("pooling region"),
        required=False,
        error_messages={"invalid_choice": _("%(value)s is not one of your regions.")},
    )
    relation = forms.ChoiceField(label=_("relation"), required=False)
    document_type = forms.ChoiceField(label=_("document type"), required=False)
    step = forms.ChoiceField(
        label=_("counted per"),
        required=False,
        choices=[("week", _("week")), ("day", _("day"))],
    )

    def __init__(self, data, *, user, fields=("period", "region", "relation")):
        default = Period.default()
        data = data.copy()  # the months shown in the bar when the URL names none
        for name, month in (("from", default.first), ("to", default.last)):
            if not data.get(name):
                data[name] = f"{month:%Y-%m}"
        super().__init__(data)
        self.user = user
        self.fields["from"] = forms.CharField(
            label=_("from month"),
            required=False,
            initial=f"{default.first:%Y-%m}",
            widget=MonthInput(attrs={"class": _INPUT}),
        )
        self.fields["to"] = forms.CharField(
            label=_("to month"),
            required=False,
            initial=f"{default.last:%Y-%m}",
            widget=MonthInput(attrs={"class": _INPUT}),
        )
        self.order_fields(["from", "to", "region", "relation", "document_type", "step"])
        self.codes = region_codes(user)
        regions = Region.objects.all()
        if self.codes is not ALL:
            regions = regions.filter(code__in=self.codes)
        self.region_rows = list(regions.select_related("province").order_by("code"))
        self.fields["region"].choices = self._region_choices()
        self.fields["region"].widget.attrs["class"] = _INPUT
        self.fields["relation"].choices = [("", _("every relation")), *Relation.choices]
        self.fields["relation"].widget.attrs["class"] = _INPUT
        self.fields["document_type"].choices = [
            ("", _("every document type")),
            *DocumentType.choices,
        ]
        self.fields["document_type"].widget.attrs["class"] = _INPUT
        self.fields["step"].widget.attrs["class"] = _INPUT
        self.dated = "period" in fields
        for name in ("relation", "document_type", "step"):
            if name not in fields:
                del self.fields[name]
        if not self.dated:
            del self.fields["from"], self.fields["to"]

    def _region_choices(self):
        everything = _("every region") if self.codes is ALL else _("all my regions")
        choices = [("", everything)]
        provinces: dict[str, list] = {}
        names = {}
        for region in self.region_rows:
            provinces.setdefault(region.province_id, []).append(
                (region.code, f"{region.code} {region.name}")
            )
            names[region.province_id] = region.province.name
        for code, regions in provinces.items():
            total = (code, _("%(province)s (all listed regions)") % {"province": names[code]})
            choices.append((names[code], [total, *regions]))
        return choices

    def _month(self, name: str, default):
        text = self.cleaned_data.get(name) or ""
        if not text:
            return default
        month = parse_month(text)
        if month is None:
            self.add_error(name, _("Give a month as YYYY-MM, such as 2026-05."))
            return default
        return month

    def clean(self):
        cleaned = super().clean()
        default = Period.default()
        if not self.dated:
            cleaned["period"] = default
            return cleaned
        first = self._month("from", default.first)
        last = self._month("to", default.last)
        if first > last:
            self.add_error("to", _("The last month comes before the first."))
        elif len(Period(first, last).months()) > MAX_MONTHS:
            self.add_error(
                "to", _("A report covers at most %(count)d months.") % {"count": MAX_MONTHS}
            )
        cleaned["period"] = Period(first, last)
        if cleaned.get("step") == "day" and len(cleaned["period"].months()) > MAX_DAY_MONTHS:
            self.add_error(
                "step",
                _("Per day, a report covers at most %(count)d months: count per week.")
                % {"count": MAX_DAY_MONTHS},
            )
        return cleaned

    def filters(self) -> ReportFilters | None:
        """Return the filters asked for; None when the form has errors (nothing is counted
        for a filter that was refused)."""
        if not self.is_valid():
            return None
        region = self.cleaned_data.get("region") or ""
        if not region:
            regions = None if self.codes is ALL else frozenset(self.codes)
        elif len(region) == 2:
            regions = frozenset(r.code for r in self.region_rows if r.province_id == region)
        else:
            regions = frozenset({region})
        return ReportFilters(
            period=self.cleaned_data["period"],
            regions=regions,
            region=region,
            relation=self.cleaned_data.get("relation") or "",
            document_type=self.cleaned_data.get("document_type") or "",
            step=self.cleaned_data.get("step") or ("week" if "step" in self.fields else ""),
            dated=self.dated,
        )

    def region_label(self) -> str:
        """Say which regions the figures cover, for the page's subtitle and the file name."""
        region = self.cleaned_data.get("region") if hasattr(self, "cleaned_data") else ""
        if region:
            return dict(_flat(self.fields["region"].choices)).get(region, region)
        return str(self.fields["region"].choices[0][1])


def _flat(choices):
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            yield from label
        else:
            yield value, label

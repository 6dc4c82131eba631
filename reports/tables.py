"""What a report shows: tables of plain values, each with the chart drawn from it.

A :class:`Table` holds the values themselves (ints, ``Decimal`` yuan, text); the page
writes them with thousands separators and two decimals, the exports as numbers. The page,
the chart and both exports are made from the one table, so an export equals the table shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

#: how a column's values are written
TEXT, COUNT, YUAN, PERCENT, MONTH = "text", "count", "yuan", "percent", "month"
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = COUNT

    @property
    def numeric(self) -> bool:
        return self.kind in (COUNT, YUAN, PERCENT)


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: ``line`` for trends, ``bar`` for breakdowns, ``heatmap`` for a
    matrix. ``x`` is the column along the axis (for a heatmap, the row labels), ``series``
    the columns drawn."""

    type: str
    x: str
    series: tuple[str, ...]
    stacked: bool = False
    horizontal: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    #: the totals row, shown last and exported last
    total: list | None = None
    chart: Chart | None = None
    note: str = ""
    #: a table too wide to share its row with its chart: the chart goes above it
    wide: bool = False
    #: links of the body's cells (one dict per row: column key -> URL); never exported
    links: list[dict[str, str]] | None = None

    def all_rows(self) -> list[list]:
        """The rows as shown and exported: the body, then the totals."""
        return [*self.rows, self.total] if self.total is not None else list(self.rows)

    def header(self) -> list[str]:
        return [str(c.title) for c in self.columns]

    def export_rows(self) -> list[list]:
        """The rows for a spreadsheet: months as 2026-05, shares as numbers of percent."""
        return [
            [export_value(c, v) for c, v in zip(self.columns, row, strict=True)]
            for row in self.all_rows()
        ]

    def shown_rows(self) -> list[list[dict]]:
        """The rows for the page: each cell's text and whether it is a number."""
        links = self.links or []
        shown = []
        for number, row in enumerate(self.all_rows()):
            cells = [
                {"text": shown_value(c, v), "numeric": c.numeric, "raw": v}
                for c, v in zip(self.columns, row, strict=True)
            ]
            if number < len(links):
                for position, column in enumerate(self.columns):
                    if column.key in links[number]:
                        cells[position]["link"] = links[number][column.key]
            shown.append(cells)
        return shown

    def chart_data(self) -> dict | None:
        """The chart's data for the page's script: its kind and plain numbers."""
        if self.chart is None or not self.rows:
            return None
        index = {c.key: i for i, c in enumerate(self.columns)}
        titles = {c.key: str(c.title) for c in self.columns}
        kinds = {c.key: c.kind for c in self.columns}
        x = index[self.chart.x]
        if self.chart.type == "heatmap":
            series = [k for k in self.chart.series]
            return {
                "type": "heatmap",
                "rows": [shown_value(self.columns[x], r[x]) for r in self.rows],
                "columns": [titles[k] for k in series],
                "values": [[_plain(r[index[k]]) for k in series] for r in self.rows],
                "kind": kinds[series[0]] if series else COUNT,
            }
        return {
            "type": self.chart.type,
            "stacked": self.chart.stacked,
            "horizontal": self.chart.horizontal,
            "x": [shown_value(self.columns[x], r[x]) for r in self.rows],
            "series": [
                {
                    "name": titles[k],
                    "kind": kinds[k],
                    "values": [_plain(r[index[k]]) for r in self.rows],
                }
                for k in self.chart.series
            ],
        }


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)  # for drawing only; tables and exports keep the Decimal
    return value


def shown_value(column: Column, value) -> str:
    """Write ``value`` as the page shows it: 1,234 · 12,345.60 · 12.5% · 2026-05."""
    if value is None or value == "":
        return "—" if column.numeric else ""
    if column.kind == COUNT:
        return f"{int(value):,}"
    if column.kind == YUAN:
        return f"{Decimal(value).quantize(CENT, ROUND_HALF_UP):,.2f}"
    if column.kind == PERCENT:
        return f"{Decimal(value).quantize(TENTH, ROUND_HALF_UP)}%"
    if column.kind == MONTH and isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value)


def export_value(column: Column, value):
    """Write ``value`` as a spreadsheet cell: numbers stay numbers (yuan as ``Decimal``)."""
    if value is None:
        return None
    if column.kind == COUNT:
        return int(value)
    if column.kind == YUAN:
        return Decimal(value).quantize(CENT, ROUND_HALF_UP)
    if column.kind == PERCENT:
        return Decimal(value).quantize(TENTH, ROUND_HALF_UP)
    if column.kind == MONTH and isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    return str(value)


def share(part, whole) -> Decimal | None:
    """Return ``part`` as a percentage of ``whole`` (None when ``whole`` is zero)."""
    if not whole:
        return None
    return Decimal(part) * 100 / Decimal(whole)


TOTAL = _("total")

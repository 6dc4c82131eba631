"""Report 4: mutual-aid money, counted as agencies publish it — uses (人次) and amounts per
month, by mode, by geography, by use; mutual aid's share of the personal-account spending
the ledger knows; the flows between provinces; wallet transfers by status; reversals.

What counts as a use: a direct payment not reversed; a wallet transfer the beneficiary
accepted and that was not reversed (one pending, returned or reversed moved no money to a
relative). Every figure comes from the money summary (``reports.fold``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from policies.relations import Use
from reports.base import Report, register
from reports.choices import MUTUAL_AID_MODES, Geography, MoneyMode
from reports.selectors.money import money_figures, money_flows
from reports.tables import MONTH, PERCENT, TEXT, TOTAL, YUAN, Chart, Column, Table, share

ZERO = Decimal("0.00")


def uses_and_amount(row: dict) -> tuple[int, Decimal]:
    """Return a summary row's uses and amount as published (see the module's docstring)."""
    if row["mode"] == MoneyMode.DIRECT:
        return row["count"] - row["reversed_count"], row["amount"] - row["reversed_amount"]
    if row["mode"] == MoneyMode.WALLET:
        return row["accepted_count"], row["accepted_amount"]
    return row["count"], row["amount"]


def _sum_columns(rows: list[list], start: int = 1) -> list:
    width = len(rows[0]) if rows else 0
    return [sum(r[i] for r in rows) for i in range(start, width)]


@register
class MoneyReport(Report):
    slug = "money"
    title = _("Mutual-aid money")
    icon = "monitoring"
    description = _(
        "Uses and amounts per month, by mode, geography and use; mutual aid's share "
        "of personal-account spending; flows between provinces; transfers and "
        "reversals."
    )
    summary = "money"
    filters = ("period", "region", "relation", "document_type")
    position = 40
    counted_by = _(
        "Counted where the authorizer is insured (参保地, whose fund pays); the flows "
        "between provinces also show what comes into your regions."
    )

    def tables(self, *, user, filters):
        rows = money_figures(filters)
        flows = money_flows(filters)
        return [
            self._per_month(rows, filters),
            self._by_mode(rows),
            self._by_geography(rows),
            self._by_use(rows, filters),
            self._share(rows, filters),
            self._by_region(rows),
            self._flow_matrix(flows),
            self._flows(flows),
            self._transfers(rows, filters),
            self._reversals(rows, filters),
        ]

    # --- the figures ---------------------------------------------------------------------

    def _per_month(self, rows, filters) -> Table:
        months = defaultdict(lambda: defaultdict(lambda: (0, ZERO)))
        for row in rows:
            if row["by_month"] and row["mode"] in MUTUAL_AID_MODES:
                months[row["month"]][row["mode"]] = uses_and_amount(row)
        body = []
        for month in filters.period.months():
            direct = months[month][MoneyMode.DIRECT]
            wallet = months[month][MoneyMode.WALLET]
            body.append(
                [
                    month,
                    direct[0],
                    direct[1],
                    wallet[0],
                    wallet[1],
                    direct[0] + wallet[0],
                    direct[1] + wallet[1],
                ]
            )
        return Table(
            key="per_month",
            title=_("Mutual aid per month"),
            columns=[
                Column("month", _("month"), MONTH),
                Column("direct_uses", _("direct payments (uses)")),
                Column("direct_amount", _("direct payments (yuan)"), YUAN),
                Column("wallet_uses", _("wallet transfers (accepted)")),
                Column("wallet_amount", _("wallet transfers (yuan)"), YUAN),
                Column("uses", _("uses")),
                Column("amount", _("amount (yuan)"), YUAN),
            ],
            rows=body,
            total=[str(TOTAL), *_sum_columns(body)],
            chart=Chart("line", "month", ("direct_amount", "wallet_amount")),
            note=_(
                "A use is a direct payment not reversed, or a wallet transfer accepted and "
                "not reversed."
            ),
            wide=True,
        )

    def _by_mode(self, rows) -> Table:
        totals = defaultdict(lambda: [0, ZERO])
        for row in rows:
            if row["by_geo"] and row["mode"] in MUTUAL_AID_MODES:
                uses, amount = uses_and_amount(row)
                totals[row["mode"]][0] += uses
                totals[row["mode"]][1] += amount
        all_amount = sum(t[1] for t in totals.values())
        body = [
            [str(mode.label), totals[mode][0], totals[mode][1], share(totals[mode][1], all_amount)]
            for mode in MUTUAL_AID_MODES
        ]
        return Table(
            key="by_mode",
            title=_("By mode"),
            columns=[
                Column("mode", _("mode"), TEXT),
                Column("uses", _("uses")),
                Column("amount", _("amount (yuan)"), YUAN),
                Column("share", _("share of the amount (%)"), PERCENT),
            ],
            rows=body,
            total=[str(TOTAL), sum(r[1] for r in body), all_amount, share(all_amount, all_amount)],
            chart=Chart("bar", "mode", ("amount",)),
        )

    def _by_geography(self, rows) -> Table:
        cells = defaultdict(lambda: [0, ZERO])
        for row in rows:
            if row["by_geo"] and row["mode"] in MUTUAL_AID_MODES:
                uses, amount = uses_and_amount(row)
                cells[(row["geo"], row["mode"])][0] += uses
                cells[(row["geo"], row["mode"])][1] += amount
        all_amount = sum(c[1] for c in cells.values())
        body = []
        for geo in Geography:
            direct, wallet = cells[(geo, MoneyMode.DIRECT)], cells[(geo, MoneyMode.WALLET)]
            amount = direct[1] + wallet[1]
            body.append(
                [
                    str(geo.label),
                    direct[0],
                    direct[1],
                    wallet[0],
                    wallet[1],
                    direct[0] + wallet[0],
                    amount,
                    share(amount, all_amount),
                ]
            )
        total = [str(TOTAL), *_sum_columns([r[:-1] for r in body]), share(all_amount, all_amount)]
        return Table(
            key="by_geography",
            title=_("By geography"),
            columns=[
                Column("geography", _("beneficiary insured in"), TEXT),
                Column("direct_uses", _("direct payments (uses)")),
                Column("direct_amount", _("direct payments (yuan)"), YUAN),
                Column("wallet_uses", _("wallet transfers (accepted)")),
                Column("wallet_amount", _("wallet transfers (yuan)"), YUAN),
                Column("uses", _("uses")),
                Column("amount", _("amount (yuan)"), YUAN),
                Column("share", _("share of the amount (%)"), PERCENT),
            ],
            rows=body,
            total=total,
            chart=Chart("bar", "geography", ("direct_amount", "wallet_amount"), stacked=True),
            wide=True,
        )

    def _by_use(self, rows, filters) -> Table:
        cells = defaultdict(lambda: [0, ZERO])
        for row in rows:
            if row["by_use"] and row["mode"] in (MoneyMode.DIRECT, MoneyMode.WALLET_SPEND):
                uses, amount = uses_and_amount(row)
                cells[(row["use"], row["mode"])][0] += uses
                cells[(row["use"], row["mode"])][1] += amount
        body = []
        for use in Use:
            direct = cells[(use, MoneyMode.DIRECT)]
            wallet = cells[(use, MoneyMode.WALLET_SPEND)]
            body.append(
                [
                    str(use.label),
                    direct[0],
                    direct[1],
                    wallet[0],
                    wallet[1],
                    direct[0] + wallet[0],
                    direct[1] + wallet[1],
                ]
            )
        note = _(
            "Direct payments name what they paid for; wallet transfers do not, the "
            "beneficiary's payments from the wallet do."
        )
        if filters.relation or filters.document_type:
            note = _(
                "Payments from the wallet name no binding: with a relation or a document "
                "type chosen, only direct payments are counted."
            )
        return Table(
            key="by_use",
            title=_("By use"),
            columns=[
                Column("use", _("paid for"), TEXT),
                Column("direct_uses", _("direct payments (uses)")),
                Column("direct_amount", _("direct payments (yuan)"), YUAN),
                Column("wallet_uses", _("paid from the wallet (uses)")),
                Column("wallet_amount", _("paid from the wallet (yuan)"), YUAN),
                Column("uses", _("uses")),
                Column("amount", _("amount (yuan)"), YUAN),
            ],
            rows=body,
            total=[str(TOTAL), *_sum_columns(body)],
            chart=Chart("bar", "use", ("direct_amount", "wallet_amount"), stacked=True),
            note=note,
            wide=True,
        )

    def _share(self, rows, filters) -> Table:
        months = defaultdict(lambda: {"aid": ZERO, "own": ZERO})
        for row in rows:
            if not row["by_month"]:
                continue
            if row["mode"] in MUTUAL_AID_MODES:
                months[row["month"]]["aid"] += uses_and_amount(row)[1]
            elif row["mode"] == MoneyMode.OWN:
                months[row["month"]]["own"] += row["amount"]
        body = []
        for month in filters.period.months():
            aid, own = months[month]["aid"], months[month]["own"]
            body.append([month, aid, own, aid + own, share(aid, aid + own)])
        aid = sum(r[1] for r in body)
        own = sum(r[2] for r in body)
        return Table(
            key="share",
            title=_("Mutual aid's share of personal-account spending"),
            columns=[
                Column("month", _("month"), MONTH),
                Column("aid", _("mutual aid (yuan)"), YUAN),
                Column("own", _("other spending recorded by imports (yuan)"), YUAN),
                Column("spending", _("all personal-account spending (yuan)"), YUAN),
                Column("share", _("mutual aid's share (%)"), PERCENT),
            ],
            rows=body,
            total=[str(TOTAL), aid, own, aid + own, share(aid, aid + own)],
            chart=Chart("line", "month", ("share",)),
            wide=True,
            note=_(
                "The spending the ledger knows: mutual aid, and the balances enrollment "
                "imports lowered (the holders' own spending, as the extracts report it)."
            ),
        )

    def _by_region(self, rows) -> Table:
        regions = defaultdict(lambda: defaultdict(lambda: (0, ZERO)))
        names = {}
        for row in rows:
            if row["by_region"] and row["mode"] in MUTUAL_AID_MODES:
                regions[row["payer_region"]][row["mode"]] = uses_and_amount(row)
                names[row["payer_region"]] = row["region_name"]
        body = []
        for code, modes in regions.items():
            direct, wallet = modes[MoneyMode.DIRECT], modes[MoneyMode.WALLET]
            if not (direct[0] or wallet[0] or direct[1] or wallet[1]):
                continue
            body.append(
                [
                    f"{code} {names[code]}",
                    direct[0],
                    direct[1],
                    wallet[0],
                    wallet[1],
                    direct[0] + wallet[0],
                    direct[1] + wallet[1],
                ]
            )
        body.sort(key=lambda r: (-r[6], r[0]))
        return Table(
            key="by_region",
            title=_("By pooling region, largest amount first"),
            columns=[
                Column("region", _("authorizer's pooling region"), TEXT),
                Column("direct_uses", _("direct payments (uses)")),
                Column("direct_amount", _("direct payments (yuan)"), YUAN),
                Column("wallet_uses", _("wallet transfers (accepted)")),
                Column("wallet_amount", _("wallet transfers (yuan)"), YUAN),
                Column("uses", _("uses")),
                Column("amount", _("amount (yuan)"), YUAN),
            ],
            rows=body,
            total=[str(TOTAL), *_sum_columns(body)] if body else None,
            chart=Chart(
                "bar", "region", ("direct_amount", "wallet_amount"), stacked=True, horizontal=True
            ),
            wide=True,
        )

    # --- between provinces ---------------------------------------------------------------

    @staticmethod
    def _flow_cells(flows):
        cells = defaultdict(lambda: [0, ZERO])
        names = {}
        for row in flows:
            uses, amount = uses_and_amount(row)
            key = (row["from_province"], row["to_province"])
            cells[key][0] += uses
            cells[key][1] += amount
            names[row["from_province"]] = row["from_name"]
            names[row["to_province"]] = row["to_name"]
        return cells, names

    def _flow_matrix(self, flows) -> Table:
        cells, names = self._flow_cells(flows)
        senders = sorted({a for a, _b in cells})
        receivers = sorted({b for _a, b in cells})
        columns = [Column("from", _("from / to"), TEXT)]
        columns += [Column(f"to_{code}", names[code], YUAN) for code in receivers]
        columns.append(Column("sent", _("sent (yuan)"), YUAN))
        body = []
        for sender in senders:
            amounts = [cells[(sender, r)][1] if (sender, r) in cells else ZERO for r in receivers]
            body.append([names[sender], *amounts, sum(amounts)])
        total = None
        if body:
            total = [str(_("received (yuan)")), *_sum_columns(body)]
        return Table(
            key="flow_matrix",
            title=_(
                "Cross-province mutual aid: from the authorizer's province to the "
                "beneficiary's (yuan)"
            ),
            columns=columns,
            rows=body,
            total=total,
            chart=Chart("heatmap", "from", tuple(c.key for c in columns[1:-1])),
            note=_(
                "Flows out of your regions and into them; a row is the province whose fund pays."
            ),
            wide=True,
        )

    def _flows(self, flows) -> Table:
        cells, names = self._flow_cells(flows)
        all_amount = sum(c[1] for c in cells.values())
        body = [
            [names[a], names[b], uses, amount, share(amount, all_amount)]
            for (a, b), (uses, amount) in cells.items()
        ]
        body.sort(key=lambda r: (-r[3], r[0], r[1]))
        return Table(
            key="flows",
            title=_("Cross-province flows, largest first"),
            columns=[
                Column("from", _("authorizer's province"), TEXT),
                Column("to", _("beneficiary's province"), TEXT),
                Column("uses", _("uses")),
                Column("amount", _("amount (yuan)"), YUAN),
                Column("share", _("share of the amount (%)"), PERCENT),
            ],
            rows=body,
            total=[
                str(TOTAL),
                "",
                sum(r[2] for r in body),
                all_amount,
                share(all_amount, all_amount),
            ]
            if body
            else None,
            chart=Chart("bar", "to", ("amount",), horizontal=True) if False else None,
        )

    # --- transfers and reversals ---------------------------------------------------------

    def _transfers(self, rows, filters) -> Table:
        months = {}
        for row in rows:
            if row["by_month"] and row["mode"] == MoneyMode.WALLET:
                months[row["month"]] = row
        body = []
        for month in filters.period.months():
            row = months.get(month)
            if row is None:
                body.append([month, 0, ZERO, 0, 0, 0, 0, ZERO])
                continue
            pending = (
                row["count"] - row["accepted_count"] - row["returned_count"] - row["reversed_count"]
            )
            pending_amount = (
                row["amount"]
                - row["accepted_amount"]
                - row["returned_amount"]
                - row["reversed_amount"]
            )
            body.append(
                [
                    month,
                    row["count"],
                    row["amount"],
                    row["accepted_count"],
                    pending,
                    row["returned_count"],
                    row["reversed_count"],
                    pending_amount,
                ]
            )
        return Table(
            key="transfers",
            title=_("Wallet transfers by status, by the month they were sent"),
            columns=[
                Column("month", _("month sent"), MONTH),
                Column("sent", _("sent")),
                Column("sent_amount", _("sent (yuan)"), YUAN),
                Column("accepted", _("accepted")),
                Column("pending", _("awaiting acceptance")),
                Column("returned", _("returned unaccepted")),
                Column("reversed", _("reversed")),
                Column("pending_amount", _("held, awaiting acceptance (yuan)"), YUAN),
            ],
            rows=body,
            total=[str(TOTAL), *_sum_columns(body)],
            chart=Chart(
                "bar", "month", ("accepted", "pending", "returned", "reversed"), stacked=True
            ),
            wide=True,
        )

    def _reversals(self, rows, filters) -> Table:
        months = defaultdict(dict)
        for row in rows:
            if row["by_month"] and row["mode"] in MUTUAL_AID_MODES:
                months[row["month"]][row["mode"]] = row
        body = []
        for month in filters.period.months():
            direct = months[month].get(MoneyMode.DIRECT, {})
            wallet = months[month].get(MoneyMode.WALLET, {})
            body.append(
                [
                    month,
                    direct.get("reversed_count", 0),
                    direct.get("reversed_amount", ZERO),
                    wallet.get("reversed_count", 0),
                    wallet.get("reversed_amount", ZERO),
                ]
            )
        return Table(
            key="reversals",
            title=_("Reversals, by the month of the payment or transfer"),
            columns=[
                Column("month", _("month"), MONTH),
                Column("payments", _("direct payments reversed")),
                Column("payments_amount", _("direct payments reversed (yuan)"), YUAN),
                Column("transfers", _("wallet transfers reversed")),
                Column("transfers_amount", _("wallet transfers reversed (yuan)"), YUAN),
            ],
            rows=body,
            total=[str(TOTAL), *_sum_columns(body)],
            chart=Chart("bar", "month", ("payments", "transfers")),
        )

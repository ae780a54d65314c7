"""Charts of the dashboard and the bureau portal, drawn with reports/charts.py, and their data URIs for pages.

Drawing a chart takes matplotlib a good part of a second; the same figures give the same picture, so a page asks
`chart_image(chart)`, which keeps the data URI in the cache under a digest of what is drawn (and the language).
Every chart on a page is accompanied by a table or list of the same figures (for screen readers and for copying).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .charts import Chart, Series, bar_chart, money, pie_chart

CACHE_SECONDS = 60 * 60


@dataclass(frozen=True)
class ChartImage:
    """What a template needs: the image and its text alternative."""

    data_uri: str
    alt: str
    title: str


def chart_image(chart: Chart, alt: str) -> ChartImage:
    return ChartImage(data_uri=_cached_data_uri(chart), alt=alt, title=chart.title)


def _cached_data_uri(chart: Chart) -> str:
    described = repr(
        (
            chart.kind, chart.title, list(chart.categories), [(s.name, [str(v) for v in s.values]) for s in chart.series],
            chart.horizontal, chart.stacked, chart.value_label, getattr(chart.value_format, "__name__", ""),
            chart.size, sorted(chart.options.items()), get_language(),
        )
    )  # fmt: skip
    key = "chart:" + hashlib.sha256(described.encode("utf-8")).hexdigest()
    uri = cache.get(key)
    if uri is None:
        uri = chart.data_uri()
        cache.set(key, uri, CACHE_SECONDS)
    return uri


def month_label(day) -> str:
    """2025-04: short enough for twelve ticks side by side, the same in every language (tables say 2025年4月)."""
    return f"{day:%Y-%m}"


# --- the secretariat dashboard ------------------------------------------------------------------------------------


def dashboard_charts(dashboard) -> dict[str, ChartImage]:
    charts = {}
    if dashboard.members is not None:
        by_kind = dashboard.members.by_kind
        charts["composition"] = chart_image(
            pie_chart(_("Member units by type"), [k.label for k in by_kind], [k.count for k in by_kind],
                      size=(6.4, 3.2)),
            _("Ring chart of the member units by type; the figures are in the list next to it."),
        )  # fmt: skip
    if dashboard.pipeline is not None and dashboard.pipeline.periods:
        pipeline = dashboard.pipeline
        charts["pipeline"] = chart_image(
            bar_chart(
                _("Claims by status"),
                [label for _value, label in pipeline.statuses],
                [Series(period.name, [c.count for c in period.counts]) for period in pipeline.periods],
                value_label=_("Claims"),
                size=(7.2, 3.2),
            ),
            _("Bar chart of the claims by status for each period; the figures are in the table below it."),
        )
    if dashboard.subsidies is not None:
        months = dashboard.subsidies.months
        charts["subsidies"] = chart_image(
            bar_chart(  # amounts that happen in some months only: bars, not a line between them
                _("Subsidies by month (CNY)"),
                [month_label(m.month) for m in months],
                [
                    Series(_("Approved for payment"), [m.approved for m in months]),
                    Series(_("Paid"), [m.paid for m in months]),
                ],
                value_label=_("CNY"),
                value_format=money,
                size=(6.4, 3.9),
            ),
            _(
                "Bar chart of the subsidies approved for payment and paid per month; the figures are in the table next to it."
            ),
        )
    return charts


# --- the bureau portal ------------------------------------------------------------------------------------------


def kind_groups():
    """Member types grouped for the portal's chart (the table shows every type)."""
    from members.models import MemberKind

    return (
        (_("Schools"), MemberKind.school_kinds()),
        (_("Enterprises"), {MemberKind.ENTERPRISE}),
        (_("Associations"), {MemberKind.ASSOCIATION}),
        (_("Others"), {k.value for k in MemberKind} - MemberKind.school_kinds() - {MemberKind.ENTERPRISE, MemberKind.ASSOCIATION}),
    )  # fmt: skip


def summary_charts(summary) -> dict[str, ChartImage]:
    rows = summary.alliances
    if not rows:
        return {}
    names = [row.alliance.short_name or row.alliance.name for row in rows]
    height = max(2.6, 1.2 + 0.55 * len(rows))
    members = [
        Series(label, [sum(n for kind, n in row.members_by_kind.items() if kind in kinds) for row in rows])
        for label, kinds in kind_groups()
    ]
    members = [series for series in members if any(series.values)] or members[:1]
    return {
        "members": chart_image(
            bar_chart(
                _("Member units at year end, by type"), names, members, horizontal=True, stacked=True,
                value_label=_("Member units"), size=(7.2, height),
            ),
            _("Stacked bar chart of each alliance's member units by type; the figures are in the table below."),
        ),
        "changes": chart_image(
            bar_chart(
                _("Joins and exits"), names,
                [Series(_("Joined"), [r.joined for r in rows]), Series(_("Withdrawn"), [r.withdrawn for r in rows]),
                 Series(_("Expelled"), [r.expelled for r in rows])],
                horizontal=True, value_label=_("Member units"), size=(7.2, height),
            ),
            _("Bar chart of the units that joined, withdrew or were expelled in each alliance during the year."),
        ),
        "activity": chart_image(
            bar_chart(
                _("Events and cooperation"), names,
                [Series(_("Events held"), [r.events for r in rows]),
                 Series(_("Cooperation records signed"), [r.cooperation_signed for r in rows]),
                 Series(_("Order and named classes"), [r.order_classes for r in rows])],
                horizontal=True, size=(7.2, height),
            ),
            _("Bar chart of each alliance's events, cooperation records and order classes in the year."),
        ),
        "subsidies": chart_image(
            bar_chart(
                _("Subsidies claimed, approved and paid (CNY)"), names,
                [Series(_("Claimed"), [r.claimed_amount for r in rows]),
                 Series(_("Approved"), [r.approved_amount for r in rows]),
                 Series(_("Paid"), [r.paid_amount for r in rows])],
                horizontal=True, value_label=_("CNY"), value_format=money, size=(7.2, height),
            ),
            _("Bar chart of the subsidies claimed, approved and paid in each alliance in the year."),
        ),
    }  # fmt: skip

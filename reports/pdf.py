"""The annual report as a PDF (WeasyPrint, like the membership certificate): cover, contents with page numbers,
a chapter per section with tables and charts, the definitions, page numbers in the footer.

Rendered from the figures snapshot only, under the report's language (zh-hans). The template names the Noto CJK
fonts installed on the machine (fonts-noto-cjk); WeasyPrint embeds the subsets it uses, so the text can be
extracted and searched and shows the same everywhere. Charts come from reports/charts.py as SVG with their text
drawn as outlines, embedded as data: URIs; nothing else is loaded, from the network or from disk.
"""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from . import charts
from .charts import Series


def _fetcher():
    """Only the charts' data: URIs may be loaded; anything else stops the rendering (a chart that failed to load
    must not leave a silent gap in an official document)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def chinese_date(iso: str | None) -> str:
    if not iso:
        return ""
    year, month, day = (int(part) for part in iso[:10].split("-"))
    return f"{year}年{month}月{day}日"


def _money(value) -> Decimal:
    return Decimal(str(value or "0"))


def chart_images(figures: dict) -> dict[str, str]:
    """The charts of the report as data: URIs, by name; charts with nothing to show are left out."""
    found: dict[str, charts.Chart] = {}
    membership = figures["membership"]["by_kind"]
    if membership:
        found["membership"] = charts.bar_chart(
            _("Members by type"), [r["label"] for r in membership],
            [Series(_("End of previous year"), [r["previous"] for r in membership]),
             Series(_("End of year"), [r["current"] for r in membership])],
            value_label=_("Units"),
        )  # fmt: skip
    resolutions = [r for r in figures["governance"]["resolutions"] if r["total"]]
    if resolutions:
        found["resolutions"] = charts.bar_chart(
            _("Resolutions by subject"), [r["label"] for r in resolutions],
            [Series(_("Passed"), [r["passed"] for r in resolutions]),
             Series(_("Not passed"), [r["not_passed"] for r in resolutions])],
            stacked=True, size=(6.4, 2.6),
        )  # fmt: skip
    events = figures["events"]["by_kind"]
    if events:
        found["events"] = charts.bar_chart(
            _("Registrations and attendance by kind"), [r["label"] for r in events],
            [Series(_("Registrations"), [r["registrations"] for r in events]),
             Series(_("Attendance"), [r["attendance"] for r in events])],
            value_label=_("People"),
        )  # fmt: skip
    cooperation = figures["cooperation"]["by_kind"]
    if cooperation:
        found["cooperation"] = charts.bar_chart(
            _("Cooperation records by kind"), [r["label"] for r in cooperation],
            [Series(_("Signed in the year"), [r["signed"] for r in cooperation]),
             Series(_("In force at year end"), [r["in_force"] for r in cooperation])],
            horizontal=True, size=(6.4, 0.9 + 0.36 * len(cooperation)),
        )  # fmt: skip
    schools = figures["internships"]["by_school"][:15]
    if schools:
        found["interns_by_school"] = charts.bar_chart(
            _("Interns by school"), [r["school"] for r in schools], [r["interns"] for r in schools],
            horizontal=True, size=(6.4, 0.9 + 0.3 * len(schools)),
        )  # fmt: skip
    sections = figures["internships"]["by_section"]
    if sections:
        found["interns_by_section"] = charts.pie_chart(
            _("Interns by industry section"), [f"{r['code']} {r['name']}".strip() for r in sections],
            [r["interns"] for r in sections], size=(6.4, 2.8),
        )  # fmt: skip
    programs = figures["subsidies"]["by_program"]
    if programs:
        found["subsidies"] = charts.bar_chart(
            _("Claimed, approved and paid per program"), [r["name"] for r in programs],
            [Series(_("Claimed"), [_money(r["claimed"]) for r in programs]),
             Series(_("Approved"), [_money(r["approved"]) for r in programs]),
             Series(_("Paid"), [_money(r["paid"]) for r in programs])],
            value_label=_("CNY"), value_format=charts.money,
        )  # fmt: skip
    payers = figures["subsidies"]["by_payer"]
    if payers:
        found["payers"] = charts.pie_chart(
            _("Paid per payer"), [r["payer"] for r in payers], [_money(r["paid"]) for r in payers],
            value_format=charts.money, size=(6.4, 2.6),
        )  # fmt: skip
    categories = figures["alignment"]["by_category"]
    if categories:
        aligned = [r["offerings"] if r["aligned"] else 0 for r in categories]
        other = [0 if r["aligned"] else r["offerings"] for r in categories]
        found["alignment"] = charts.bar_chart(
            _("Specialties offered by category"), [r["category"] for r in categories],
            [Series(_("Aligned"), aligned), Series(_("Not aligned"), other)],
            horizontal=True, stacked=True, size=(6.4, 0.9 + 0.32 * len(categories)),
        )  # fmt: skip
    return {name: chart.data_uri() for name, chart in found.items() if not chart.is_empty}


def render_html(figures: dict, meta: dict) -> str:
    return render_to_string(
        "reports/annual_report_pdf.html",
        {
            "f": figures,
            "meta": meta,
            "charts": chart_images(figures),
            "generated_on": meta["generated_at"].strftime("%Y-%m-%d %H:%M"),
            "founded_on": chinese_date(figures["alliance"].get("founded_on")),
            "last_day": chinese_date(figures["last_day"]),
            "previous_last_day": chinese_date(figures["previous_last_day"]),
        },
    )


def render(figures: dict, meta: dict) -> bytes:
    """The PDF as bytes. `meta`: version, generated_at, generated_by, generator_version."""
    from weasyprint import HTML  # imported here: loading WeasyPrint (Pango, fonts) is slow

    return HTML(string=render_html(figures, meta), url_fetcher=_fetcher()).write_pdf()

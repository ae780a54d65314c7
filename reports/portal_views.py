"""The bureau portal (/bureau/): the alliances a bureau official oversees, side by side, read-only.

Not under an alliance's path: the view finds the alliances where the user holds a bureau grant
(`access_bureau_alliances`, 404 for anyone without one, like any page out of reach) and reads their figures in a scope
of exactly those alliances (reports/summary.py). Counts and amounts only: no person's data is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from alliances.access import access_bureau_alliances
from alliances.tenancy import scope

from .summary import BureauSummary, summarise
from .visuals import summary_charts

EARLIEST_YEAR = 2000
YEARS_OFFERED = 10


def year_choices(alliances, today) -> list[int]:
    """The years offered: this year back to the earliest founding year of the alliances (at most ten years)."""
    founded = [a.founded_on.year for a in alliances if a.founded_on]
    earliest = max(min(founded, default=today.year - 4), today.year - YEARS_OFFERED + 1, EARLIEST_YEAR)
    return list(range(today.year, earliest - 1, -1))


def parse_year(value, today) -> int | None:
    """A year from a query string: a number from 2000 to this year, else None."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return year if EARLIEST_YEAR <= year <= today.year else None


@dataclass(frozen=True)
class Row:
    label: str
    values: list
    total: object
    money: bool = False
    key: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[Row]
    chart: object = None


# (attribute, label, is money) per topic after the members by type: the portal's tables, in the report's order.
TOPICS = (
    ("changes", gettext_lazy("Joins and exits"), (
        ("joined", gettext_lazy("Joined"), False),
        ("withdrawn", gettext_lazy("Withdrawn"), False),
        ("expelled", gettext_lazy("Expelled"), False),
    )),
    ("activity", gettext_lazy("Events and cooperation"), (
        ("events", gettext_lazy("Events held"), False),
        ("attendance", gettext_lazy("Attendance (people checked in)"), False),
        ("cooperation_signed", gettext_lazy("Cooperation records signed"), False),
        ("agreements", gettext_lazy("of which agreements and letters of intent"), False),
        ("order_classes", gettext_lazy("Order and named classes running"), False),
        ("order_class_students", gettext_lazy("Students in these classes"), False),
        ("apprentices", gettext_lazy("Apprentices"), False),
    )),
    ("subsidies", gettext_lazy("Subsidies"), (
        ("claims_submitted", gettext_lazy("Claims submitted"), False),
        ("lines_claimed", gettext_lazy("Persons and items claimed"), False),
        ("claimed_amount", gettext_lazy("Claimed (CNY)"), True),
        ("claims_approved", gettext_lazy("Claims approved"), False),
        ("lines_approved", gettext_lazy("Persons and items approved"), False),
        ("approved_amount", gettext_lazy("Approved (CNY)"), True),
        ("paid_amount", gettext_lazy("Paid (CNY)"), True),
    )),
)  # fmt: skip


def summary_sections(summary: BureauSummary, charts: dict | None = None) -> list[Section]:
    """The summary as tables with the alliances side by side: a section per topic (with its chart), a row per
    figure, a total column."""
    charts = charts or {}
    rows = summary.alliances
    members = [
        Row(label, [row.members_by_kind.get(kind, 0) for row in rows],
            sum(row.members_by_kind.get(kind, 0) for row in rows), key=f"members_{kind}")
        for kind, label in summary.kinds
    ]  # fmt: skip
    members.append(
        Row(_("Total at year end"), [r.members for r in rows], summary.total("members"), key="members")
    )
    members.append(
        Row(_("Total at the end of the year before"), [r.members_year_before for r in rows],
            summary.total("members_year_before"), key="members_year_before")
    )  # fmt: skip
    sections = [Section("members", _("Member units at year end, by type"), members, charts.get("members"))]
    for key, title, figures in TOPICS:
        sections.append(
            Section(
                key,
                str(title),
                [
                    Row(str(label), [getattr(r, name) for r in rows], summary.total(name), money, key=name)
                    for name, label, money in figures
                ],
                charts.get(key),
            )
        )
    return sections


def definitions() -> list[tuple[str, str]]:
    """What the portal's figures mean (the annual report's definitions, shortened to the figures shown here)."""
    return [
        (_("Year"), _("The calendar year, 1 January to 31 December, China Standard Time.")),
        (_("Member units"), _(
            "Units that were members on 31 December of the year (for the current year: today), by type: admitted "
            "on or before that day and not withdrawn or expelled since. Suspended members remain members.")),
        (_("Joins and exits"), _(
            "Units admitted in the year; withdrawals that took effect in the year; expulsions in the year.")),
        (_("Events"), _(
            "Events that started in the year and were published (not drafts, not cancelled); attendance counts the "
            "people checked in.")),
        (_("Cooperation"), _(
            "Records signed in the year (signing date, else start date), of which cooperation agreements and letters "
            "of intent; order and named classes running in the year and their students; apprentices of "
            "apprenticeships running in the year.")),
        (_("Claimed and approved"), _(
            "Claims first submitted in the year, and claims approved in the year (their approved lines), valued at "
            "the standard rate of the program version, before the once-per-student rule, caps and budget.")),
        (_("Paid"), _(
            "Disbursements of calculation runs paid in the year (by payment date): what was actually paid.")),
    ]  # fmt: skip


def report_list_url(alliance) -> str | None:
    """The alliance's annual reports page (reports/urls.py)."""
    try:
        return reverse("annual-report-list", kwargs={"alliance_slug": alliance.slug})
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class ReportLinks:
    """The latest version of an alliance's annual report for the year shown, with its two downloads."""

    version: int
    generated_at: object
    detail_url: str
    pdf_url: str
    xlsx_url: str


def latest_reports(alliances, year: int) -> dict[int, ReportLinks]:
    """{alliance id: the latest report of `year`}, in a scope of exactly these alliances. One query."""
    from .models import AnnualReport

    found: dict[int, ReportLinks] = {}
    slugs = {alliance.pk: alliance.slug for alliance in alliances}
    with scope(slugs.keys()):
        rows = (
            AnnualReport.objects.filter(year=year)
            .order_by("alliance_id", "-version")
            .values("pk", "alliance_id", "version", "generated_at")
        )
        for row in rows:
            if row["alliance_id"] in found:
                continue
            kwargs = {"alliance_slug": slugs[row["alliance_id"]], "annualreport_id": row["pk"]}
            found[row["alliance_id"]] = ReportLinks(
                version=row["version"],
                generated_at=row["generated_at"],
                detail_url=reverse("annual-report-detail", kwargs=kwargs),
                pdf_url=reverse("annual-report-pdf", kwargs=kwargs),
                xlsx_url=reverse("annual-report-xlsx", kwargs=kwargs),
            )
    return found


class BureauPortalView(LoginRequiredMixin, TemplateView):
    template_name = "reports/portal.html"

    def get(self, request, *args, **kwargs):
        self.alliances = access_bureau_alliances(request.user)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        years = year_choices(self.alliances, today)
        year = parse_year(self.request.GET.get("year"), today)
        if year not in years:
            year = today.year
        summary = summarise(self.alliances, year)
        reports = latest_reports(self.alliances, year)
        context.update(
            year=year,
            years=years,
            is_current_year=year == today.year,
            summary=summary,
            sections=summary_sections(summary, summary_charts(summary)),
            definitions=definitions(),
            cards=[
                {
                    "figures": row,
                    "reports_url": report_list_url(row.alliance),
                    "report": reports.get(row.alliance.pk),
                }
                for row in summary.alliances
            ],
        )
        return context

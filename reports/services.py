"""Annual reports: asking for one. The work is done by the `reports.annual` job (reports/jobs.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.jobs import enqueue_job

JOB_KIND = "reports.annual"
EARLIEST_YEAR = 2000


def report_years(alliance) -> range:
    """The years a report can be made for: from the alliance's founding (not before 2000) to this year."""
    first = max(EARLIEST_YEAR, alliance.founded_on.year if alliance.founded_on else EARLIEST_YEAR)
    return range(first, timezone.localdate().year + 1)


def validate_year(alliance, year) -> int:
    """The year as an int, or a ValidationError saying which years are possible."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Give the year as four digits, e.g. 2025.")}, code="invalid") from None
    years = report_years(alliance)
    if year > years[-1]:
        raise ValidationError(
            {"year": _("%(year)d has not begun: a report can cover %(last)d at the latest.")
             % {"year": year, "last": years[-1]}},
            code="future",
        )  # fmt: skip
    if year < years[0]:
        if alliance.founded_on and year < alliance.founded_on.year:
            message = _("%(alliance)s was founded in %(founded)d: a report can cover %(founded)d at the earliest.") % {
                "alliance": alliance.name, "founded": alliance.founded_on.year}  # fmt: skip
        else:
            message = _("Reports cover %(first)d and later years.") % {"first": years[0]}
        raise ValidationError({"year": message}, code="too_early")
    return year


def request_annual_report(alliance, year, *, user):
    """Start generating the annual report of `alliance` for `year` (a new version if one exists).

    Returns (job, created): when the same year's report is being generated already, that job and False. Raises
    ValidationError for a year the alliance cannot have a report for. Call inside the alliance's scope; the
    caller has checked that `user` may generate reports (Action.GENERATE_REPORTS)."""
    year = validate_year(alliance, year)
    return enqueue_job(alliance=alliance, kind=JOB_KIND, parameters={"year": year}, requested_by=user)

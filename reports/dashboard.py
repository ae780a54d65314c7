"""Read-side selectors of the secretariat dashboard (the alliance home page, and `GET …/dashboard/` in the API).

Every part is computed set-based in the database, in a fixed number of queries whatever the number of rows, and
only for the roles that may see it (`dashboard_for(membership)` leaves out the rest):

| Part | Shown to (action) | Queries |
|---|---|---|
| members: key figures and composition by type | `members.view` | 1 |
| claims pipeline | `subsidies.review_claims` (every claim) or `subsidies.view_disbursements` (claims past draft) | 2–3 |
| subsidies by month | `subsidies.view_disbursements` | 2 |
| upcoming events | `events.view` | 1 |

Definitions (dates in Asia/Shanghai):
- *member units*: units whose status is admitted, withdrawal requested or suspended (`CURRENT_MEMBER_STATUSES`);
  *joined this year*: admitted on a day of the current calendar year; *left this year*: left (withdrawal took effect
  or expelled) on a day of the current calendar year.
- *claims pipeline*: claims of the two most recent periods that have started (start date on or before today), newest
  first, counted by status; when no period has started yet, the next one. *Claims in progress* counts the claims of
  every period that are submitted, waiting for schools, under review or returned.
- *subsidies by month*: for each of the last 12 calendar months, the current one included: *approved* is the total of
  the calculation runs finalised in that month (by `finalised_at`; runs that are finalised, approved by the bureau
  or paid: a run's total is fixed when it is finalised); *paid* is the total of the paid runs by their payment date
  (`paid_on`). The year's figures add up the months of the current calendar year.
- *upcoming events*: the next 5 published events that have not ended yet (end on or after now), by start time, with
  the places taken (registered, confirmed or checked in).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from alliances.permissions import Action
from events.models import Event, EventStatus, RegistrationStatus
from members.models import CURRENT_MEMBER_STATUSES, MemberKind, MemberUnit
from subsidies.models import CalculationRun, ClaimStatus, Period, RunStatus
from subsidies.services.claims import visible_claims

ZERO = Decimal("0.00")
MONTHS = 12
PIPELINE_PERIODS = 2
UPCOMING_EVENTS = 5
# A run's total is fixed once it is finalised; these are the runs whose amounts count as approved.
APPROVED_RUN_STATUSES = (RunStatus.FINALISED, RunStatus.BUREAU_APPROVED, RunStatus.PAID)
IN_PROGRESS_CLAIM_STATUSES = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.SCHOOL_CONFIRMATION,
    ClaimStatus.UNDER_REVIEW,
    ClaimStatus.RETURNED,
)
PLACE_TAKING_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.CHECKED_IN,
)


# --- what the selectors answer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class MemberFigures:
    total: int
    joined_this_year: int
    left_this_year: int
    by_kind: list[KindCount]


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class PeriodPipeline:
    period_id: int
    name: str
    counts: list[StatusCount]

    @property
    def total(self) -> int:
        return sum(item.count for item in self.counts)


@dataclass(frozen=True)
class ClaimPipeline:
    statuses: list[tuple[str, str]]  # (status, label) in workflow order: the columns shown
    periods: list[PeriodPipeline]
    in_progress: int  # every period


@dataclass(frozen=True)
class MonthAmounts:
    month: datetime.date  # the first day of the month
    approved: Decimal
    paid: Decimal


@dataclass(frozen=True)
class SubsidyMonths:
    year: int
    months: list[MonthAmounts]

    @property
    def approved_this_year(self) -> Decimal:
        return sum((m.approved for m in self.months if m.month.year == self.year), ZERO)

    @property
    def paid_this_year(self) -> Decimal:
        return sum((m.paid for m in self.months if m.month.year == self.year), ZERO)

    @property
    def approved_total(self) -> Decimal:
        return sum((m.approved for m in self.months), ZERO)

    @property
    def paid_total(self) -> Decimal:
        return sum((m.paid for m in self.months), ZERO)


@dataclass(frozen=True)
class UpcomingEvent:
    id: int
    title: str
    kind: str
    kind_label: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    venue: str
    capacity: int | None
    places_taken: int


@dataclass
class Dashboard:
    """The figures one user may see; a part is None when their roles do not allow it."""

    today: datetime.date
    members: MemberFigures | None = None
    pipeline: ClaimPipeline | None = None
    subsidies: SubsidyMonths | None = None
    upcoming_events: list[UpcomingEvent] | None = None


# --- the parts --------------------------------------------------------------------------------------------------


def member_figures(today: datetime.date) -> MemberFigures:
    """Current member units by type, and joins and exits in the calendar year of `today`. One query."""
    first, last = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    rows = (
        MemberUnit.objects.values("kind")
        .annotate(
            current=Count("id", filter=Q(status__in=CURRENT_MEMBER_STATUSES)),
            joined=Count("id", filter=Q(admitted_on__range=(first, last))),
            left=Count("id", filter=Q(left_on__range=(first, last))),
        )
        .order_by()
    )
    by_kind = {row["kind"]: row for row in rows}
    counts = [
        KindCount(kind.value, str(kind.label), by_kind[kind.value]["current"])
        for kind in MemberKind
        if kind.value in by_kind and by_kind[kind.value]["current"]
    ]
    return MemberFigures(
        total=sum(row["current"] for row in by_kind.values()),
        joined_this_year=sum(row["joined"] for row in by_kind.values()),
        left_this_year=sum(row["left"] for row in by_kind.values()),
        by_kind=counts,
    )


def pipeline_periods(today: datetime.date) -> list[Period]:
    """The periods the pipeline shows: the most recent ones that have started, else the next one. 1–2 queries."""
    started = list(
        Period.objects.filter(starts_on__lte=today).order_by("-starts_on", "-pk")[:PIPELINE_PERIODS]
    )
    if started:
        return started
    return list(Period.objects.order_by("starts_on", "pk")[:1])


def claim_pipeline(membership, today: datetime.date) -> ClaimPipeline:
    """Claims the user may see (`visible_claims`: secretariat every claim, bureau those past draft) by period and
    status. Two or three queries."""
    claims = visible_claims(membership)
    rows = claims.values("period_id", "status").annotate(n=Count("id")).order_by()
    counts = {(row["period_id"], row["status"]): row["n"] for row in rows}
    statuses = [
        (status.value, str(status.label))
        for status in ClaimStatus
        if status != ClaimStatus.DRAFT or membership.can(Action.REVIEW_CLAIMS)
    ]
    periods = [
        PeriodPipeline(
            period_id=period.pk,
            name=period.name,
            counts=[
                StatusCount(value, label, counts.get((period.pk, value), 0)) for value, label in statuses
            ],
        )
        for period in pipeline_periods(today)
    ]
    in_progress = sum(n for (_period, status), n in counts.items() if status in IN_PROGRESS_CLAIM_STATUSES)
    return ClaimPipeline(statuses=statuses, periods=periods, in_progress=in_progress)


def month_starts(today: datetime.date, months: int = MONTHS) -> list[datetime.date]:
    """The first days of the last `months` calendar months, oldest first, the month of `today` last."""
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_key(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def subsidies_by_month(today: datetime.date, months: int = MONTHS) -> SubsidyMonths:
    """Approved (by finalisation) and paid (by payment date) amounts per month over the last `months` months.
    Two queries."""
    starts = month_starts(today, months)
    first, end = starts[0], _next_month(starts[-1])
    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(first, datetime.time(0, 0), zone)
    until = datetime.datetime.combine(end, datetime.time(0, 0), zone)
    approved_rows = (
        CalculationRun.objects.filter(
            status__in=APPROVED_RUN_STATUSES, finalised_at__gte=since, finalised_at__lt=until
        )
        .annotate(month=TruncMonth("finalised_at", tzinfo=zone))
        .values("month")
        .annotate(amount=Sum("total"))
        .order_by()
    )
    paid_rows = (
        CalculationRun.objects.filter(status=RunStatus.PAID, paid_on__gte=first, paid_on__lt=end)
        .annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(amount=Sum("total"))
        .order_by()
    )
    approved, paid = {}, {}
    for target, rows in ((approved, approved_rows), (paid, paid_rows)):
        for row in rows:
            key = _month_key(row["month"])
            target[key] = target.get(key, ZERO) + (row["amount"] or ZERO)
    return SubsidyMonths(
        year=today.year,
        months=[
            MonthAmounts(month=start, approved=approved.get(start, ZERO), paid=paid.get(start, ZERO))
            for start in starts
        ],
    )


def upcoming_events(now: datetime.datetime, limit: int = UPCOMING_EVENTS) -> list[UpcomingEvent]:
    """The next published events that have not ended, with the places taken. One query."""
    events = (
        Event.objects.filter(status=EventStatus.PUBLISHED, ends_at__gte=now)
        .annotate(
            places_taken=Count("registrations", filter=Q(registrations__status__in=PLACE_TAKING_STATUSES))
        )
        .order_by("starts_at", "pk")[:limit]
    )
    return [
        UpcomingEvent(
            id=event.pk,
            title=event.title,
            kind=event.kind,
            kind_label=event.get_kind_display(),
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            venue=event.venue,
            capacity=event.capacity,
            places_taken=event.places_taken,
        )
        for event in events
    ]


# --- by role ----------------------------------------------------------------------------------------------------


def can_see_members(membership) -> bool:
    return membership.can(Action.VIEW_MEMBERS)


def can_see_pipeline(membership) -> bool:
    return membership.can(Action.REVIEW_CLAIMS) or membership.can(Action.VIEW_DISBURSEMENTS)


def can_see_subsidies(membership) -> bool:
    return membership.can(Action.VIEW_DISBURSEMENTS)


def can_see_events(membership) -> bool:
    return membership.can(Action.VIEW_EVENTS)


def dashboard_for(membership, *, now: datetime.datetime | None = None) -> Dashboard:
    """The dashboard figures `membership` may see, in the active scope (the membership's alliance)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    dashboard = Dashboard(today=today)
    if can_see_members(membership):
        dashboard.members = member_figures(today)
    if can_see_pipeline(membership):
        dashboard.pipeline = claim_pipeline(membership, today)
    if can_see_subsidies(membership):
        dashboard.subsidies = subsidies_by_month(today)
    if can_see_events(membership):
        dashboard.upcoming_events = upcoming_events(now)
    return dashboard

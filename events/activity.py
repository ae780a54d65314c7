"""What member units do in the alliance: events attended, cooperation records, subsidy claims — and who has done
nothing for a while (the dormant members the secretariat looks at; charters often end membership after one or two
years without taking part).

Reads only. `last_activity_dates` annotates any member-unit queryset with one set-based expression, so lists that
show the date stay at a constant number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf, TruncDate
from django.utils import timezone

from members.models import CURRENT_MEMBER_STATUSES, MemberUnit
from members.services import add_months
from subsidies.models import Claim, ClaimStatus

from .models import (
    CooperationKind,
    CooperationRecord,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)

DORMANT_MONTHS = 12
RECENT = 5
UPCOMING = 10
# Registrations still expecting to attend (or waiting for a place): what "My unit" lists with their QR codes.
UPCOMING_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
)
# Stands for "nothing" inside GREATEST, which on SQLite is NULL as soon as one argument is.
_NEVER = date(1, 1, 1)


# --- Activity of a unit, one correlated subquery per kind (each can use an index leading with the unit) ------


def _day_after(today: date) -> datetime:
    """The first moment after `today` (local midnight): activity from then on happened after the day asked about."""
    return datetime.combine(today + timedelta(days=1), time(0, 0), timezone.get_current_timezone())


def _attendances(today: date):
    """Check-ins of people of the unit (OuterRef) at events that were not cancelled and started by the end of
    `today`, with the event's local day."""
    return (
        Registration.objects.filter(member_unit=OuterRef("pk"), status=RegistrationStatus.CHECKED_IN)
        .exclude(event__status=EventStatus.CANCELLED)
        .filter(event__starts_at__lt=_day_after(today))
        .annotate(day=TruncDate("event__starts_at"))
    )


def _cooperations(side: str, today: date):
    """Cooperation records where the unit is the `side` ("school" or "enterprise"), with the day they were signed
    (or started, without a signing date); records not yet started do not count."""
    return (
        CooperationRecord.objects.filter(**{side: OuterRef("pk")})
        .annotate(day=Coalesce("signed_on", "starts_on"))
        .filter(day__isnull=False, day__lte=today)
    )


def _claims(today: date):
    """Subsidy claims the unit submitted (drafts do not count) by the end of `today`, with the local day of the last
    submission up to then (the first one when the claim was submitted again later)."""
    end = _day_after(today)
    return (
        Claim.objects.filter(enterprise=OuterRef("pk"))
        .annotate(
            at=Case(
                When(submitted_at__lt=end, then=F("submitted_at")),
                default=F("first_submitted_at"),
                output_field=DateTimeField(),
            )
        )
        .filter(at__isnull=False, at__lt=end)
        .annotate(day=TruncDate("at"))
    )


def _sources(today: date):
    return (
        _attendances(today),
        _cooperations("school", today),
        _cooperations("enterprise", today),
        _claims(today),
    )


def last_activity_dates(queryset: QuerySet, today: date | None = None) -> QuerySet:
    """Annotate member units with `last_activity_on`: the latest day they attended an event, signed or started a
    cooperation record, or submitted a subsidy claim (None when never). One SQL expression, no query per row."""
    today = today or timezone.localdate()
    never = Value(_NEVER, output_field=DateField())
    days = [
        Coalesce(Subquery(source.order_by("-day").values("day")[:1], output_field=DateField()), never)
        for source in _sources(today)
    ]
    return queryset.annotate(last_activity_on=NullIf(Greatest(*days, output_field=DateField()), never))


def dormant_cutoff(months: int = DORMANT_MONTHS, today: date | None = None) -> date:
    """The first day that still counts as "in the last `months` months" (today − months, clipped to month end)."""
    return add_months(today or timezone.localdate(), -months)


def dormant_members(
    months: int = DORMANT_MONTHS,
    *,
    today: date | None = None,
    include_new: bool = False,
    units: QuerySet | None = None,
) -> QuerySet:
    """Current members with no activity between `dormant_cutoff(months)` and the end of `today`, annotated with
    `last_activity_on`.

    Selected with NOT EXISTS per kind of activity (each stops at the first recent row), so the dates are computed
    only for the units listed. Units admitted after the cutoff have not had `months` months to take part; they are
    left out unless `include_new`. Ordered with the longest-silent first (never active first).

    `units` replaces "current members" by another member-unit queryset: the annual report passes the units that
    were members on the last day of its year, with `today` that day (activity after it does not count)."""
    today = today or timezone.localdate()
    cutoff = dormant_cutoff(months, today)
    since = datetime.combine(cutoff, time(0, 0), timezone.get_current_timezone())
    attendances, as_school, as_enterprise, claims = _sources(today)
    if units is None:
        units = MemberUnit.objects.filter(status__in=CURRENT_MEMBER_STATUSES)
    units = units.filter(
        ~Exists(attendances.filter(event__starts_at__gte=since)),
        ~Exists(as_school.filter(day__gte=cutoff)),
        ~Exists(as_enterprise.filter(day__gte=cutoff)),
        ~Exists(claims.filter(at__gte=since)),
    )
    if not include_new:
        units = units.filter(Q(admitted_on__isnull=True) | Q(admitted_on__lte=cutoff))
    return last_activity_dates(units, today=today).order_by(
        F("last_activity_on").asc(nulls_first=True), "kind", "name", "pk"
    )


# --- One unit's activity ---------------------------------------------------------------------------------


@dataclass
class MemberActivity:
    unit: MemberUnit
    events_attended: int = 0
    people_checked_in: int = 0
    recent_attendance: list = field(default_factory=list)  # [{"event": Event, "people": n}]
    cooperation_count: int = 0
    cooperation_by_kind: list = field(default_factory=list)  # [(kind, label, count)]
    recent_cooperation: list = field(default_factory=list)  # [CooperationRecord]
    order_class_students: int = 0
    claims_count: int = 0
    claims_by_status: list = field(default_factory=list)  # [(status, label, count)]
    upcoming_registrations: list = field(default_factory=list)  # [Registration] (with .event), soonest first
    last_activity_on: date | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.events_attended or self.cooperation_count or self.claims_count)


def member_activity(unit: MemberUnit, *, today: date | None = None) -> MemberActivity:
    """Events attended (people checked in), cooperation records by kind, subsidy claims by status and the date of
    the last activity, in a fixed number of queries whatever the amounts."""
    activity = MemberActivity(unit=unit)
    checked_in = Registration.objects.filter(member_unit=unit, status=RegistrationStatus.CHECKED_IN).exclude(
        event__status=EventStatus.CANCELLED
    )
    totals = checked_in.aggregate(events=Count("event", distinct=True), people=Count("pk"))
    activity.events_attended, activity.people_checked_in = totals["events"], totals["people"]
    recent = (
        checked_in.values("event")
        .annotate(people=Count("pk"), starts_at=F("event__starts_at"))
        .order_by("-starts_at", "-event")[:RECENT]
    )
    recent = list(recent)
    if recent:
        events = Event.objects.in_bulk([row["event"] for row in recent])
        activity.recent_attendance = [
            {"event": events[row["event"]], "people": row["people"]}
            for row in recent
            if row["event"] in events
        ]

    records = CooperationRecord.objects.filter(Q(school=unit) | Q(enterprise=unit))
    by_kind = {
        row["kind"]: row for row in records.values("kind").annotate(n=Count("pk"), students=Sum("students"))
    }
    activity.cooperation_by_kind = [
        (kind.value, kind.label, by_kind[kind.value]["n"])
        for kind in CooperationKind
        if kind.value in by_kind
    ]
    activity.cooperation_count = sum(row["n"] for row in by_kind.values())
    activity.order_class_students = sum(
        by_kind[kind]["students"] or 0 for kind in CooperationKind.class_kinds() if kind in by_kind
    )
    activity.recent_cooperation = list(
        records.select_related("school", "enterprise").order_by(
            F("signed_on").desc(nulls_last=True), F("starts_on").desc(nulls_last=True), "-pk"
        )[:RECENT]
    )

    by_status = dict(
        Claim.objects.filter(enterprise=unit)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    activity.claims_by_status = [
        (status.value, status.label, by_status[status.value])
        for status in ClaimStatus
        if status.value in by_status
    ]
    activity.claims_count = sum(by_status.values())

    activity.upcoming_registrations = list(
        Registration.objects.filter(
            member_unit=unit, status__in=UPCOMING_STATUSES, event__status=EventStatus.PUBLISHED,
            event__ends_at__gte=timezone.now(),
        )
        .select_related("event")
        .order_by("event__starts_at", "event_id", "created_at", "pk")[:UPCOMING]
    )  # fmt: skip

    dated = last_activity_dates(MemberUnit.objects.filter(pk=unit.pk), today=today)
    activity.last_activity_on = dated.values_list("last_activity_on", flat=True).first()
    return activity

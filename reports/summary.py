"""The bureau portal's cross-alliance summary: the alliances a bureau official oversees, side by side, for a year.

Read-only, counts and amounts only — no person's name, identity number, phone or bank account is read or shown.
Every figure is computed in the database grouped by alliance (GROUP BY alliance_id), so the summary takes the same
number of queries (six) whatever the number of alliances and rows. It runs in `scope(ids)` with exactly the
alliances passed in: the portal passes those where the user holds a bureau grant (`access.bureau_alliances_of`).

The figures mean what they mean in the annual report (reports/figures.py, whose `definitions()` the portal prints):
the same building blocks (`member_condition`, `claimed_lines`, `approved_lines`, `standard_fen`) and, where the
report's conditions are local to a function, the same conditions written again here — tests/test_bureau_portal.py
checks that every figure equals the report's for the same alliance and year. For calendar year Y (Asia/Shanghai):

- *members at year end* by type, and *at the end of the year before*: members on 31 December (report: "Member on a
  date"); *joined*, *withdrawn*, *expelled*: admitted / withdrawal took effect / expelled during Y, from the unit's
  timeline or its admission and leaving dates;
- *events*: events that started during Y and were published (not drafts, not cancelled); *attendance*: people
  checked in at them;
- *cooperation records signed*: records whose signing date (else start date) falls in Y, and of them *agreements*
  (cooperation agreements and letters of intent); *order classes* (order and named classes) running in Y with their
  *students*; *apprentices* of apprenticeships running in Y;
- *claimed* / *approved*: claims (and their lines) first submitted during Y / approved during Y, valued at the
  standard rate of the program version (report: "Claimed", "Approved"); *paid*: disbursements of the calculation
  runs paid during Y (by payment date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from alliances.models import Alliance
from alliances.tenancy import scope
from events.models import (
    CooperationKind,
    CooperationRecord,
    CooperationStatus,
    Event,
    EventStatus,
    RegistrationStatus,
)
from members.models import MemberKind, MembershipAction, MembershipEvent, MemberStatus, MemberUnit
from subsidies.calculation import Fen, yuan
from subsidies.models import Disbursement, RunStatus

from .figures import START_ACTIONS, Year, approved_lines, claimed_lines, member_condition, standard_fen

ZERO = Decimal("0.00")
AGREEMENT_KINDS = (CooperationKind.AGREEMENT, CooperationKind.LETTER_OF_INTENT)
HELD_EVENT_STATUSES = (EventStatus.PUBLISHED, EventStatus.FINISHED)


@dataclass
class AllianceFigures:
    """One alliance's figures for the year: counts and amounts only."""

    alliance: Alliance
    members_by_kind: dict[str, int] = field(default_factory=dict)  # at year end
    members: int = 0
    members_year_before: int = 0
    joined: int = 0
    withdrawn: int = 0
    expelled: int = 0
    events: int = 0
    attendance: int = 0
    cooperation_signed: int = 0
    agreements: int = 0
    order_classes: int = 0
    order_class_students: int = 0
    apprentices: int = 0
    claims_submitted: int = 0
    lines_claimed: int = 0
    claimed_amount: Decimal = ZERO
    claims_approved: int = 0
    lines_approved: int = 0
    approved_amount: Decimal = ZERO
    paid_amount: Decimal = ZERO

    @property
    def member_change(self) -> int:
        return self.members - self.members_year_before


@dataclass
class BureauSummary:
    year: int
    alliances: list[AllianceFigures]

    @property
    def kinds(self) -> list[tuple[str, str]]:
        """The member types present in any alliance at year end, in the catalogue's order."""
        present = {kind for row in self.alliances for kind, n in row.members_by_kind.items() if n}
        return [(kind.value, str(kind.label)) for kind in MemberKind if kind.value in present]

    def total(self, name: str):
        values = [getattr(row, name) for row in self.alliances]
        return sum(values, ZERO if values and isinstance(values[0], Decimal) else 0)


def summarise(alliances: Sequence[Alliance], year: int) -> BureauSummary:
    """The figures of `alliances` for `year`, side by side, in the order given. Six queries, grouped by alliance,
    inside a scope of exactly these alliances."""
    rows = {alliance.pk: AllianceFigures(alliance=alliance) for alliance in alliances}
    if not rows:
        return BureauSummary(year=year, alliances=[])
    period = Year(int(year))
    with scope(rows.keys()):
        _members(rows, period)
        _events(rows, period)
        _cooperation(rows, period)
        _subsidies(rows, period)
    return BureauSummary(year=period.year, alliances=list(rows.values()))


def _timeline_in_year(actions, period: Year, to_status: str | None = None) -> Exists:
    """The unit's timeline has one of `actions` (effective date, else the day recorded) in the year."""
    rows = MembershipEvent.objects.filter(member_unit=OuterRef("pk"), action__in=actions)
    if to_status:
        rows = rows.filter(to_status=to_status)
    day = Coalesce("effective_on", TruncDate("occurred_at"), output_field=DateField())
    return Exists(rows.annotate(day=day).filter(day__gte=period.first_day, day__lte=period.last_day))


def _in_year(name: str, period: Year) -> Q:
    return Q(**{f"{name}__gte": period.first_day, f"{name}__lte": period.last_day})


def _members(rows, period: Year) -> None:
    before, before_q = member_condition(period.previous_last_day, "p")
    after, after_q = member_condition(period.last_day, "c")
    joined = _timeline_in_year(START_ACTIONS, period, MemberStatus.ADMITTED) | _in_year("admitted_on", period)
    withdrawn = _timeline_in_year([MembershipAction.WITHDRAWN], period) | (
        Q(status=MemberStatus.WITHDRAWN) & _in_year("left_on", period)
    )
    expelled = _timeline_in_year([MembershipAction.EXPELLED], period) | (
        Q(status=MemberStatus.EXPELLED) & _in_year("left_on", period)
    )
    result = (
        MemberUnit.objects.annotate(**before, **after)
        .values("alliance_id", "kind")
        .annotate(
            at_end=Count("pk", filter=after_q),
            year_before=Count("pk", filter=before_q),
            joined=Count("pk", filter=joined),
            withdrawn=Count("pk", filter=withdrawn),
            expelled=Count("pk", filter=expelled),
        )
        .order_by()
    )
    for item in result:
        row = rows[item["alliance_id"]]
        if item["at_end"]:
            row.members_by_kind[item["kind"]] = item["at_end"]
        row.members += item["at_end"]
        row.members_year_before += item["year_before"]
        row.joined += item["joined"]
        row.withdrawn += item["withdrawn"]
        row.expelled += item["expelled"]


def _events(rows, period: Year) -> None:
    events = (
        Event.objects.filter(
            status__in=HELD_EVENT_STATUSES, starts_at__gte=period.starts_at, starts_at__lt=period.ends_at
        )
        .values("alliance_id")
        .annotate(
            events=Count("pk", distinct=True),
            attendance=Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.CHECKED_IN), distinct=True
            ),
        )
        .order_by()
    )
    for item in events:
        row = rows[item["alliance_id"]]
        row.events, row.attendance = item["events"], item["attendance"]


def _cooperation(rows, period: Year) -> None:
    records = CooperationRecord.objects.annotate(
        begun=Coalesce("starts_on", "signed_on", output_field=DateField()),
        signed=Coalesce("signed_on", "starts_on", output_field=DateField()),
    )
    signed = Q(signed__gte=period.first_day, signed__lte=period.last_day)
    running = (
        Q(begun__lte=period.last_day)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=period.first_day))
        & ~Q(status=CooperationStatus.PLANNED)
    )
    classes = running & Q(kind__in=CooperationKind.class_kinds())
    apprenticeships = running & Q(kind__in=CooperationKind.apprenticeship_kinds())
    result = (
        records.values("alliance_id")
        .annotate(
            signed_n=Count("pk", filter=signed),
            agreements=Count("pk", filter=signed & Q(kind__in=AGREEMENT_KINDS)),
            classes=Count("pk", filter=classes),
            students=Sum("students", filter=classes),
            apprentices=Sum("participants", filter=apprenticeships),
        )
        .order_by()
    )
    for item in result:
        row = rows[item["alliance_id"]]
        row.cooperation_signed = item["signed_n"]
        row.agreements = item["agreements"]
        row.order_classes = item["classes"]
        row.order_class_students = item["students"] or 0
        row.apprentices = item["apprentices"] or 0


def _subsidies(rows, period: Year) -> None:
    def per_alliance(lines):
        return (
            lines.values("alliance_id")
            .annotate(claims=Count("claim", distinct=True), lines=Count("pk"), fen=Sum(standard_fen()))
            .order_by()
        )

    for item in per_alliance(claimed_lines(period)):
        row = rows[item["alliance_id"]]
        row.claims_submitted, row.lines_claimed = item["claims"], item["lines"]
        row.claimed_amount = yuan(int(item["fen"] or 0))
    for item in per_alliance(approved_lines(period)):
        row = rows[item["alliance_id"]]
        row.claims_approved, row.lines_approved = item["claims"], item["lines"]
        row.approved_amount = yuan(int(item["fen"] or 0))
    paid = (
        Disbursement.objects.filter(
            run__status=RunStatus.PAID, run__paid_on__gte=period.first_day, run__paid_on__lte=period.last_day
        )
        .values("alliance_id")
        .annotate(fen=Sum(Fen(F("amount"))))
        .order_by()
    )
    for item in paid:
        rows[item["alliance_id"]].paid_amount = yuan(int(item["fen"] or 0))

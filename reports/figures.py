"""The figures of an alliance's year: what the annual report says, computed once and kept as a JSON snapshot.

`annual_figures(alliance, year)` reads the scoped tables of the alliance (call it inside the alliance's scope) and
answers a JSON-serialisable dict: integers, strings, dates as ISO strings and money as strings with two decimals
("1234.50"). Both files of a report (XLSX and PDF) are rendered from the same dict, so they cannot disagree.

Every section is a constant number of queries whatever the size of the alliance: counts and sums are made in the
database (GROUP BY, COUNT DISTINCT, correlated subqueries), never by a query per unit, line or event. Money is summed
in whole fen (integers), as in the subsidy calculation, so SQLite and PostgreSQL give the same figures.

The report holds no personal data: students are counted by the keyed hash of their resident ID number and never
named; only organisations (member units, schools, enterprises) appear by name.

What each figure means is written once, in `definitions()`, and printed in the report itself.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Trim, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.governance import GoverningBody, Meeting, Resolution, ResolutionSubject
from events.activity import DORMANT_MONTHS, dormant_cutoff, dormant_members
from events.models import (
    CooperationKind,
    CooperationRecord,
    CooperationStatus,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from members.models import (
    IndustrySection,
    MemberKind,
    MembershipAction,
    MembershipEvent,
    MemberSpecialty,
    MemberStatus,
    MemberUnit,
    SpecialtyCategory,
)
from subsidies.calculation import Fen, full_months, yuan
from subsidies.models import (
    ClaimLine,
    ClaimStatus,
    Disbursement,
    DisbursementShare,
    LineReview,
    Program,
    ProgramKind,
    RateUnit,
    RunStatus,
    SchoolDecision,
    SpecialtyLevelAward,
)

MAPPING_FILE = Path(__file__).parent / "reference_data" / "specialty_industry_map.csv"
NEVER = date(1, 1, 1)  # stands for "no date" inside GREATEST (NULL there on SQLite as soon as one argument is)

# Timeline entries that start a membership (admission, or registration/import as a member) and that end one.
START_ACTIONS = (MembershipAction.ADMITTED, MembershipAction.CREATED, MembershipAction.IMPORTED)
END_ACTIONS = (MembershipAction.WITHDRAWN, MembershipAction.EXPELLED)
# Event registrations that held a place (waitlisted and cancelled ones never did).
HELD_PLACE = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.CHECKED_IN,
    RegistrationStatus.NO_SHOW,
)
COOPERATION_DETAIL_KINDS = (
    CooperationKind.ORDER_CLASS,
    CooperationKind.NAMED_CLASS,
    CooperationKind.MODERN_APPRENTICESHIP,
    CooperationKind.ENTERPRISE_APPRENTICESHIP,
    CooperationKind.TRAINING_BASE,
    CooperationKind.TEACHER_PLACEMENT,
)
TOP_ROWS = 30  # interns by specialty: the longest lists are cut here (the rest summed in one row)


@dataclass(frozen=True)
class Year:
    year: int

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)

    @property
    def previous_last_day(self) -> date:
        return date(self.year - 1, 12, 31)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time(0, 0), timezone.get_current_timezone())

    @property
    def ends_at(self) -> datetime:
        """The first moment after the year (exclusive bound)."""
        return datetime.combine(date(self.year + 1, 1, 1), time(0, 0), timezone.get_current_timezone())


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _money(fen: int | None) -> str:
    return str(yuan(int(fen or 0)))


def _share(part: int, whole: int) -> str:
    """A percentage with one decimal, as a string ("72.5"); "0.0" for an empty whole."""
    if not whole:
        return "0.0"
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")))


# --- Membership on a date ------------------------------------------------------------------------------------


def _event_day():
    return Coalesce("effective_on", TruncDate("occurred_at"), output_field=DateField())


def _latest(actions, on: date):
    """The latest timeline day (effective date, else the day it was recorded) of `actions` on or before `on`."""
    rows = (
        MembershipEvent.objects.filter(member_unit=OuterRef("pk"), action__in=actions)
        .annotate(day=_event_day())
        .filter(day__lte=on)
        .order_by("-day")
        .values("day")[:1]
    )
    return Coalesce(Subquery(rows, output_field=DateField()), Value(NEVER), output_field=DateField())


def _latest_start(on: date):
    """The unit's latest admission on or before `on`: from the timeline (admitted, or registered/imported as a
    member) and from `admitted_on` (units made without a timeline, e.g. bulk loads)."""
    from_field = Case(When(admitted_on__lte=on, then=F("admitted_on")), default=Value(NEVER), output_field=DateField())
    starts = MembershipEvent.objects.filter(
        member_unit=OuterRef("pk"), action__in=START_ACTIONS, to_status=MemberStatus.ADMITTED
    )
    rows = starts.annotate(day=_event_day()).filter(day__lte=on).order_by("-day").values("day")[:1]
    from_timeline = Coalesce(Subquery(rows, output_field=DateField()), Value(NEVER), output_field=DateField())
    return Greatest(from_timeline, from_field, output_field=DateField())


def _latest_end(on: date):
    """The unit's latest departure (withdrawal took effect, or expulsion) on or before `on`: timeline and `left_on`."""
    from_field = Case(When(left_on__lte=on, then=F("left_on")), default=Value(NEVER), output_field=DateField())
    return Greatest(_latest(END_ACTIONS, on), from_field, output_field=DateField())


def member_condition(on: date, prefix: str = "m") -> tuple[dict, Q]:
    """Annotations and the condition "was a member on `on`": admitted on or before that day, and not gone since
    (a departure on the day itself counts: a withdrawal effective 31 December ends membership that day)."""
    start, end = f"{prefix}_start", f"{prefix}_end"
    annotations = {start: _latest_start(on), end: _latest_end(on)}
    return annotations, Q(**{f"{start}__gt": NEVER}) & Q(**{f"{end}__lt": F(start)})


def members_on(on: date) -> QuerySet:
    """Member units that were members on `on` (see `member_condition`)."""
    annotations, condition = member_condition(on)
    return MemberUnit.objects.annotate(**annotations).filter(condition)


def _in_year(field: str, year: Year) -> Q:
    return Q(**{f"{field}__gte": year.first_day, f"{field}__lte": year.last_day})


def _timeline_in_year(actions, year: Year, to_status: str | None = None):
    rows = MembershipEvent.objects.filter(member_unit=OuterRef("pk"), action__in=actions)
    if to_status:
        rows = rows.filter(to_status=to_status)
    return Exists(rows.annotate(day=_event_day()).filter(day__gte=year.first_day, day__lte=year.last_day))


def membership(year: Year) -> dict:
    """Members by type at the end of the year and of the year before; joins, withdrawals and expulsions. 1 query."""
    before, before_q = member_condition(year.previous_last_day, "p")
    after, after_q = member_condition(year.last_day, "c")
    joined = _timeline_in_year(START_ACTIONS, year, MemberStatus.ADMITTED) | _in_year("admitted_on", year)
    withdrew = _timeline_in_year([MembershipAction.WITHDRAWN], year) | (
        Q(status=MemberStatus.WITHDRAWN) & _in_year("left_on", year)
    )
    expelled = _timeline_in_year([MembershipAction.EXPELLED], year) | (
        Q(status=MemberStatus.EXPELLED) & _in_year("left_on", year)
    )
    rows = (
        MemberUnit.objects.annotate(**before, **after)
        .values("kind")
        .annotate(
            previous=Count("pk", filter=before_q),
            current=Count("pk", filter=after_q),
            joined=Count("pk", filter=joined),
            withdrawn=Count("pk", filter=withdrew),
            expelled=Count("pk", filter=expelled),
        )
        .order_by()
    )
    found = {row["kind"]: row for row in rows}
    keys = ("previous", "current", "joined", "withdrawn", "expelled")
    by_kind = []
    for kind in MemberKind:
        row = found.get(kind.value)
        if not row or not any(row[key] for key in keys):
            continue
        by_kind.append({"kind": kind.value, "label": str(kind.label), **{key: row[key] for key in keys},
                        "change": row["current"] - row["previous"]})  # fmt: skip
    totals = {key: sum(row[key] for row in by_kind) for key in (*keys, "change")}
    schools = sum(row["current"] for row in by_kind if row["kind"] in MemberKind.school_kinds())
    enterprises = sum(row["current"] for row in by_kind if row["kind"] == MemberKind.ENTERPRISE)
    return {"by_kind": by_kind, "totals": totals, "schools": schools, "enterprises": enterprises}


# --- Governance ----------------------------------------------------------------------------------------------


def governance(year: Year) -> dict:
    """Meetings of the council and standing council held in the year; their resolutions by subject and outcome.
    2 queries."""
    meetings = {
        row["body"]: row
        for row in Meeting.objects.filter(_in_year("held_on", year))
        .values("body")
        .annotate(meetings=Count("pk"), present=Sum("present"), seats=Sum("seats"))
        .order_by()
    }
    by_body = []
    for body in GoverningBody:
        row = meetings.get(body.value, {"meetings": 0, "present": 0, "seats": 0})
        by_body.append({
            "body": body.value, "label": str(body.label), "meetings": row["meetings"],
            "attendance": _share(row["present"] or 0, row["seats"] or 0),
        })  # fmt: skip
    counts = {
        (row["subject"], row["passed"]): row["n"]
        for row in Resolution.objects.filter(_in_year("meeting__held_on", year))
        .values("subject", "passed")
        .annotate(n=Count("pk"))
        .order_by()
    }
    resolutions = []
    for subject in ResolutionSubject:
        passed, failed = counts.get((subject.value, True), 0), counts.get((subject.value, False), 0)
        resolutions.append({"subject": subject.value, "label": str(subject.label), "passed": passed,
                            "not_passed": failed, "total": passed + failed})  # fmt: skip
    return {
        "meetings": by_body,
        "resolutions": resolutions,
        "totals": {
            "meetings": sum(row["meetings"] for row in by_body),
            "resolutions": sum(row["total"] for row in resolutions),
            "passed": sum(row["passed"] for row in resolutions),
            "not_passed": sum(row["not_passed"] for row in resolutions),
        },
    }


# --- Events --------------------------------------------------------------------------------------------------


def events(year: Year) -> dict:
    """Events that started in the year, by kind: held, finished, cancelled, registrations, attendance and the units
    that attended. 3 queries."""
    in_year = Q(starts_at__gte=year.starts_at, starts_at__lt=year.ends_at)
    held = Event.objects.filter(in_year, status__in=(EventStatus.PUBLISHED, EventStatus.FINISHED))
    counts = {
        row["kind"]: row
        for row in Event.objects.filter(in_year)
        .exclude(status=EventStatus.DRAFT)
        .values("kind")
        .annotate(
            events=Count("pk", filter=~Q(status=EventStatus.CANCELLED)),
            finished=Count("pk", filter=Q(status=EventStatus.FINISHED)),
            cancelled=Count("pk", filter=Q(status=EventStatus.CANCELLED)),
        )
        .order_by()
    }
    registrations = Registration.objects.filter(event__in=held.values("pk"))
    checked_in = Q(status=RegistrationStatus.CHECKED_IN)
    people = {
        row["event__kind"]: row
        for row in registrations.values("event__kind")
        .annotate(
            registrations=Count("pk", filter=Q(status__in=HELD_PLACE)),
            attendance=Count("pk", filter=checked_in),
            units=Count("member_unit", distinct=True, filter=checked_in),
        )
        .order_by()
    }
    by_kind = []
    for kind in EventKind:
        row, attended = counts.get(kind.value), people.get(kind.value, {})
        if not row:
            continue
        by_kind.append({
            "kind": kind.value, "label": str(kind.label), "events": row["events"], "finished": row["finished"],
            "cancelled": row["cancelled"], "registrations": attended.get("registrations", 0),
            "attendance": attended.get("attendance", 0), "units": attended.get("units", 0),
        })  # fmt: skip
    totals = {key: sum(row[key] for row in by_kind)
              for key in ("events", "finished", "cancelled", "registrations", "attendance")}  # fmt: skip
    totals["units"] = registrations.filter(checked_in).aggregate(n=Count("member_unit", distinct=True))["n"]
    return {"by_kind": by_kind, "totals": totals}


# --- Cooperation ---------------------------------------------------------------------------------------------


def cooperation(year: Year) -> dict:
    """Cooperation records by kind (signed in the year, in force at its end) and the details of classes,
    apprenticeships, training bases and teacher placements that ran in the year. 2 queries."""
    records = CooperationRecord.objects.annotate(
        begun=Coalesce("starts_on", "signed_on", output_field=DateField()),
        signed=Coalesce("signed_on", "starts_on", output_field=DateField()),
    )
    signed = Q(signed__gte=year.first_day, signed__lte=year.last_day)
    in_force = (
        Q(begun__lte=year.last_day)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=year.last_day))
        & ~Q(status__in=(CooperationStatus.PLANNED, CooperationStatus.TERMINATED))
    )
    running = (
        Q(begun__lte=year.last_day)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=year.first_day))
        & ~Q(status=CooperationStatus.PLANNED)
    )
    graduating = Q(graduation_year=year.year)
    rows = {
        row["kind"]: row
        for row in records.values("kind")
        .annotate(
            signed_n=Count("pk", filter=signed),
            in_force_n=Count("pk", filter=in_force),
            running_n=Count("pk", filter=running),
            students_n=Coalesce(Sum("students", filter=running), 0),
            participants_n=Coalesce(Sum("participants", filter=running), 0),
            graduating_n=Count("pk", filter=graduating),
            graduates_n=Coalesce(Sum("students", filter=graduating), 0),
            employed_n=Coalesce(Sum("graduates_employed", filter=graduating), 0),
            schools_n=Count("school", distinct=True, filter=running),
            enterprises_n=Count("enterprise", distinct=True, filter=running),
        )
        .order_by()
    }
    by_kind = []
    for kind in CooperationKind:
        row = rows.get(kind.value)
        if not row:
            continue
        by_kind.append({"kind": kind.value, "label": str(kind.label), "signed": row["signed_n"],
                        "in_force": row["in_force_n"], "running": row["running_n"]})  # fmt: skip
    details = []
    for kind in COOPERATION_DETAIL_KINDS:
        row = rows.get(kind.value) or {}
        details.append({
            "kind": kind.value, "label": str(kind.label), "running": row.get("running_n", 0),
            "in_force": row.get("in_force_n", 0), "students": row.get("students_n", 0),
            "participants": row.get("participants_n", 0), "graduating": row.get("graduating_n", 0),
            "graduates": row.get("graduates_n", 0), "employed": row.get("employed_n", 0),
            "schools": row.get("schools_n", 0), "enterprises": row.get("enterprises_n", 0),
        })  # fmt: skip
    partners = records.filter(running).aggregate(
        schools=Count("school", distinct=True), enterprises=Count("enterprise", distinct=True)
    )
    totals = {key: sum(row[key] for row in by_kind) for key in ("signed", "in_force", "running")}
    classes = [row for row in details if row["kind"] in CooperationKind.class_kinds()]
    apprenticeships = [row for row in details if row["kind"] in CooperationKind.apprenticeship_kinds()]
    return {
        "by_kind": by_kind,
        "details": details,
        "totals": {
            **totals,
            "schools": partners["schools"],
            "enterprises": partners["enterprises"],
            "classes": sum(row["running"] for row in classes),
            "class_students": sum(row["students"] for row in classes),
            "graduates_employed": sum(row["employed"] for row in classes),
            "apprentices": sum(row["participants"] for row in apprenticeships),
            "teacher_placements": next(r["participants"] for r in details if r["kind"] == "teacher_placement"),
        },
    }


# --- Internships ---------------------------------------------------------------------------------------------


def internship_lines(year: Year) -> QuerySet:
    """The claim lines that show an internship in the year: internship-post programs, on claims submitted and not
    rejected, confirmed by the student's school, not rejected by the reviewer, with an identified student, and
    internship dates (else the period's) overlapping the year."""
    return (
        ClaimLine.objects.filter(
            claim__program__kind=ProgramKind.INTERNSHIP_POST,
            claim__first_submitted_at__isnull=False,
            school_decision=SchoolDecision.CONFIRMED,
        )
        .exclude(claim__status__in=(ClaimStatus.DRAFT, ClaimStatus.REJECTED))
        .exclude(review=LineReview.REJECTED)
        .exclude(resident_id_hash="")
        .annotate(
            began=Coalesce("starts_on", "claim__period__starts_on", output_field=DateField()),
            ended=Coalesce("ends_on", "claim__period__ends_on", output_field=DateField()),
        )
        .filter(began__lte=year.last_day, ended__gte=year.first_day)
        .order_by()
    )


def internships(year: Year) -> dict:
    """Distinct interns, host enterprises and schools; interns by school, specialty and industry section. 4 queries."""
    lines = internship_lines(year)
    interns = Count("resident_id_hash", distinct=True)
    totals = lines.aggregate(
        interns=interns, enterprises=Count("claim__enterprise", distinct=True), schools=Count("school", distinct=True)
    )
    by_school = [
        {"school": row["school__name"], "interns": row["n"], "enterprises": row["enterprises"]}
        for row in lines.values("school_id", "school__name")
        .annotate(n=interns, enterprises=Count("claim__enterprise", distinct=True))
        .order_by("-n", "school__name")
    ]
    specialties = [
        {"specialty": row["name"] or _("(not given)"), "interns": row["n"]}
        for row in lines.annotate(name=Trim("specialty"))
        .values("name")
        .annotate(n=interns)
        .order_by("-n", "name")
    ]
    if len(specialties) > TOP_ROWS:
        rest = specialties[TOP_ROWS - 1 :]
        specialties = specialties[: TOP_ROWS - 1] + [{
            "specialty": _("%(count)d other specialties") % {"count": len(rest)},
            "interns": sum(row["interns"] for row in rest),
        }]  # fmt: skip
    section = "claim__enterprise__industry_division__section"
    by_section = [
        {"code": row[f"{section}_id"] or "", "name": row[f"{section}__name"] or _("Industry not recorded"),
         "interns": row["n"], "enterprises": row["enterprises"]}
        for row in lines.values(f"{section}_id", f"{section}__name")
        .annotate(n=interns, enterprises=Count("claim__enterprise", distinct=True))
        .order_by(F(f"{section}_id").asc(nulls_last=True))
    ]  # fmt: skip
    return {"totals": totals, "by_school": by_school, "by_specialty": specialties, "by_section": by_section}


# --- Subsidies -----------------------------------------------------------------------------------------------


def standard_fen():
    """A claim line's amount at the standard rate of the program version fixed to its claim, in fen: the rate per
    post·semester or per person; the rate × full months (at most the version's maximum) per person·month; the
    national or provincial rate of a one-time award. Before the compliance checks, the once-per-student rule, caps
    and the budget (those apply in the calculation run, which is what is paid)."""
    version = "claim__program_version__"
    rate = Fen(F(f"{version}rate"))
    months = full_months()
    capped = Case(
        When(**{f"{version}max_months__isnull": True}, then=months),
        When(Q(**{f"{version}max_months__lt": months}), then=F(f"{version}max_months")),
        default=months,
        output_field=IntegerField(),
    )
    return Coalesce(
        Case(
            When(Q(**{f"{version}unit__in": (RateUnit.POST_SEMESTER, RateUnit.PERSON)}), then=rate),
            When(Q(**{f"{version}unit": RateUnit.PERSON_MONTH}), then=rate * capped),
            When(Q(**{f"{version}unit": RateUnit.ONE_TIME}, award_level=SpecialtyLevelAward.NATIONAL), then=rate),
            When(
                Q(**{f"{version}unit": RateUnit.ONE_TIME}, award_level=SpecialtyLevelAward.PROVINCIAL),
                then=Fen(F(f"{version}secondary_rate")),
            ),
            default=Value(0),
            output_field=BigIntegerField(),
        ),
        Value(0),
        output_field=BigIntegerField(),
    )


def claimed_lines(year: Year) -> QuerySet:
    """Lines of claims first submitted in the year (whatever became of them since)."""
    return ClaimLine.objects.filter(
        claim__first_submitted_at__gte=year.starts_at, claim__first_submitted_at__lt=year.ends_at
    ).order_by()


def approved_lines(year: Year) -> QuerySet:
    """Lines approved by the reviewer, confirmed by their school (or naming none), on claims approved in the year."""
    return (
        ClaimLine.objects.filter(
            claim__status=ClaimStatus.APPROVED,
            claim__decided_at__gte=year.starts_at,
            claim__decided_at__lt=year.ends_at,
            review=LineReview.APPROVED,
        )
        .filter(Q(school_decision=SchoolDecision.CONFIRMED) | Q(school__isnull=True))
        .order_by()
    )


def subsidies(year: Year) -> dict:
    """Claimed, approved and paid amounts per program; paid per payer and per program and payer. 5 queries."""
    amount = Sum(standard_fen())

    def per_program(lines):
        return {
            row["claim__program"]: row
            for row in lines.values("claim__program")
            .annotate(claims=Count("claim", distinct=True), lines=Count("pk"), fen=amount,
                      enterprises=Count("claim__enterprise", distinct=True))
            .order_by()
        }  # fmt: skip

    claimed, approved = per_program(claimed_lines(year)), per_program(approved_lines(year))
    paid_runs = Q(run__status=RunStatus.PAID, run__paid_on__gte=year.first_day, run__paid_on__lte=year.last_day)
    paid = {
        row["run__program"]: row
        for row in Disbursement.objects.filter(paid_runs)
        .values("run__program")
        .annotate(fen=Sum(Fen(F("amount"))), runs=Count("run", distinct=True),
                  enterprises=Count("enterprise", distinct=True))
        .order_by()
    }  # fmt: skip
    shares = list(
        DisbursementShare.objects.filter(paid_runs)
        .values("run__program", "payer")
        .annotate(fen=Sum(Fen(F("amount"))))
        .order_by("payer")
    )
    programs = list(Program.objects.order_by("code").values("pk", "code", "name", "kind"))
    kinds = dict(ProgramKind.choices)
    by_program, totals = [], {"claimed": 0, "approved": 0, "paid": 0, "claimed_lines": 0, "approved_lines": 0}
    for program in programs:
        c, a, p = claimed.get(program["pk"], {}), approved.get(program["pk"], {}), paid.get(program["pk"], {})
        if not (c or a or p):
            continue
        by_program.append({
            "code": program["code"], "name": program["name"], "kind": program["kind"],
            "kind_label": str(kinds.get(program["kind"], program["kind"])),
            "claimed_claims": c.get("claims", 0), "claimed_lines": c.get("lines", 0), "claimed": _money(c.get("fen")),
            "approved_claims": a.get("claims", 0), "approved_lines": a.get("lines", 0),
            "approved": _money(a.get("fen")), "paid": _money(p.get("fen")), "paid_runs": p.get("runs", 0),
            "paid_enterprises": p.get("enterprises", 0),
        })  # fmt: skip
        totals["claimed"] += c.get("fen") or 0
        totals["approved"] += a.get("fen") or 0
        totals["paid"] += p.get("fen") or 0
        totals["claimed_lines"] += c.get("lines", 0)
        totals["approved_lines"] += a.get("lines", 0)
    names = {program["pk"]: program["name"] for program in programs}
    payers: dict[str, int] = {}
    for row in shares:
        payers[row["payer"]] = payers.get(row["payer"], 0) + (row["fen"] or 0)
    return {
        "by_program": by_program,
        "by_payer": [{"payer": payer, "paid": _money(fen)} for payer, fen in payers.items()],
        "by_program_payer": [
            {"program": names.get(row["run__program"], ""), "payer": row["payer"], "paid": _money(row["fen"])}
            for row in sorted(shares, key=lambda r: (names.get(r["run__program"], ""), r["payer"]))
        ],
        "totals": {key: (_money(value) if key in ("claimed", "approved", "paid") else value)
                   for key, value in totals.items()},  # fmt: skip
    }


# --- Specialty–industry alignment ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def specialty_industry_map() -> tuple[str, dict[int, tuple[str, ...]]]:
    """(version, {专业大类 number: GB/T 4754 section letters}) from reports/reference_data/."""
    version, body = "", []
    for line in MAPPING_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            if line.startswith("# version:"):
                version = line.split(":", 1)[1].strip()
        elif line.strip():
            body.append(line)
    mapping = {int(row["number"]): tuple(row["sections"].split()) for row in csv.DictReader(body)}
    return version, mapping


def alignment(year: Year) -> dict:
    """Share of member schools' specialties whose 专业大类 maps to a section of at least one member enterprise
    (members on the last day of the year). 4 queries."""
    version, mapping = specialty_industry_map()
    members = members_on(year.last_day).values("pk")
    offered = {
        row["specialty__specialty_class__category"]: row
        for row in MemberSpecialty.objects.filter(
            member_unit__in=members, member_unit__kind__in=MemberKind.school_kinds()
        )
        .values("specialty__specialty_class__category")
        .annotate(offerings=Count("pk"), schools=Count("member_unit", distinct=True),
                  specialties=Count("specialty", distinct=True))
        .order_by()
    }  # fmt: skip
    enterprises = {
        row["industry_division__section"]: row["n"]
        for row in MemberUnit.objects.filter(pk__in=members, kind=MemberKind.ENTERPRISE, industry_division__isnull=False)
        .values("industry_division__section")
        .annotate(n=Count("pk"))
        .order_by()
    }
    section_names = dict(IndustrySection.objects.values_list("code", "name"))
    categories = list(SpecialtyCategory.objects.order_by("number").values_list("number", "name"))
    table, rows = [], []
    for number, name in categories:
        sections = mapping.get(number, ())
        table.append({"number": number, "category": name, "sections": list(sections),
                      "section_names": [f"{code} {section_names.get(code, '')}".strip() for code in sections]})  # fmt: skip
        row = offered.get(number)
        if not row:
            continue
        matched = [code for code in sections if enterprises.get(code)]
        rows.append({
            "number": number, "category": name, "offerings": row["offerings"], "schools": row["schools"],
            "specialties": row["specialties"], "sections": list(sections), "matched_sections": matched,
            "enterprises": sum(enterprises.get(code, 0) for code in sections), "aligned": bool(matched),
        })  # fmt: skip
    offerings = sum(row["offerings"] for row in rows)
    aligned = sum(row["offerings"] for row in rows if row["aligned"])
    return {
        "mapping_version": version,
        "mapping": table,
        "by_category": rows,
        "enterprise_sections": [
            {"code": code, "name": section_names.get(code, ""), "enterprises": n} for code, n in sorted(enterprises.items())
        ],
        "offerings": offerings,
        "aligned_offerings": aligned,
        "share": _share(aligned, offerings),
    }


# --- Dormant members -----------------------------------------------------------------------------------------


def dormant(year: Year) -> dict:
    """Members at the year's end with no activity in the 12 months before it (events.activity's selection). 1 query."""
    units = list(
        dormant_members(DORMANT_MONTHS, today=year.last_day, units=MemberUnit.objects.filter(
            pk__in=members_on(year.last_day).values("pk")
        )).values("name", "kind", "admitted_on", "last_activity_on")
    )  # fmt: skip
    labels = dict(MemberKind.choices)
    by_kind = {}
    for unit in units:
        by_kind[unit["kind"]] = by_kind.get(unit["kind"], 0) + 1
    return {
        "months": DORMANT_MONTHS,
        "since": _day(dormant_cutoff(DORMANT_MONTHS, year.last_day)),
        "count": len(units),
        "by_kind": [{"kind": kind.value, "label": str(kind.label), "count": by_kind[kind.value]}
                    for kind in MemberKind if kind.value in by_kind],  # fmt: skip
        "units": [{"name": unit["name"], "kind": unit["kind"], "kind_label": str(labels.get(unit["kind"], "")),
                   "admitted_on": _day(unit["admitted_on"]), "last_activity_on": _day(unit["last_activity_on"])}
                  for unit in units],  # fmt: skip
    }


# --- The whole year ------------------------------------------------------------------------------------------

SECTIONS = (
    ("membership", membership),
    ("governance", governance),
    ("events", events),
    ("cooperation", cooperation),
    ("internships", internships),
    ("subsidies", subsidies),
    ("alignment", alignment),
    ("dormant", dormant),
)


def annual_figures(alliance, year: int, progress=None) -> dict:
    """Every section of the annual report of `alliance` for calendar `year`. Call inside the alliance's scope.
    `progress(section_name, index, count)` is called before each section (the job reports it)."""
    period = Year(int(year))
    figures = {
        "alliance": {"name": alliance.name, "short_name": alliance.short_name, "slug": alliance.slug,
                     "kind": alliance.get_kind_display(), "region_code": alliance.region_code,
                     "lead_department": alliance.lead_department, "founded_on": _day(alliance.founded_on)},
        "year": period.year,
        "first_day": _day(period.first_day),
        "last_day": _day(period.last_day),
        "previous_last_day": _day(period.previous_last_day),
    }  # fmt: skip
    for index, (name, compute) in enumerate(SECTIONS):
        if progress:
            progress(name, index, len(SECTIONS))
        figures[name] = compute(period)
    figures["definitions"] = definitions(figures)
    return figures


def definitions(figures: dict | None = None) -> list[dict]:
    """What each figure means, in the reader's language: printed in both files and in docs/architecture.md."""
    months = DORMANT_MONTHS
    version = (figures or {}).get("alignment", {}).get("mapping_version") or specialty_industry_map()[0]
    items = [
        (_("Year"), _("The calendar year, 1 January to 31 December, in China Standard Time (Asia/Shanghai).")),
        (_("Member on a date"), _(
            "A unit is a member on a date when it was admitted on or before that day (admission, or registration as "
            "a member by the secretariat, according to its timeline and its admission date) and has not withdrawn "
            "or been expelled since; a withdrawal or expulsion effective on the day itself ends membership that day. "
            "Suspended members remain members.")),
        (_("Joins, withdrawals, expulsions"), _(
            "Units admitted in the year; withdrawals that took effect in the year; expulsions decided in the year "
            "(by their effective date). A unit is counted once per column.")),
        (_("Meetings and resolutions"), _(
            "Council and standing-council meetings held in the year; attendance is the members present as a share "
            "of the seats of the body, over all its meetings. Resolutions are those of these meetings, passed or "
            "not under the charter's quorum and threshold.")),
        (_("Events"), _(
            "Events that started in the year and were published (cancelled ones counted apart; drafts not at all). "
            "Registrations: places taken (registered, confirmed, checked in or absent; not waitlisted or "
            "cancelled). Attendance: people checked in. Units: distinct member units with at least one person "
            "checked in; the total counts each unit once.")),
        (_("Cooperation records"), _(
            "Signed in the year: signing date (else start date) in the year. In force at year end: started on or "
            "before 31 December, not ended before it, and neither planned nor terminated. Running in the year: "
            "started by the year's end, not ended before its start, and not planned. Students and participants are "
            "those of records running in the year; graduates employed are those of classes graduating in the year.")),
        (_("Interns"), _(
            "Distinct students, identified by the keyed hash of their resident ID number (never by name), on "
            "internship-post claim lines whose school confirmed them and whose reviewer did not reject them, on "
            "claims submitted and not rejected, with internship dates (else the period's dates) overlapping the "
            "year. A student with two host enterprises counts once in the total and once in each group, so groups "
            "can add up to more than the total.")),
        (_("Claimed"), _(
            "Lines of claims first submitted in the year, valued at the standard rate of the program version fixed "
            "to the claim: the rate per post and semester or per person; the rate times full months (up to the "
            "version's maximum) per person and month; the national or provincial amount of a one-time award. "
            "Before checks, the once-per-student rule, caps and budget.")),
        (_("Approved"), _(
            "Lines approved by the reviewer and confirmed by their school (or naming none) on claims approved in "
            "the year, valued the same way as claimed amounts.")),
        (_("Paid"), _(
            "Disbursements of calculation runs recorded as paid with a payment date in the year: the amounts "
            "actually paid after all rules, caps and the budget. Per payer: the payers' shares of these "
            "disbursements, which add up to the paid amount to the fen.")),
        (_("Specialty–industry alignment"), _(
            "For the specialties offered by schools that were members at year end: an offering (a school and a "
            "specialty) is aligned when its specialty category (专业大类) maps, through the table shown (version "
            "%(version)s), to a GB/T 4754 section in which at least one enterprise that was a member at year end "
            "is classified. The share is aligned offerings over all offerings. Specialties are those recorded "
            "now.") % {"version": version}),
        (_("Dormant members"), _(
            "Members at year end that were admitted at least %(months)d months before it and had no activity in the "
            "%(months)d months up to 31 December: no person checked in at an event, no cooperation record signed "
            "or started, no subsidy claim submitted.") % {"months": months}),
        (_("Money"), _("Amounts are in yuan (CNY) with two decimals, summed exactly in fen.")),
    ]
    return [{"term": str(term), "text": str(text)} for term, text in items]

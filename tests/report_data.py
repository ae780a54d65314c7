"""A generated alliance for the annual report's tests and bench: units with timelines (admissions, withdrawals,
expulsions, re-admissions), specialties, meetings and resolutions, events with registrations, cooperation records,
subsidy programs with claims and lines, and paid calculation runs with payer shares. Made with bulk_create (no
services), seeded so every run gives the same rows. Call inside a scope that allows the alliance."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from alliances.governance import Meeting, Resolution
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
    IndustryDivision,
    MemberKind,
    MembershipAction,
    MembershipEvent,
    MemberSpecialty,
    MemberStatus,
    MemberUnit,
    Specialty,
)
from subsidies.models import (
    CalculationRun,
    Claim,
    ClaimLine,
    ClaimStatus,
    Disbursement,
    DisbursementShare,
    FundingShare,
    LineReview,
    Period,
    PeriodKind,
    Program,
    ProgramKind,
    ProgramVersion,
    RateUnit,
    RunStatus,
    SchoolDecision,
    SpecialtyLevelAward,
)

SCHOOL_KINDS = [MemberKind.TECHNICAL_SCHOOL, MemberKind.SECONDARY_VOCATIONAL, MemberKind.HIGHER_VOCATIONAL]
OTHER_KINDS = [MemberKind.ASSOCIATION, MemberKind.RESEARCH_INSTITUTE, MemberKind.TRAINING_INSTITUTION]


def aware(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def day_in(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def populate(alliance, *, year: int, units: int = 300, lines: int = 3000, events: int = 80, seed: int = 7,
             internships_only: bool = False) -> dict:
    """Fill `alliance` with data around `year` (from two years before to the year after); answers counts.
    `internships_only`: every claim is under one of the two internship-post programs (the bench's 20,000 lines)."""
    rng = random.Random(seed)
    first, last = datetime.date(year - 2, 1, 1), datetime.date(year + 1, 6, 30)
    divisions = list(IndustryDivision.objects.order_by("code").values_list("code", flat=True))
    specialties = list(Specialty.objects.order_by("code").values_list("code", flat=True))

    # --- units and their timelines
    schools_n, others_n = max(4, units // 8), max(2, units // 15)
    kinds = ([rng.choice(SCHOOL_KINDS) for _ in range(schools_n)] + [rng.choice(OTHER_KINDS) for _ in range(others_n)]
             + [MemberKind.ENTERPRISE] * (units - schools_n - others_n))  # fmt: skip
    rows, timeline_plan = [], []
    for number, kind in enumerate(kinds, start=1):
        admitted = day_in(rng, datetime.date(year - 4, 1, 1), datetime.date(year, 12, 31))
        fate = rng.random()
        status, left, readmitted = MemberStatus.ADMITTED, None, None
        if fate < 0.08:
            status, left = MemberStatus.WITHDRAWN, day_in(rng, admitted, last)
        elif fate < 0.12:
            status, left = MemberStatus.EXPELLED, day_in(rng, admitted, last)
        elif fate < 0.16:
            status = MemberStatus.SUSPENDED
        elif fate < 0.20 and admitted.year <= year - 2:  # left once, admitted again later
            left = day_in(rng, admitted, datetime.date(year - 1, 6, 30))
            readmitted = day_in(rng, left + datetime.timedelta(days=30), datetime.date(year + 1, 3, 1))
        elif fate < 0.24:
            status, admitted = MemberStatus.UNDER_REVIEW, None
        rows.append(MemberUnit(
            alliance=alliance, kind=kind, name=f"{alliance.slug}单位{number:05d}", credit_code=f"X{number:017d}",
            status=status, admitted_on=readmitted or admitted, left_on=None if readmitted else left,
            applied_on=admitted, industry_division_id=rng.choice(divisions) if kind == MemberKind.ENTERPRISE and
            rng.random() < 0.9 else None,
        ))  # fmt: skip
        timeline_plan.append((kind, admitted, status, left, readmitted))
    unit_objects = MemberUnit.objects.bulk_create(rows)
    timeline = []
    for unit, (_kind, admitted, status, left, readmitted) in zip(unit_objects, timeline_plan, strict=True):
        if admitted is None:
            continue
        with_timeline = rng.random() < 0.85  # the rest rely on admitted_on / left_on only
        if with_timeline or readmitted:
            action = rng.choice([MembershipAction.ADMITTED, MembershipAction.CREATED, MembershipAction.IMPORTED])
            timeline.append(MembershipEvent(
                alliance=alliance, member_unit=unit, action=action, to_status=MemberStatus.ADMITTED,
                effective_on=admitted if rng.random() < 0.8 else None, occurred_at=aware(admitted),
            ))  # fmt: skip
            if status == MemberStatus.SUSPENDED:
                timeline.append(MembershipEvent(alliance=alliance, member_unit=unit, action=MembershipAction.SUSPENDED,
                                                to_status=MemberStatus.SUSPENDED, occurred_at=aware(admitted, 15)))  # fmt: skip
        if left and (with_timeline or readmitted):
            action = MembershipAction.EXPELLED if status == MemberStatus.EXPELLED else MembershipAction.WITHDRAWN
            timeline.append(MembershipEvent(
                alliance=alliance, member_unit=unit, action=action, to_status=action, effective_on=left,
                occurred_at=aware(left, 11),
            ))  # fmt: skip
        if readmitted:
            timeline.append(MembershipEvent(
                alliance=alliance, member_unit=unit, action=MembershipAction.ADMITTED, to_status=MemberStatus.ADMITTED,
                effective_on=readmitted, occurred_at=aware(readmitted),
            ))  # fmt: skip
    MembershipEvent.objects.bulk_create(timeline)
    schools = [u for u in unit_objects if u.kind in SCHOOL_KINDS]
    enterprises = [u for u in unit_objects if u.kind == MemberKind.ENTERPRISE]
    MemberSpecialty.objects.bulk_create([
        MemberSpecialty(alliance=alliance, member_unit=school, specialty_id=code)
        for school in schools for code in rng.sample(specialties, rng.randint(2, 8))
    ])  # fmt: skip

    # --- governance
    meetings = Meeting.objects.bulk_create([
        Meeting(alliance=alliance, body=rng.choice(["council", "standing_council"]), title=f"会议{i}",
                held_on=day_in(rng, first, last), seats=30, present=rng.randint(15, 30))
        for i in range(12)
    ])  # fmt: skip
    Resolution.objects.bulk_create([
        Resolution(alliance=alliance, meeting=rng.choice(meetings), number=f"R{i:04d}",
                   subject=rng.choice(["admission", "withdrawal", "expulsion", "charter", "other"]), title=f"决议{i}",
                   votes_for=20, votes_against=2, votes_abstaining=1, quorum_met=True, passed=rng.random() < 0.85)
        for i in range(30)
    ])  # fmt: skip

    # --- events and registrations
    event_rows = []
    for i in range(events):
        start = aware(day_in(rng, first, last), rng.choice([0, 9, 14, 23]))
        event_rows.append(Event(
            alliance=alliance, kind=rng.choice(list(EventKind)), title=f"活动{i}", starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            status=rng.choice([EventStatus.PUBLISHED, EventStatus.FINISHED, EventStatus.FINISHED, EventStatus.CANCELLED,
                               EventStatus.DRAFT]),
        ))  # fmt: skip
    event_objects = Event.objects.bulk_create(event_rows)
    statuses = list(RegistrationStatus)
    Registration.objects.bulk_create([
        Registration(alliance=alliance, event=rng.choice(event_objects), member_unit=rng.choice(unit_objects),
                     person_name="参会代表李某", status=rng.choice(statuses + [RegistrationStatus.CHECKED_IN] * 3))
        for _ in range(events * 15)
    ])  # fmt: skip

    # --- cooperation
    records = []
    for i in range(max(50, units // 2)):
        kind = rng.choice(list(CooperationKind))
        signed = day_in(rng, first, last) if rng.random() < 0.9 else None
        starts = (signed or day_in(rng, first, last)) + datetime.timedelta(days=rng.randint(0, 60)) \
            if rng.random() < 0.8 else None
        ends = starts + datetime.timedelta(days=rng.randint(30, 900)) if starts and rng.random() < 0.6 else None
        students = rng.randint(20, 50) if kind in CooperationKind.class_kinds() else None
        records.append(CooperationRecord(
            alliance=alliance, kind=kind, title=f"合作{i}", school=rng.choice(schools), enterprise=rng.choice(enterprises),
            status=rng.choice(list(CooperationStatus)), signed_on=signed, starts_on=starts, ends_on=ends,
            students=students, graduation_year=rng.choice([year - 1, year, year + 1]) if students else None,
            graduates_employed=rng.randint(0, students) if students else None,
            participants=rng.randint(1, 40) if kind not in CooperationKind.class_kinds() else None,
        ))  # fmt: skip
    CooperationRecord.objects.bulk_create(records)

    # --- subsidies
    specs = [("internship", ProgramKind.INTERNSHIP_POST, RateUnit.POST_SEMESTER, Decimal("300"), None, None),
             ("monthly", ProgramKind.INTERNSHIP_POST, RateUnit.PERSON_MONTH, Decimal("300"), None, 3),
             ("order", ProgramKind.ORDER_CLASS, RateUnit.PERSON, Decimal("10000"), None, None),
             ("award", ProgramKind.QUALITY_SPECIALTY, RateUnit.ONE_TIME, Decimal("1000000"), Decimal("500000"), None)]
    programs, versions = [], []
    for code, kind, unit, rate, secondary, max_months in specs:
        program = Program.objects.create(alliance=alliance, code=code, name=f"{code}项目", kind=kind)
        version = ProgramVersion.objects.create(
            alliance=alliance, program=program, number=1, effective_from=datetime.date(year - 3, 1, 1), unit=unit,
            rate=rate, secondary_rate=secondary, max_months=max_months,
        )  # fmt: skip
        FundingShare.objects.create(alliance=alliance, version=version, payer="市财政", percent=Decimal("60"), position=0)
        FundingShare.objects.create(alliance=alliance, version=version, payer="区县财政", percent=Decimal("40"), position=1)
        programs.append(program)
        versions.append(version)
    periods = []
    for academic_year in (year - 2, year - 1, year):
        for semester, (start, end) in ((1, ((academic_year, 9, 1), (academic_year + 1, 1, 31))),
                                       (2, ((academic_year + 1, 2, 1), (academic_year + 1, 7, 31)))):  # fmt: skip
            periods.append(Period.objects.create(
                alliance=alliance, kind=PeriodKind.SEMESTER, name=f"{academic_year}-{semester}",
                academic_year=academic_year, semester=semester, starts_on=datetime.date(*start),
                ends_on=datetime.date(*end), claim_deadline=datetime.date(*end) + datetime.timedelta(days=30),
            ))  # fmt: skip
    claim_rows, seen = [], set()
    claim_statuses = list(ClaimStatus)
    while len(claim_rows) < max(20, lines // 25):
        index = rng.randrange(2 if internships_only else len(programs))
        key = (rng.choice(enterprises).pk, index, rng.randrange(len(periods)))
        if key in seen:
            continue
        seen.add(key)
        period = periods[key[2]]
        status = rng.choice(claim_statuses + [ClaimStatus.APPROVED] * 3)
        submitted = None if status == ClaimStatus.DRAFT else aware(
            period.ends_on + datetime.timedelta(days=rng.randint(-20, 25)), rng.choice([0, 8, 23]))
        decided = aware(submitted.date() + datetime.timedelta(days=rng.randint(1, 60))) \
            if status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED) else None
        claim_rows.append(Claim(
            alliance=alliance, program=programs[index], period=period, enterprise_id=key[0],
            program_version=versions[index] if submitted else None, number=f"C{len(claim_rows):06d}",
            status=status, submitted_at=submitted, first_submitted_at=submitted, decided_at=decided,
        ))  # fmt: skip
    claims = Claim.objects.bulk_create(claim_rows)
    students = [f"hash{n:06d}" for n in range(int(lines * 0.8))]
    specialty_names = ["数控技术", "机电一体化技术", "电气自动化技术", "计算机网络技术", "会计", " 护理 ", ""]
    line_rows = []
    for position in range(lines):
        claim = rng.choice(claims)
        period = next(p for p in periods if p.pk == claim.period_id)
        starts = day_in(rng, period.starts_on, period.ends_on) if rng.random() < 0.95 else None
        ends = day_in(rng, starts, period.ends_on) if starts and rng.random() < 0.97 else None
        line_rows.append(ClaimLine(
            alliance=alliance, claim=claim, position=position, student_name="实习生张某", resident_id_encrypted="x",
            resident_id_hash=rng.choice(students) if rng.random() < 0.98 else "", resident_id_masked="x",
            school=rng.choice(schools) if rng.random() < 0.95 else None, specialty=rng.choice(specialty_names),
            starts_on=starts, ends_on=ends,
            award_level=rng.choice([SpecialtyLevelAward.NATIONAL, SpecialtyLevelAward.PROVINCIAL, ""]),
            school_decision=rng.choice(list(SchoolDecision) + [SchoolDecision.CONFIRMED] * 3),
            review=rng.choice(list(LineReview) + [LineReview.APPROVED] * 3),
        ))  # fmt: skip
    ClaimLine.objects.bulk_create(line_rows, batch_size=500)

    runs, disbursements, shares = [], [], []
    for program, version in zip(programs, versions, strict=True):
        for period in periods:
            status = rng.choice(list(RunStatus))
            paid_on = day_in(rng, period.ends_on, period.ends_on + datetime.timedelta(days=200)) \
                if status == RunStatus.PAID else None
            runs.append(CalculationRun(alliance=alliance, program=program, period=period, program_version=version,
                                       status=status, paid_on=paid_on))  # fmt: skip
    runs = CalculationRun.objects.bulk_create(runs)
    claims_by = {}
    for claim in claims:
        claims_by.setdefault((claim.program_id, claim.period_id), []).append(claim)
    for run in runs:
        for claim in claims_by.get((run.program_id, run.period_id), [])[:10]:
            amount = Decimal(rng.randint(300, 900_000)) / 100
            disbursements.append(Disbursement(
                alliance=alliance, run=run, enterprise_id=claim.enterprise_id, claim=claim, lines=3,
                gross_amount=amount, capped_amount=amount, amount=amount,
            ))  # fmt: skip
    disbursements = Disbursement.objects.bulk_create(disbursements)
    for disbursement in disbursements:
        first_share = (disbursement.amount * Decimal("0.6")).quantize(Decimal("0.01"))
        shares += [
            DisbursementShare(alliance=alliance, disbursement=disbursement, run_id=disbursement.run_id, payer="市财政",
                              position=0, percent=Decimal("60"), amount=first_share),
            DisbursementShare(alliance=alliance, disbursement=disbursement, run_id=disbursement.run_id,
                              payer="区县财政", position=1, percent=Decimal("40"),
                              amount=disbursement.amount - first_share),
        ]  # fmt: skip
    DisbursementShare.objects.bulk_create(shares, batch_size=500)
    return {"units": len(unit_objects), "lines": lines, "events": events, "claims": len(claims),
            "registrations": events * 15, "records": len(records)}  # fmt: skip

"""Rows for the dashboard and bureau portal tests, made directly (no services) so that each test states its data.

Personal data is real-looking on purpose (names, mobiles, resident ID numbers, bank accounts): the portal tests
search the answers for them.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from alliances.personal_data import encrypt, keyed_hash, mask_bank_account, mask_resident_id
from events.models import Event, EventKind, EventStatus, Registration
from subsidies.models import (
    CalculationRun,
    Claim,
    ClaimLine,
    ClaimStatus,
    LineReview,
    Period,
    PeriodKind,
    Program,
    ProgramKind,
    ProgramVersion,
    RateUnit,
    RunStatus,
    SchoolDecision,
)

_numbers = itertools.count(1)
ZONE = timezone.get_current_timezone


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An aware moment on `day` (site time zone)."""
    return datetime.datetime.combine(day, datetime.time(hour, 0), ZONE())


def months_ago(today: datetime.date, months: int, day: int = 15) -> datetime.date:
    index = today.year * 12 + today.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, day)


def program(alliance, code: str = "internship-post", rate: str = "300.00", kind=ProgramKind.INTERNSHIP_POST):
    made = Program.objects.create(alliance=alliance, code=code, name=f"顶岗实习补助{code}", kind=kind)
    version = ProgramVersion.objects.create(
        alliance=alliance, program=made, number=1, effective_from=datetime.date(2020, 1, 1),
        unit=RateUnit.POST_SEMESTER, rate=Decimal(rate),
    )  # fmt: skip
    return made, version


def period(alliance, starts_on: datetime.date, name: str | None = None, months: int = 5):
    ends_on = months_ago(starts_on, -months, 1) - datetime.timedelta(days=1)
    return Period.objects.create(
        alliance=alliance, kind=PeriodKind.SEMESTER, name=name or f"学期{next(_numbers)}",
        academic_year=starts_on.year, semester=1, starts_on=starts_on, ends_on=ends_on,
        claim_deadline=ends_on + datetime.timedelta(days=28),
    )  # fmt: skip


BANK_ACCOUNT = "6222020200112233445"


def claim(alliance, program_, period_, enterprise, status=ClaimStatus.SUBMITTED, *, version=None, submitted=None,
          decided=None):  # fmt: skip
    number = next(_numbers)
    return Claim.objects.create(
        alliance=alliance, program=program_, period=period_, enterprise=enterprise, program_version=version,
        number=f"BT-{alliance.pk}-{number:05d}", status=status, payee_name=enterprise.name, bank_name="中国工商银行",
        bank_account_encrypted=encrypt(BANK_ACCOUNT), bank_account_masked=mask_bank_account(BANK_ACCOUNT),
        submitted_at=submitted, first_submitted_at=submitted, decided_at=decided,
    )  # fmt: skip


def resident_id(number: int) -> str:
    """A resident ID number with a valid check digit (GB 11643-1999), born 2005-01-01 in 370302."""
    body = f"37030220050101{number % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def line(alliance, claim_, school, *, review=LineReview.PENDING, decision=SchoolDecision.PENDING, name="刘晓明"):
    number = next(_numbers)
    rid = resident_id(number)
    return ClaimLine.objects.create(
        alliance=alliance, claim=claim_, position=number, student_name=name, resident_id_encrypted=encrypt(rid),
        resident_id_hash=keyed_hash(rid), resident_id_masked=mask_resident_id(rid),
        birth_date=datetime.date(2005, 1, 1), school=school, specialty="数控技术", post="操作工",
        starts_on=claim_.period.starts_on, ends_on=claim_.period.ends_on, agreement_number="XY-1",
        insurance_policy_number="BX-1", monthly_pay=Decimal("3000.00"), review=review, school_decision=decision,
    )  # fmt: skip


def run(alliance, program_, period_, version, status, total, *, finalised_at=None, paid_on=None):
    return CalculationRun.objects.create(
        alliance=alliance, program=program_, period=period_, program_version=version, status=status,
        total=Decimal(total), finalised_at=finalised_at, paid_on=paid_on,
    )  # fmt: skip


def event(alliance, title: str, starts_at: datetime.datetime, status=EventStatus.PUBLISHED, capacity=None,
          kind=EventKind.SEMINAR, hours: int = 4):  # fmt: skip
    return Event.objects.create(
        alliance=alliance, kind=kind, title=title, starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours), venue="淄博市技师学院报告厅", status=status,
        capacity=capacity,
    )  # fmt: skip


def registration(alliance, event_, unit, status, name="王建国", mobile="13912345678"):
    return Registration.objects.create(
        alliance=alliance, event=event_, member_unit=unit, person_name=name, mobile=mobile, status=status
    )



CONTACT_NAME, CONTACT_MOBILE = "赵联系", "13805330999"
STUDENT_NAME = "钱学生"
ATTENDEE_NAME, ATTENDEE_MOBILE = "孙参会", "13912345678"


def populate(alliance, year: int, size: int = 1, marker: str = "") -> None:
    """An alliance's year: members joining and leaving, events with attendance, cooperation, claims and payments.
    `size` multiplies the rows (for the query-count tests); personal data everywhere."""
    from alliances.tenancy import scope
    from events.models import CooperationKind, CooperationRecord, CooperationStatus, RegistrationStatus
    from members.models import Contact, MemberKind, MembershipAction, MembershipEvent, MemberStatus
    from subsidies.models import Disbursement

    from .factories import make_unit

    with scope(alliance.pk):
        schools = [make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"{marker}技工学校{alliance.pk}-{n}",
                             admitted_on=datetime.date(year - 2, 9, 1)) for n in range(2 * size)]  # fmt: skip
        enterprises = [make_unit(alliance, MemberKind.ENTERPRISE, name=f"{marker}企业{alliance.pk}-{n}",
                                 admitted_on=datetime.date(year, 3, 1)) for n in range(3 * size)]  # fmt: skip
        make_unit(alliance, MemberKind.ASSOCIATION, name=f"{marker}协会{alliance.pk}",
                  admitted_on=datetime.date(year - 3, 1, 1))  # fmt: skip
        withdrawn = make_unit(alliance, MemberKind.ENTERPRISE, name=f"{marker}退会企业{alliance.pk}",
                              status=MemberStatus.WITHDRAWN, admitted_on=datetime.date(year - 2, 1, 1),
                              left_on=datetime.date(year, 6, 30))  # fmt: skip
        MembershipEvent.objects.create(
            alliance=alliance, member_unit=withdrawn, action=MembershipAction.WITHDRAWN, to_status="withdrawn",
            effective_on=datetime.date(year, 6, 30), occurred_at=at(datetime.date(year, 6, 30)),
        )  # fmt: skip
        make_unit(alliance, MemberKind.ENTERPRISE, name=f"{marker}除名企业{alliance.pk}", status=MemberStatus.EXPELLED,
                  admitted_on=datetime.date(year - 2, 1, 1), left_on=datetime.date(year, 10, 8))  # fmt: skip
        for unit in schools[:1] + enterprises[:1]:
            Contact.objects.create(alliance=alliance, member_unit=unit, name=CONTACT_NAME, mobile=CONTACT_MOBILE)

        held = event(alliance, f"{marker}年会", at(datetime.date(year, 5, 20)), status=EventStatus.FINISHED)
        event(alliance, f"{marker}研讨会", at(datetime.date(year, 11, 2)))
        event(alliance, f"{marker}取消的活动", at(datetime.date(year, 4, 2)), status=EventStatus.CANCELLED)
        event(alliance, f"{marker}草稿", at(datetime.date(year, 4, 3)), status=EventStatus.DRAFT)
        for unit in enterprises:
            registration(alliance, held, unit, RegistrationStatus.CHECKED_IN, ATTENDEE_NAME, ATTENDEE_MOBILE)
        registration(alliance, held, schools[0], RegistrationStatus.NO_SHOW, ATTENDEE_NAME, ATTENDEE_MOBILE)

        records = [
            (CooperationKind.AGREEMENT, datetime.date(year, 4, 1), {}),
            (CooperationKind.LETTER_OF_INTENT, datetime.date(year, 8, 1), {}),
            (CooperationKind.ORDER_CLASS, datetime.date(year - 1, 9, 1), {"students": 40, "class_name": "数控班"}),
            (CooperationKind.MODERN_APPRENTICESHIP, datetime.date(year, 2, 1), {"participants": 12}),
            (CooperationKind.TRAINING_BASE, datetime.date(year - 2, 2, 1), {}),
        ]
        for kind, signed_on, extra in records * size:
            CooperationRecord.objects.create(
                alliance=alliance, kind=kind, title=f"{marker}合作{kind}", school=schools[0], enterprise=enterprises[0],
                signed_on=signed_on, status=CooperationStatus.ACTIVE, **extra,
            )  # fmt: skip

        program_, version = program(alliance, code=f"internship-post-{year}")
        period_ = period(alliance, datetime.date(year, 2, 1), name=f"{marker}{year}学期")
        submitted = at(datetime.date(year, 3, 10))
        for n, enterprise in enumerate(enterprises):
            status = ClaimStatus.APPROVED if n % 3 == 0 else ClaimStatus.UNDER_REVIEW
            decided = at(datetime.date(year, 7, 1)) if status == ClaimStatus.APPROVED else None
            claim_ = claim(alliance, program_, period_, enterprise, status, version=version, submitted=submitted,
                           decided=decided)  # fmt: skip
            for review in (LineReview.APPROVED, LineReview.APPROVED, LineReview.REJECTED):
                line(alliance, claim_, schools[0], review=review, decision=SchoolDecision.CONFIRMED, name=STUDENT_NAME)
            if status == ClaimStatus.APPROVED:
                run_ = run(alliance, program_, period_, version, RunStatus.PAID, "600.00",
                           finalised_at=at(datetime.date(year, 8, 1)), paid_on=datetime.date(year, 9, 1))  # fmt: skip
                Disbursement.objects.create(
                    alliance=alliance, run=run_, enterprise=enterprise, claim=claim_, lines=2,
                    gross_amount=Decimal("600.00"), capped_amount=Decimal("600.00"), amount=Decimal("600.00"),
                )  # fmt: skip

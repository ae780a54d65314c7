"""One row of every subsidies and events model for an alliance, made directly (no services), for the isolation
walk and the permission walk. `marker` goes into the text fields so a leak can be seen in any answer."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from alliances.personal_data import encrypt, keyed_hash, mask_resident_id

RESIDENT_ID = "370302200501011237"


def subsidy_rows(alliance, enterprise, school, user, marker: str = "") -> dict:
    from subsidies.models import (
        CalculationRun,
        Claim,
        ClaimDocument,
        ClaimLine,
        ClaimStatus,
        ClaimTransition,
        Disbursement,
        DisbursementShare,
        FundingShare,
        Period,
        PeriodKind,
        Program,
        ProgramKind,
        ProgramVersion,
        RateUnit,
        RunLine,
    )

    program = Program.objects.create(
        alliance=alliance,
        code=f"internship-{alliance.pk}",
        name=f"{marker}顶岗实习补助",
        kind=ProgramKind.INTERNSHIP_POST,
    )
    version = ProgramVersion.objects.create(
        alliance=alliance, program=program, number=1, effective_from=datetime.date(2024, 1, 1),
        unit=RateUnit.POST_SEMESTER, rate=Decimal("300.00"), policy_reference=marker,
    )  # fmt: skip
    share = FundingShare.objects.create(
        alliance=alliance, version=version, payer=f"{marker}市财政", percent=Decimal("100")
    )
    period = Period.objects.create(
        alliance=alliance, kind=PeriodKind.SEMESTER, name=f"{marker}2024–2025学年第一学期", academic_year=2024,
        semester=1, starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2025, 1, 31),
        claim_deadline=datetime.date(2025, 2, 28),
    )  # fmt: skip
    claim = Claim.objects.create(
        alliance=alliance, program=program, period=period, enterprise=enterprise, program_version=version,
        number=f"C{alliance.pk}-0001", status=ClaimStatus.SUBMITTED, payee_name=f"{marker}精密制造",
        bank_account_encrypted=encrypt("6222020200112233445"), bank_account_masked="**** **** 3445", note=marker,
        submitted_at=timezone.now(), created_by=user,
    )  # fmt: skip
    line = ClaimLine.objects.create(
        alliance=alliance, claim=claim, position=1, student_name=f"{marker}学生", resident_id_encrypted=encrypt(RESIDENT_ID),
        resident_id_hash=keyed_hash(RESIDENT_ID), resident_id_masked=mask_resident_id(RESIDENT_ID),
        birth_date=datetime.date(2005, 1, 1), school=school, specialty=f"{marker}数控技术", post=f"{marker}操作工",
        starts_on=datetime.date(2024, 9, 2), ends_on=datetime.date(2025, 1, 20), agreement_number="XY-1",
        insurance_policy_number="BX-1", monthly_pay=Decimal("3000.00"),
    )  # fmt: skip
    document = ClaimDocument(
        alliance=alliance,
        claim=claim,
        title=f"{marker}协议.pdf",
        content_type="application/pdf",
        size=20,
        uploaded_by=user,
    )
    document.file.save("agreement.pdf", ContentFile(b"%PDF-1.4 " + marker.encode()), save=True)
    transition = ClaimTransition.objects.create(
        alliance=alliance, claim=claim, from_status=ClaimStatus.DRAFT, to_status=ClaimStatus.SUBMITTED, reason=marker,
        actor=user,
    )  # fmt: skip
    run = CalculationRun.objects.create(
        alliance=alliance, program=program, period=period, program_version=version, total=Decimal("300.00"),
        payment_reference=marker,
    )  # fmt: skip
    run_line = RunLine.objects.create(
        alliance=alliance, run=run, claim_line=line, enterprise=enterprise, rule="rate", explanation=marker,
        base_amount=Decimal("300.00"), amount=Decimal("300.00"),
    )  # fmt: skip
    disbursement = Disbursement.objects.create(
        alliance=alliance, run=run, enterprise=enterprise, claim=claim, lines=1, gross_amount=Decimal("300.00"),
        capped_amount=Decimal("300.00"), amount=Decimal("300.00"), explanation=marker,
    )  # fmt: skip
    disbursement_share = DisbursementShare.objects.create(
        alliance=alliance, disbursement=disbursement, run=run, payer=f"{marker}市财政", percent=Decimal("100"),
        amount=Decimal("300.00"),
    )  # fmt: skip
    return {
        "program_id": program, "programversion_id": version, "fundingshare_id": share, "period_id": period,
        "claim_id": claim, "claimline_id": line, "claimdocument_id": document, "claimtransition_id": transition,
        "calculationrun_id": run, "runline_id": run_line, "disbursement_id": disbursement,
        "disbursementshare_id": disbursement_share,
    }  # fmt: skip


def event_rows(alliance, enterprise, school, user, meeting=None, marker: str = "") -> dict:
    from events.models import (
        AgendaItem,
        CalendarFeed,
        CooperationDocument,
        CooperationKind,
        CooperationRecord,
        Event,
        EventAttachment,
        EventKind,
        EventOrganiser,
        EventStatus,
        FeedScope,
        Registration,
    )

    starts = timezone.make_aware(datetime.datetime(2026, 5, 20, 9, 0))
    event = Event.objects.create(
        alliance=alliance, kind=EventKind.COMPETITION, title=f"{marker}数控技能大赛", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8), venue=f"{marker}实训中心", host_unit=school,
        description=marker, status=EventStatus.PUBLISHED, capacity=10, quota_per_unit=2, minutes=marker,
        published_at=starts - datetime.timedelta(days=30), created_by=user,
    )  # fmt: skip
    organiser = EventOrganiser.objects.create(alliance=alliance, event=event, member_unit=enterprise)
    agenda = AgendaItem.objects.create(
        alliance=alliance,
        event=event,
        starts_at=datetime.time(9, 0),
        topic=f"{marker}开幕式",
        speaker=f"{marker}理事长",
    )
    attachment = EventAttachment(
        alliance=alliance,
        event=event,
        title=f"{marker}通知.pdf",
        content_type="application/pdf",
        size=20,
        uploaded_by=user,
    )
    attachment.file.save("notice.pdf", ContentFile(b"%PDF-1.4 " + marker.encode()), save=True)
    registration = Registration.objects.create(
        alliance=alliance, event=event, member_unit=enterprise, person_name=f"{marker}选手", mobile="13900000001",
        registered_by=user,
    )  # fmt: skip
    record = CooperationRecord.objects.create(
        alliance=alliance, kind=CooperationKind.ORDER_CLASS, title=f"{marker}数控订单班", school=school,
        enterprise=enterprise, signed_on=datetime.date(2026, 5, 20), event=event, class_name=f"{marker}精密班",
        students=40, graduation_year=2027, graduates_employed=30, description=marker, created_by=user,
    )  # fmt: skip
    document = CooperationDocument(
        alliance=alliance, record=record, title=f"{marker}订单班协议.pdf", content_type="application/pdf", size=20,
        uploaded_by=user,
    )  # fmt: skip
    document.file.save("order-class.pdf", ContentFile(b"%PDF-1.4 " + marker.encode()), save=True)
    feed = CalendarFeed.objects.create(alliance=alliance, user=user, scope=FeedScope.ALLIANCE)
    return {
        "event_id": event, "eventorganiser_id": organiser, "agendaitem_id": agenda, "eventattachment_id": attachment,
        "registration_id": registration, "cooperationrecord_id": record, "cooperationdocument_id": document,
        "calendarfeed_id": feed,
    }  # fmt: skip

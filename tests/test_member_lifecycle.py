"""The membership state machine: every transition from every status, valid ones applied and audited, invalid ones
refused with a message and no change; the charter's notice period, quorum and threshold; notifications."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alliances.governance_services import record_meeting, record_resolution
from alliances.models import AuditEntry
from alliances.tenancy import scope
from members import services
from members.identifiers import make_credit_code
from members.models import (
    CouncilRole,
    MembershipEvent,
    MemberStatus,
    MemberUnit,
    RequestStatus,
    WithdrawalRequest,
)
from members.views.lifecycle import _run

from .factories import make_alliance, make_unit

S = MemberStatus


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in their English source form."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def alliance(db):
    alliance = make_alliance()
    with scope(alliance.pk):
        for number in range(6):  # a standing council of six, each with an e-mail contact
            unit = make_unit(alliance, council_role=CouncilRole.STANDING)
            unit.contacts.create(alliance=alliance, name=f"联系人{number}", email=f"member{number}@example.cn")
        yield alliance


def resolution(alliance, subject, *, body=None, votes_for=5, present=6, seats=None, number=None):
    body = body or ("standing_council" if subject == "withdrawal" else "council")
    meeting = record_meeting(
        alliance=alliance, body=body, title="理事会会议", held_on=timezone.localdate(), present=present, seats=seats
    )
    return record_resolution(
        meeting=meeting, number=number or f"R-{MembershipEvent.objects.count()}-{subject}-{meeting.pk}",
        subject=subject, title="决议", votes_for=votes_for, votes_against=present - votes_for, votes_abstaining=0,
    )  # fmt: skip


def unit_in(alliance, status: str) -> MemberUnit:
    unit = make_unit(alliance, status=status)
    if status == S.WITHDRAWAL_REQUESTED:
        today = timezone.localdate()
        WithdrawalRequest.objects.create(
            alliance=alliance, member_unit=unit, requested_on=today - timedelta(days=200),
            earliest_effective_on=today - timedelta(days=110), effective_on=today - timedelta(days=100), reason="调整",
        )  # fmt: skip
    return unit


def inputs_for(name: str, alliance) -> dict:
    subject = services.LIFECYCLE[name].resolution_subject
    data = {"reason": "依章程办理"}
    if subject:
        data["resolution"] = resolution(alliance, subject)
    return data


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("name", [n for n in services.LIFECYCLE if n != "reapply"])
def test_every_transition_from_every_status(alliance, name, status):
    transition = services.LIFECYCLE[name]
    unit = unit_in(alliance, status)
    if name == "approve_withdrawal" or name == "decline_withdrawal":
        WithdrawalRequest.objects.filter(member_unit=unit).update(status=RequestStatus.PENDING)
    if name == "complete_withdrawal":
        WithdrawalRequest.objects.filter(member_unit=unit).update(status=RequestStatus.APPROVED)
    data = inputs_for(name, alliance)
    events_before = MembershipEvent.objects.filter(member_unit=unit).count()
    if status in transition.sources:
        _run(name, unit, data)
        unit.refresh_from_db()
        expected = transition.target
        if name == "approve_withdrawal":  # effective date already passed: it completes at once
            expected = S.WITHDRAWN
        assert unit.status == expected
        assert MembershipEvent.objects.filter(member_unit=unit).count() > events_before
        assert AuditEntry.objects.filter(object_id=str(unit.pk), action=f"member.{name}").exists()
    else:
        with pytest.raises(ValidationError) as caught:
            _run(name, unit, data)
        assert unit.name in " ".join(caught.value.messages)
        unit.refresh_from_db()
        assert unit.status == status
        assert MembershipEvent.objects.filter(member_unit=unit).count() == events_before


def test_state_machine_table_matches_design():
    edges = {(source, t.target) for t in services.LIFECYCLE.values() for source in t.sources}
    design = {
        (S.APPLIED, S.UNDER_REVIEW), (S.UNDER_REVIEW, S.INFO_REQUESTED), (S.INFO_REQUESTED, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.ADMITTED), (S.UNDER_REVIEW, S.REJECTED), (S.ADMITTED, S.WITHDRAWAL_REQUESTED),
        (S.WITHDRAWAL_REQUESTED, S.WITHDRAWN), (S.ADMITTED, S.SUSPENDED), (S.SUSPENDED, S.ADMITTED),
        (S.ADMITTED, S.EXPELLED),
    }  # fmt: skip
    assert design <= edges
    assert services.allowed_transitions(S.EXPELLED) == []


def test_admission_needs_a_passed_admission_resolution(alliance):
    unit = unit_in(alliance, S.UNDER_REVIEW)
    with pytest.raises(ValidationError, match="resolution"):
        services.admit_member(unit, resolution=None)
    failed = resolution(alliance, "admission", votes_for=3, present=6)  # 3/6 < 2/3
    assert failed.quorum_met and not failed.passed
    with pytest.raises(ValidationError, match="did not pass"):
        services.admit_member(unit, resolution=failed)
    wrong_subject = resolution(alliance, "expulsion")
    with pytest.raises(ValidationError):
        services.admit_member(unit, resolution=wrong_subject)
    inquorate = resolution(alliance, "admission", votes_for=3, present=3, seats=6)  # 3/6 present < 2/3
    assert not inquorate.quorum_met and not inquorate.passed
    with pytest.raises(ValidationError, match="quorum"):
        services.admit_member(unit, resolution=inquorate)
    unit.refresh_from_db()
    assert unit.status == S.UNDER_REVIEW and unit.member_number == ""


def test_quorum_and_threshold_at_the_boundary(alliance):
    exactly = resolution(alliance, "admission", votes_for=4, present=6, seats=9)  # 6/9 = 2/3, 4/6 = 2/3
    assert exactly.quorum_met and exactly.passed
    below = resolution(alliance, "admission", votes_for=3, present=5, seats=9)  # 5/9 < 2/3
    assert not below.quorum_met and not below.passed
    with pytest.raises(ValidationError, match="standing council|常务理事会"):
        resolution(alliance, "withdrawal", body="council")  # the charter names the standing council


def test_admission_gives_consecutive_member_numbers(alliance):
    passed = resolution(alliance, "admission")
    first, second = unit_in(alliance, S.UNDER_REVIEW), unit_in(alliance, S.UNDER_REVIEW)
    services.admit_member(first, resolution=passed)
    services.admit_member(second, resolution=passed)
    first.refresh_from_db(), second.refresh_from_db()
    year = passed.meeting.held_on.year
    prefix = services.member_number_prefix(alliance)
    assert (first.member_number, second.member_number) == (f"{prefix}-{year}-0001", f"{prefix}-{year}-0002")
    assert first.admitted_on == passed.meeting.held_on


def test_withdrawal_honours_the_notice_period(alliance, django_capture_on_commit_callbacks):
    unit = unit_in(alliance, S.ADMITTED)
    requested = date(2025, 11, 30)
    with pytest.raises(ValidationError, match="2026-02-28"):  # 30 Nov + 3 months, clipped to February's end
        services.request_withdrawal(unit, reason="调整", requested_on=requested, effective_on=date(2026, 2, 27))
    unit.refresh_from_db()
    assert unit.status == S.ADMITTED and not WithdrawalRequest.objects.filter(member_unit=unit).exists()
    requested = timezone.localdate()
    request = services.request_withdrawal(unit, reason="经营调整", requested_on=requested)
    assert request.effective_on == services.add_months(requested, 3)
    approval = resolution(alliance, "withdrawal")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_withdrawal(unit, resolution=approval)
    unit.refresh_from_db()
    assert unit.status == S.WITHDRAWAL_REQUESTED  # approved, but not yet effective
    # Every other member's contact is told, one message each; the leaving unit is not.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"member{n}@example.cn" for n in range(6))
    assert unit.name in mail.outbox[0].subject
    with pytest.raises(ValidationError, match="takes effect"):
        services.complete_withdrawal(unit, today=request.effective_on - timedelta(days=1))
    assert services.complete_due_withdrawals(today=request.effective_on) == 1
    unit.refresh_from_db()
    assert unit.status == S.WITHDRAWN and unit.left_on == request.effective_on


def test_a_unit_has_one_open_withdrawal_and_can_cancel_it(alliance):
    unit = unit_in(alliance, S.ADMITTED)
    services.request_withdrawal(unit, reason="调整")
    with pytest.raises(ValidationError):
        services.request_withdrawal(unit, reason="again")
    services.cancel_withdrawal(unit)
    unit.refresh_from_db()
    assert unit.status == S.ADMITTED
    assert WithdrawalRequest.objects.get(member_unit=unit).status == RequestStatus.CANCELLED


def test_expulsion_needs_an_expulsion_resolution_and_leaves_committees(alliance):
    from members.models import Committee

    unit = unit_in(alliance, S.ADMITTED)
    committee = Committee.objects.create(alliance=alliance, name="装备制造专业委员会")
    services.add_to_committee([unit], committee)
    with pytest.raises(ValidationError):
        services.expel_member(unit, resolution=resolution(alliance, "admission"), reason="违反章程")
    services.expel_member(unit, resolution=resolution(alliance, "expulsion"), reason="违反章程，经警告仍不改正")
    unit.refresh_from_db()
    assert unit.status == S.EXPELLED and not unit.committees.exists()


def test_online_application_and_reapplication(alliance, django_capture_on_commit_callbacks):
    code = make_credit_code("91", "370303", "555555555")
    pdf = SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    unit = services.submit_application(
        alliance=alliance, profile={"kind": "enterprise", "name": "申请有限公司", "credit_code": code},
        contacts=[{"name": "王五", "email": "apply@example.cn"}], documents=[pdf], statement="希望加入",
    )  # fmt: skip
    assert unit.status == S.APPLIED and unit.documents.count() == 1
    with pytest.raises(ValidationError, match="open application"):
        services.submit_application(alliance=alliance, profile={"kind": "enterprise", "name": "x", "credit_code": code})
    services.start_review(unit)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_information(unit, reason="请补充近一年财务报表")
    assert mail.outbox[-1].to == ["apply@example.cn"] and "/apply/" in mail.outbox[-1].body
    services.provide_information(unit, note="已补充")
    services.reject_application(unit, reason="不符合入会条件")
    again = services.submit_application(
        alliance=alliance, profile={"kind": "enterprise", "name": "申请有限公司", "credit_code": code}
    )
    assert again.pk == unit.pk and again.status == S.APPLIED


def test_documents_are_checked_by_content(alliance):
    fake = SimpleUploadedFile("执照.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    code = make_credit_code("91", "370303", "666666666")
    with pytest.raises(ValidationError, match="not a PDF"):
        services.submit_application(
            alliance=alliance, profile={"kind": "enterprise", "name": "伪造文件公司", "credit_code": code},
            documents=[fake],
        )  # fmt: skip
    assert not MemberUnit.objects.filter(credit_code=code).exists()


def test_profile_change_by_representative_waits_for_secretariat(alliance):
    unit = unit_in(alliance, S.ADMITTED)
    old_name = unit.name
    changes, request = services.update_own_profile(unit, {"name": "新名称有限公司", "address": "淄博市张店区"})
    unit.refresh_from_db()
    assert unit.name == old_name and unit.address == "淄博市张店区" and request is not None
    services.decide_profile_change(request, approve=True, note="核对营业执照无误")
    unit.refresh_from_db()
    assert unit.name == "新名称有限公司"
    with pytest.raises(ValidationError):
        services.decide_profile_change(request, approve=False)

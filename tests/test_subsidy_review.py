"""School confirmation and the secretariat's review (subsidies/services/review.py and its pages): every workflow
transition allowed and refused, permissions by unit, line decisions with revisions, claim decisions, the school
inbox and confirmation page, the review queue and review page (htmx rows, constant query counts)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from alliances.models import AuditEntry
from alliances.permissions import Role
from alliances.personal_data import encrypt, keyed_hash, mask_resident_id
from members.models import Contact, MemberKind
from subsidies.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimTransition,
    LineReview,
    Period,
    PeriodKind,
    Program,
    ProgramKind,
    ProgramVersion,
    RateUnit,
    SchoolDecision,
)
from subsidies.services import review
from subsidies.workflow import CLAIM_TRANSITIONS, TransitionRefused, move_claim

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db

S = ClaimStatus
_numbers = itertools.count(1)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def birth_date(number: int) -> datetime.date:
    return datetime.date(2005, 1, 1) + datetime.timedelta(days=number // 1000)


def resident_id(number: int) -> str:
    """A valid resident ID number (division 370302, born in 2005, correct check digit), one per number."""
    body = f"370302{birth_date(number):%Y%m%d}{number % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


ERROR = {"code": "duplicate_student", "severity": "error", "message": "该学生已由其他企业申报"}
WARNING = {"code": "short_pay", "severity": "warning", "message": "实习报酬偏低"}


class World:
    """A program, a period, an enterprise and two schools with their representatives; claims and lines are
    made directly with the models (no claim services needed)."""

    def __init__(self, alliance):
        self.alliance = alliance
        number = next(_numbers)
        self.program = Program.objects.create(
            alliance=alliance,
            code=f"internship-{number}",
            name=f"顶岗实习补助{number}",
            kind=ProgramKind.INTERNSHIP_POST,
        )
        self.version = ProgramVersion.objects.create(
            alliance=alliance, program=self.program, number=1, effective_from=datetime.date(2024, 1, 1),
            unit=RateUnit.POST_SEMESTER, rate=Decimal("300.00"),
        )  # fmt: skip
        self.period = Period.objects.create(
            alliance=alliance, kind=PeriodKind.SEMESTER, name=f"2024–2025学年第一学期·{number}", academic_year=2024,
            semester=1, starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2025, 1, 31),
            claim_deadline=datetime.date(2025, 2, 28),
        )  # fmt: skip
        self.enterprise = make_unit(
            alliance, MemberKind.ENTERPRISE, name=f"淄博精密制造{number}", employee_count=2000
        )
        self.school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"淄博市技师学院{number}")
        self.other_school = make_unit(alliance, MemberKind.HIGHER_VOCATIONAL, name=f"淄博职业学院{number}")
        self.school_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.school)
        self.other_school_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.other_school)
        self.enterprise_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.enterprise)
        self.staff = make_member(alliance, Role.SECRETARIAT_STAFF)

    def claim(self, status=S.SUBMITTED, enterprise=None, program=None) -> Claim:
        number = next(_numbers)
        now = timezone.now()
        return Claim.objects.create(
            alliance=self.alliance, program=program or self.program, period=self.period,
            enterprise=enterprise or self.enterprise, program_version=self.version, number=f"RV-{number:06d}",
            status=status, payee_name="淄博精密制造", bank_account_encrypted=encrypt("6222020200112233445"),
            bank_account_masked="**** **** 3445", submitted_at=now, first_submitted_at=now,
        )  # fmt: skip

    def lines(self, claim, count=1, school="school", student=None, **values) -> list[ClaimLine]:
        school = {"school": self.school, "other": self.other_school, None: None}[school]
        rows = []
        for _ in range(count):
            number = next(_numbers)
            seed = student if student is not None else number
            ident = resident_id(seed)
            rows.append(
                ClaimLine(
                    alliance=self.alliance,
                    claim=claim,
                    position=number,
                    student_name=f"学生{number}",
                    resident_id_encrypted=encrypt(ident),
                    resident_id_hash=keyed_hash(ident),
                    resident_id_masked=mask_resident_id(ident),
                    birth_date=birth_date(seed),
                    school=school,
                    specialty="数控技术",
                    post="数控操作工",
                    starts_on=datetime.date(2024, 9, 2),
                    ends_on=datetime.date(2025, 1, 20),
                    agreement_number=f"XY-{number}",
                    insurance_policy_number=f"BX-{number}",
                    monthly_pay=Decimal("3000.00"),
                    **values,
                )  # fmt: skip
            )
        return ClaimLine.objects.bulk_create(rows)

    def line(self, claim, **values) -> ClaimLine:
        return self.lines(claim, 1, **values)[0]


@pytest.fixture
def world(alliance):
    return World(alliance)


def fresh(obj):
    obj.refresh_from_db()
    return obj


def history(claim) -> list[tuple[str, str]]:
    return list(
        ClaimTransition.objects.filter(claim=claim).order_by("pk").values_list("from_status", "to_status")
    )


# --- the state machine --------------------------------------------------------------------------------------

PAIRS = [(source, target) for source in S for target in S]


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=lambda v: str(v.value))
def test_every_claim_transition_allowed_or_refused(world, source, target):
    claim = world.claim(status=source)
    if target in CLAIM_TRANSITIONS[source]:
        move_claim(claim, target, actor=world.staff)
        assert fresh(claim).status == target
        assert history(claim) == [(source, target)]
    else:
        with pytest.raises(TransitionRefused):
            move_claim(claim, target, actor=world.staff)
        assert fresh(claim).status == source and history(claim) == []


SERVICE_SOURCES = {
    "start_confirmation": {S.SUBMITTED},
    "confirm_students": {S.SCHOOL_CONFIRMATION},
    "confirm_all_students": {S.SCHOOL_CONFIRMATION},
    "review_lines": {S.UNDER_REVIEW},
    "approve_clean_lines": {S.UNDER_REVIEW},
    "decide_claim": {S.UNDER_REVIEW},
}


def _call(name, world, claim, line):
    match name:
        case "start_confirmation":
            return review.start_confirmation(claim, world.school_rep)
        case "confirm_students":
            return review.confirm_students(
                world.school, claim, {line.pk: ("confirmed", "")}, world.school_rep
            )
        case "confirm_all_students":
            return review.confirm_all_students(world.school, claim, world.school_rep)
        case "review_lines":
            return review.review_lines(claim, {line.pk: ("approved", "", line.revision)}, world.staff)
        case "approve_clean_lines":
            return review.approve_clean_lines(claim, world.staff)
        case "decide_claim":
            return review.decide_claim(claim, "reject", "材料不全", world.staff)


@pytest.mark.parametrize("name", SERVICE_SOURCES)
@pytest.mark.parametrize("status", list(S), ids=lambda v: str(v.value))
def test_each_service_acts_only_from_its_status(world, name, status):
    claim = world.claim(status=status)
    decided = status in (S.UNDER_REVIEW, S.APPROVED, S.REJECTED, S.RETURNED)
    line = world.line(claim, school_decision=SchoolDecision.CONFIRMED if decided else SchoolDecision.PENDING)
    if status in SERVICE_SOURCES[name]:
        _call(name, world, claim, line)
        assert len(history(claim)) >= (
            1 if name in ("start_confirmation", "confirm_students", "decide_claim") else 0
        )
    else:
        with pytest.raises(TransitionRefused):
            _call(name, world, claim, line)
        assert fresh(claim).status == status and history(claim) == []


# --- school confirmation --------------------------------------------------------------------------------------


def test_submitted_claim_waits_for_its_schools_who_are_emailed(world, django_capture_on_commit_callbacks):
    Contact.objects.create(
        alliance=world.alliance,
        member_unit=world.school,
        name="教务处",
        email="jwc@school.example",
        is_primary=True,
    )
    world.school_rep.email = "rep@school.example"
    world.school_rep.save()
    Contact.objects.create(
        alliance=world.alliance, member_unit=world.other_school, name="招就处", email="zj@other.example"
    )
    claim = world.claim()
    world.lines(claim, 2, school="school")
    world.lines(claim, 1, school=None)
    with django_capture_on_commit_callbacks(execute=True):
        review.start_confirmation(claim, world.enterprise_rep)
    assert claim.status == S.SCHOOL_CONFIRMATION == fresh(claim).status
    assert history(claim) == [(S.SUBMITTED, S.SCHOOL_CONFIRMATION)]
    # Only the school with students on the claim is written to, at its contact's and representative's addresses.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["jwc@school.example", "rep@school.example"]
    assert claim.number in message.subject + message.body
    assert (
        reverse("claim-confirm", kwargs={"alliance_slug": world.alliance.slug, "claim_id": claim.pk})
        in message.body
    )
    assert AuditEntry.objects.filter(
        action="subsidies.claim.schools_notified", object_id=str(claim.pk)
    ).exists()


@pytest.mark.parametrize("decision", [None, SchoolDecision.CONFIRMED])
def test_claim_without_waiting_students_goes_straight_to_review(
    world, decision, django_capture_on_commit_callbacks
):
    claim = world.claim()
    if decision is None:
        world.lines(claim, 2, school=None)
    else:
        world.lines(claim, 2, school_decision=decision)
    with django_capture_on_commit_callbacks(execute=True):
        review.start_confirmation(claim, world.enterprise_rep)
    assert fresh(claim).status == S.UNDER_REVIEW
    assert history(claim) == [(S.SUBMITTED, S.UNDER_REVIEW)]
    assert mail.outbox == []


def test_school_confirms_only_its_own_students(world):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    mine = world.lines(claim, 2)
    theirs = world.line(claim, school="other")
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="not students of your school|not a student"),
    ):
        review.confirm_students(
            world.school, claim, {mine[0].pk: ("confirmed", ""), theirs.pk: ("confirmed", "")}
        )
    # All or nothing: not even the school's own line changed.
    assert fresh(mine[0]).school_decision == SchoolDecision.PENDING
    assert fresh(theirs).school_decision == SchoolDecision.PENDING


def test_denial_needs_a_note(world):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    line = world.line(claim)
    with translation.override("en"), pytest.raises(ValidationError, match="Say why"):
        review.confirm_students(world.school, claim, {line.pk: ("denied", "  ")})
    with pytest.raises(ValidationError):
        review.confirm_students(world.school, claim, {line.pk: ("maybe", "")})
    assert fresh(line).school_decision == SchoolDecision.PENDING


def test_claim_moves_to_review_when_the_last_school_decides(world):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    mine = world.lines(claim, 2)
    theirs = world.line(claim, school="other")
    revision = mine[1].revision
    result = review.confirm_students(
        world.school,
        claim,
        {mine[0].pk: ("confirmed", ""), mine[1].pk: ("denied", "非本校学生")},
        world.school_rep,
    )
    assert (result.confirmed, result.denied, result.moved_to_review) == (1, 1, False)
    assert fresh(claim).status == S.SCHOOL_CONFIRMATION
    line = fresh(mine[1])
    assert (line.school_decision, line.school_note, line.revision) == ("denied", "非本校学生", revision + 1)
    assert line.school_decided_at is not None
    result = review.confirm_all_students(world.other_school, claim, world.other_school_rep)
    assert (result.confirmed, result.moved_to_review) == (1, True)
    assert fresh(theirs).school_decision == SchoolDecision.CONFIRMED
    assert fresh(claim).status == S.UNDER_REVIEW
    assert history(claim) == [(S.SCHOOL_CONFIRMATION, S.UNDER_REVIEW)]
    entries = AuditEntry.objects.filter(action="subsidies.claim.school_decided", object_id=str(claim.pk))
    assert entries.count() == 2


def test_confirm_all_with_nothing_waiting_is_refused(world):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    world.line(claim, school_decision=SchoolDecision.CONFIRMED)
    world.line(claim, school="other")
    with pytest.raises(TransitionRefused):
        review.confirm_all_students(world.school, claim)


def test_resubmitted_claim_goes_back_only_for_changed_and_new_lines(
    world, django_capture_on_commit_callbacks
):
    claim = world.claim(status=S.RETURNED)
    confirmed = dict(school_decision=SchoolDecision.CONFIRMED)
    approved = world.line(claim, review=LineReview.APPROVED, **confirmed)
    unchanged = world.line(claim, review=LineReview.RETURNED, review_reason="协议号有误", **confirmed)
    # The enterprise changed this returned line (the claim service sets the school's decision back to pending)
    # and added a new one.
    changed = world.line(claim, review=LineReview.RETURNED, review_reason="换了学生")
    new = world.line(claim, school="other")
    move_claim(claim, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        review.start_confirmation(claim)
    assert fresh(claim).status == S.SCHOOL_CONFIRMATION
    assert fresh(approved).review == LineReview.APPROVED
    assert fresh(unchanged).review == LineReview.PENDING  # reviewed again, but needs no school
    assert set(review.lines_waiting_for_schools(claim).values_list("pk", flat=True)) == {changed.pk, new.pk}
    review.confirm_students(world.school, claim, {changed.pk: ("confirmed", "")})
    review.confirm_all_students(world.other_school, claim)
    assert fresh(claim).status == S.UNDER_REVIEW


def test_resubmitted_claim_without_changes_for_schools_goes_straight_to_review(world):
    claim = world.claim(status=S.RETURNED)
    world.line(
        claim,
        review=LineReview.RETURNED,
        review_reason="保单号缺失",
        school_decision=SchoolDecision.CONFIRMED,
    )
    move_claim(claim, S.SUBMITTED)
    review.start_confirmation(claim)
    assert fresh(claim).status == S.UNDER_REVIEW


# --- line decisions ---------------------------------------------------------------------------------------------


@pytest.fixture
def under_review(world):
    claim = world.claim(status=S.UNDER_REVIEW)
    lines = world.lines(claim, 3, school_decision=SchoolDecision.CONFIRMED)
    return claim, lines


def test_review_lines_approve_reject_return(world, under_review):
    claim, (a, b, c) = under_review
    changed = review.review_lines(
        claim,
        {a.pk: ("approved", "", a.revision), b.pk: ("rejected", "实习不足30天", b.revision),
         c.pk: ("returned", "协议号有误", c.revision)},
        world.staff,
    )  # fmt: skip
    assert len(changed) == 3
    a, b, c = fresh(a), fresh(b), fresh(c)
    assert (a.review, b.review, c.review) == ("approved", "rejected", "returned")
    assert (b.review_reason, c.review_reason) == ("实习不足30天", "协议号有误")
    assert a.reviewed_by == world.staff and a.reviewed_at is not None and a.revision == 2
    entry = AuditEntry.objects.get(action="subsidies.claim.lines_reviewed", object_id=str(claim.pk))
    assert entry.detail["approved"] == [a.pk]


@pytest.mark.parametrize("decision", ["rejected", "returned"])
def test_reject_and_return_need_a_reason(world, under_review, decision):
    claim, (line, *_rest) = under_review
    with translation.override("en"), pytest.raises(ValidationError, match="give a reason"):
        review.review_lines(claim, {line.pk: (decision, " ", line.revision)})
    assert fresh(line).review == LineReview.PENDING


def test_line_denied_by_its_school_cannot_be_approved(world):
    claim = world.claim(status=S.UNDER_REVIEW)
    line = world.line(claim, school_decision=SchoolDecision.DENIED, school_note="非本校学生")
    with translation.override("en"), pytest.raises(ValidationError, match="school denied"):
        review.review_lines(claim, {line.pk: ("approved", "", line.revision)})
    review.review_lines(claim, {line.pk: ("rejected", "学校否认", line.revision)})
    assert fresh(line).review == LineReview.REJECTED


def test_line_with_error_findings_cannot_be_approved_and_the_message_names_the_finding(world):
    claim = world.claim(status=S.UNDER_REVIEW)
    line = world.line(
        claim, school_decision=SchoolDecision.CONFIRMED, problems=[ERROR, WARNING], has_errors=True
    )
    warned = world.line(claim, school_decision=SchoolDecision.CONFIRMED, problems=[WARNING])
    with pytest.raises(ValidationError) as refused:
        review.review_lines(claim, {line.pk: ("approved", "", line.revision), warned.pk: ("approved", "", 1)})
    assert "duplicate_student" in " ".join(refused.value.messages)
    assert "该学生已由其他企业申报" in " ".join(refused.value.messages)
    assert fresh(warned).review == LineReview.PENDING  # all or nothing
    review.review_lines(claim, {warned.pk: ("approved", "", 1)})  # a warning alone does not stop approval
    assert fresh(warned).review == LineReview.APPROVED


def test_stale_revision_refuses_the_whole_request(world, under_review):
    claim, (a, b, _c) = under_review
    ClaimLine.objects.filter(pk=b.pk).update(revision=5)  # someone else changed line b meanwhile
    with translation.override("en"), pytest.raises(review.StaleRevision, match="changed by someone else"):
        review.review_lines(claim, {a.pk: ("approved", "", 1), b.pk: ("rejected", "不符", 1)}, world.staff)
    assert fresh(a).review == LineReview.PENDING and fresh(a).revision == 1
    assert fresh(b).review == LineReview.PENDING


def test_a_decision_is_changed_only_with_the_current_revision(world, under_review):
    claim, (line, *_rest) = under_review
    review.review_lines(claim, {line.pk: ("approved", "", 1)})
    with pytest.raises(review.StaleRevision):
        review.review_lines(claim, {line.pk: ("rejected", "重复", 1)})
    review.review_lines(claim, {line.pk: ("rejected", "重复", 2)})
    assert (fresh(line).review, fresh(line).revision) == ("rejected", 3)


def test_line_of_another_claim_is_refused(world, under_review):
    claim, _lines = under_review
    other = world.claim(status=S.UNDER_REVIEW, enterprise=make_unit(world.alliance))
    stranger = world.line(other, school_decision=SchoolDecision.CONFIRMED)
    with pytest.raises(ValidationError):
        review.review_lines(claim, {stranger.pk: ("approved", "", 1)})
    assert fresh(stranger).review == LineReview.PENDING


def test_approve_clean_lines_touches_only_clean_pending_lines(world):
    claim = world.claim(status=S.UNDER_REVIEW)
    clean = world.lines(claim, 2, school_decision=SchoolDecision.CONFIRMED)
    no_school = world.line(claim, school=None)
    warned = world.line(claim, school_decision=SchoolDecision.CONFIRMED, problems=[WARNING])
    erred = world.line(claim, school_decision=SchoolDecision.CONFIRMED, problems=[ERROR], has_errors=True)
    denied = world.line(claim, school_decision=SchoolDecision.DENIED, school_note="否")
    rejected = world.line(
        claim, school_decision=SchoolDecision.CONFIRMED, review=LineReview.REJECTED, review_reason="x"
    )
    assert review.approve_clean_lines(claim, world.staff) == 3
    assert {line.pk for line in ClaimLine.objects.filter(claim=claim, review=LineReview.APPROVED)} == {
        clean[0].pk,
        clean[1].pk,
        no_school.pk,
    }
    assert fresh(rejected).review == LineReview.REJECTED
    for line in (warned, erred, denied):
        assert fresh(line).review == LineReview.PENDING
    assert review.approve_clean_lines(claim, world.staff) == 0


# --- claim decisions ------------------------------------------------------------------------------------------


def test_approve_needs_every_line_decided_and_one_approved(world, under_review):
    claim, (a, b, c) = under_review
    review.review_lines(claim, {a.pk: ("approved", "", 1), b.pk: ("returned", "改", 1)})
    with translation.override("en"), pytest.raises(TransitionRefused, match="Decide every line"):
        review.decide_claim(claim, "approve", "", world.staff)
    review.review_lines(claim, {b.pk: ("rejected", "不符", 2), c.pk: ("rejected", "不符", 1)})
    review.decide_claim(claim, "approve", "同意", world.staff)
    assert fresh(claim).status == S.APPROVED and claim.decided_at is not None
    assert fresh(b).review == LineReview.REJECTED  # rejected lines stay rejected
    assert history(claim)[-1] == (S.UNDER_REVIEW, S.APPROVED)
    transition = ClaimTransition.objects.filter(claim=claim).last()
    assert (transition.actor, transition.reason) == (world.staff, "同意")


def test_approve_with_every_line_rejected_is_refused(world, under_review):
    claim, lines = under_review
    review.review_lines(claim, {line.pk: ("rejected", "不符", 1) for line in lines})
    with translation.override("en"), pytest.raises(TransitionRefused, match="No line is approved"):
        review.decide_claim(claim, "approve")
    review.decide_claim(claim, "reject", "全部不符")
    assert fresh(claim).status == S.REJECTED and claim.review_note == "全部不符"


def test_approve_refused_when_an_approved_line_now_has_errors(world, under_review):
    claim, lines = under_review
    review.review_lines(claim, {line.pk: ("approved", "", 1) for line in lines})
    ClaimLine.objects.filter(pk=lines[0].pk).update(
        has_errors=True, problems=[ERROR]
    )  # a later check found it
    with pytest.raises(TransitionRefused):
        review.decide_claim(claim, "approve")
    assert fresh(claim).status == S.UNDER_REVIEW


def test_return_needs_a_returned_line(world, under_review):
    claim, (a, *_rest) = under_review
    with translation.override("en"), pytest.raises(TransitionRefused, match="Return at least one line"):
        review.decide_claim(claim, "return", "")
    review.review_lines(claim, {a.pk: ("returned", "协议缺失", 1)})
    review.decide_claim(claim, "return", "请补充协议", world.staff)
    assert fresh(claim).status == S.RETURNED


def test_reject_needs_a_reason_and_bad_decisions_are_invalid(world, under_review):
    claim, _lines = under_review
    with pytest.raises(ValidationError) as refused:
        review.decide_claim(claim, "reject", "  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        review.decide_claim(claim, "maybe", "x")
    assert fresh(claim).status == S.UNDER_REVIEW


def test_decision_with_an_old_claim_revision_is_refused(world, under_review):
    claim, lines = under_review
    review.review_lines(claim, {line.pk: ("approved", "", 1) for line in lines})
    with pytest.raises(review.StaleRevision):
        review.decide_claim(
            claim, "approve", expected_revision=claim.revision - 1 if claim.revision > 1 else 99
        )
    review.decide_claim(claim, "approve", expected_revision=fresh(claim).revision)
    assert fresh(claim).status == S.APPROVED


def test_a_decided_claim_cannot_be_decided_again(world, under_review):
    claim, lines = under_review
    review.review_lines(claim, {line.pk: ("approved", "", 1) for line in lines})
    stale_copy = Claim.objects.get(pk=claim.pk)
    review.decide_claim(claim, "approve")
    with pytest.raises(TransitionRefused):
        review.decide_claim(stale_copy, "approve")  # the service reads the locked row, not the caller's copy
    assert [t for t in history(claim) if t[1] == S.APPROVED] == [(S.UNDER_REVIEW, S.APPROVED)]


def test_whole_cycle_with_a_return(world, django_capture_on_commit_callbacks):
    claim = world.claim()
    first, second = world.lines(claim, 2)
    with django_capture_on_commit_callbacks(execute=True):
        review.start_confirmation(claim, world.enterprise_rep)
    review.confirm_all_students(world.school, claim, world.school_rep)
    first, second = fresh(first), fresh(second)
    review.review_lines(
        claim,
        {first.pk: ("approved", "", first.revision), second.pk: ("returned", "日期有误", second.revision)},
    )
    review.decide_claim(claim, "return", "请更正第二行", world.staff)
    # The enterprise corrects the returned line (the claim service resets the school's decision) and resubmits.
    ClaimLine.objects.filter(pk=second.pk).update(
        ends_on=datetime.date(2025, 1, 25), school_decision="pending"
    )
    move_claim(claim, S.SUBMITTED, actor=world.enterprise_rep)
    with django_capture_on_commit_callbacks(execute=True):
        review.start_confirmation(claim, world.enterprise_rep)
    assert fresh(claim).status == S.SCHOOL_CONFIRMATION
    review.confirm_all_students(world.school, claim, world.school_rep)
    second = fresh(second)
    assert second.review == LineReview.PENDING
    review.review_lines(claim, {second.pk: ("approved", "", second.revision)})
    review.decide_claim(claim, "approve", "", world.staff)
    assert history(claim) == [
        (S.SUBMITTED, S.SCHOOL_CONFIRMATION), (S.SCHOOL_CONFIRMATION, S.UNDER_REVIEW), (S.UNDER_REVIEW, S.RETURNED),
        (S.RETURNED, S.SUBMITTED), (S.SUBMITTED, S.SCHOOL_CONFIRMATION), (S.SCHOOL_CONFIRMATION, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.APPROVED),
    ]  # fmt: skip
    assert AuditEntry.objects.filter(action="subsidies.claim.approved", object_id=str(claim.pk)).exists()


# --- pages: the school ----------------------------------------------------------------------------------------


def url(name, world, **kwargs):
    return reverse(name, kwargs={"alliance_slug": world.alliance.slug, **kwargs})


def test_school_inbox_lists_claims_waiting_for_the_school(world, client):
    waiting = world.claim(status=S.SCHOOL_CONFIRMATION)
    world.lines(waiting, 2)
    others_only = world.claim(status=S.SCHOOL_CONFIRMATION, enterprise=make_unit(world.alliance))
    world.line(others_only, school="other")
    done = world.claim(status=S.UNDER_REVIEW, enterprise=make_unit(world.alliance))
    world.line(done, school_decision=SchoolDecision.CONFIRMED)
    client.force_login(world.school_rep)
    body = client.get(url("confirmation-inbox", world)).content.decode()
    assert waiting.number in body and others_only.number not in body and done.number not in body
    body = client.get(url("confirmation-inbox", world) + "?show=all").content.decode()
    assert waiting.number in body and done.number in body and others_only.number not in body


def test_school_sees_only_its_own_students_masked(world, client):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    mine = world.line(claim)
    theirs = world.line(claim, school="other")
    client.force_login(world.school_rep)
    response = client.get(url("claim-confirm", world, claim_id=claim.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert mine.student_name in body and mine.resident_id_masked in body
    assert resident_id(int(mine.student_name[2:])) not in body  # the plaintext never reaches the page
    assert theirs.student_name not in body
    lonely = world.claim(status=S.SCHOOL_CONFIRMATION, enterprise=make_unit(world.alliance))
    world.line(lonely, school="other")
    assert client.get(url("claim-confirm", world, claim_id=lonely.pk)).status_code == 404
    assert client.post(url("claim-confirm-all", world, claim_id=lonely.pk)).status_code == 404


def test_enterprise_representative_and_staff_cannot_confirm(world, client):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    world.line(claim)
    for user in (world.enterprise_rep, world.staff):
        client.force_login(user)
        assert client.get(url("claim-confirm", world, claim_id=claim.pk)).status_code == 403
        assert client.get(url("confirmation-inbox", world)).status_code == 403


def test_school_confirms_and_denies_on_the_page(world, client):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    a, b, c = world.lines(claim, 3)
    client.force_login(world.school_rep)
    page = url("claim-confirm", world, claim_id=claim.pk)
    client.cookies["django_language"] = "en"
    response = client.post(page, {"lines": [b.pk], "decision": "denied", "note": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    response = client.post(page, {"lines": [b.pk], "decision": "denied", "note": "已退学"})
    assert response.status_code == 302
    assert fresh(b).school_decision == SchoolDecision.DENIED and fresh(b).school_note == "已退学"
    response = client.post(url("claim-confirm-all", world, claim_id=claim.pk), follow=True)
    assert "goes to the secretariat" in response.content.decode()
    assert fresh(a).school_decision == fresh(c).school_decision == SchoolDecision.CONFIRMED
    assert fresh(claim).status == S.UNDER_REVIEW
    # After the claim moved on, the page is read-only and a late decision is refused.
    response = client.post(page, {"lines": [a.pk], "decision": "denied", "note": "改主意"})
    assert response.status_code == 409 and fresh(a).school_decision == SchoolDecision.CONFIRMED


# --- pages: the secretariat -----------------------------------------------------------------------------------


def test_review_queue_filters_and_counts(world, client):
    enterprise_b = make_unit(world.alliance)
    program_b = Program.objects.create(
        alliance=world.alliance, code="order", name="订单班补贴", kind=ProgramKind.ORDER_CLASS
    )
    a = world.claim(status=S.UNDER_REVIEW)
    world.lines(a, 2, school_decision=SchoolDecision.CONFIRMED)
    b = world.claim(status=S.SCHOOL_CONFIRMATION, enterprise=enterprise_b)
    c = world.claim(status=S.APPROVED, enterprise=make_unit(world.alliance), program=program_b)
    draft = world.claim(status=S.DRAFT, enterprise=make_unit(world.alliance))
    client.force_login(world.staff)
    page = url("review-queue", world)
    body = client.get(page).content.decode()
    assert all(claim.number in body for claim in (a, b, c)) and draft.number not in body
    body = client.get(page, {"status": "under_review"}).content.decode()
    assert a.number in body and b.number not in body
    body = client.get(page, {"program": program_b.pk}).content.decode()
    assert c.number in body and a.number not in body
    response = client.get(page, {"period": world.period.pk})
    counts = {status: count for status, _label, count in response.context["status_counts"]}
    assert counts[S.UNDER_REVIEW] == counts[S.SCHOOL_CONFIRMATION] == counts[S.APPROVED] == 1
    queued = {claim.pk: claim for claim in response.context["object_list"]}
    assert queued[a.pk].line_total == 2 and queued[a.pk].lines_pending == 2


def test_review_queue_runs_a_constant_number_of_queries(world, client):
    client.force_login(world.staff)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("review-queue", world)).status_code == 200
        return len(captured)

    def add(count):
        for _ in range(count):
            claim = world.claim(status=S.UNDER_REVIEW, enterprise=make_unit(world.alliance))
            world.lines(claim, 2)

    add(10)
    few = queries()
    add(90)
    assert queries() == few


def test_review_page_refreshes_findings_and_shows_decisions_and_history(world, client):
    world.version.duplicate_student_policy = "first_submitted_wins"
    world.version.save()
    # Another enterprise claimed the same student first, after this claim's lines were last checked.
    rival = world.claim(status=S.UNDER_REVIEW, enterprise=make_unit(world.alliance, employee_count=500))
    Claim.objects.filter(pk=rival.pk).update(first_submitted_at=timezone.now() - datetime.timedelta(days=3))
    claim = world.claim(status=S.UNDER_REVIEW)
    duplicate = world.line(claim, school_decision=SchoolDecision.CONFIRMED, student=4242)
    world.line(rival, school_decision=SchoolDecision.CONFIRMED, student=4242)
    denied = world.line(claim, school_decision=SchoolDecision.DENIED, school_note="查无此人")
    ClaimTransition.objects.create(alliance=world.alliance, claim=claim, from_status=S.SCHOOL_CONFIRMATION,
                                   to_status=S.UNDER_REVIEW, actor=world.school_rep)  # fmt: skip
    assert not duplicate.has_errors
    client.force_login(world.staff)
    response = client.get(url("claim-review", world, claim_id=claim.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert fresh(duplicate).has_errors and "duplicate_other_claim" in body
    assert "查无此人" in body and duplicate.resident_id_masked in body
    assert resident_id(4242) not in body and resident_id(int(denied.student_name[2:])) not in body
    assert f'name="revision-{duplicate.pk}" value="{duplicate.revision}"' in body
    assert 'data-testid="claim-history"' in body and world.school_rep.name in body
    with pytest.raises(ValidationError, match="duplicate_other_claim"):
        review.review_lines(claim, {duplicate.pk: ("approved", "", duplicate.revision)})
    for user in (world.school_rep, world.enterprise_rep):
        client.force_login(user)
        assert client.get(url("claim-review", world, claim_id=claim.pk)).status_code == 403
        assert client.get(url("review-queue", world)).status_code == 403


def test_review_page_runs_a_constant_number_of_queries(world, client):
    claim = world.claim(status=S.UNDER_REVIEW)
    client.force_login(world.staff)
    page = url("claim-review", world, claim_id=claim.pk)

    def queries():
        assert client.get(page).status_code == 200  # the first look stores the new lines' findings
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    world.lines(claim, 10, school_decision=SchoolDecision.CONFIRMED, problems=[WARNING])
    world.lines(claim, 1, school_decision=SchoolDecision.DENIED, school_note="否")
    few = queries()
    world.lines(claim, 90, school_decision=SchoolDecision.CONFIRMED, problems=[WARNING])
    assert ClaimLine.objects.filter(claim=claim).count() == 101
    assert queries() == few


def test_row_decision_by_htmx_returns_the_row(world, client, under_review):
    claim, (a, b, _c) = under_review
    client.force_login(world.staff)
    client.cookies["django_language"] = "en"
    row_url = url("claim-review-line", world, claim_id=claim.pk, claimline_id=a.pk)
    response = client.post(
        row_url, {"review": "approved", "reason": "", "revision": 1}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith(f'<tr id="line-{a.pk}"')
    assert 'name="revision" value="2"' in body and "Saved." in body
    assert 'id="review-counts" data-testid="review-counts" hx-swap-oob="true"' in body
    assert fresh(a).review == LineReview.APPROVED
    # Another reviewer still holding revision 1: refused, and the row shows the current state.
    response = client.post(
        row_url, {"review": "rejected", "reason": "重复", "revision": 1}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "changed by someone else" in body and fresh(a).review == LineReview.APPROVED
    # Without htmx: redirected to the page with a message.
    row_b = url("claim-review-line", world, claim_id=claim.pk, claimline_id=b.pk)
    response = client.post(row_b, {"review": "rejected", "reason": "", "revision": 1})
    assert response.status_code == 302 and fresh(b).review == LineReview.PENDING
    # A line of another claim under this claim's URL is 404.
    other = world.claim(status=S.UNDER_REVIEW, enterprise=make_unit(world.alliance))
    stranger = world.line(other, school_decision=SchoolDecision.CONFIRMED)
    wrong = url("claim-review-line", world, claim_id=claim.pk, claimline_id=stranger.pk)
    assert client.post(wrong, {"review": "approved", "revision": 1}).status_code == 404


def test_bulk_decisions_and_approve_clean_on_the_page(world, client, under_review):
    claim, (a, b, c) = under_review
    ClaimLine.objects.filter(pk=c.pk).update(problems=[WARNING])
    client.force_login(world.staff)
    client.cookies["django_language"] = "en"
    bulk = url("claim-review-lines", world, claim_id=claim.pk)
    data = {"lines": [a.pk, b.pk], "review": "returned", "reason": "请补充协议", f"revision-{a.pk}": 1,
            f"revision-{b.pk}": 1}  # fmt: skip
    response = client.post(bulk, data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert (
        response.status_code == 200
        and body.startswith('<section id="review-lines"')
        and "2 lines saved." in body
    )
    assert fresh(a).review == fresh(b).review == LineReview.RETURNED
    response = client.post(bulk, data, HTTP_HX_REQUEST="true")  # the same revisions again: stale
    assert "changed by someone else" in response.content.decode()
    response = client.post(
        url("claim-review-approve-clean", world, claim_id=claim.pk), HTTP_HX_REQUEST="true"
    )
    assert "No line waits for review without findings." in response.content.decode()  # c has a warning
    response = client.post(bulk, {"lines": [a.pk], "review": "approved", f"revision-{a.pk}": 2})
    assert response.status_code == 302 and fresh(a).review == LineReview.APPROVED


def test_claim_decision_form(world, client, under_review):
    claim, lines = under_review
    client.force_login(world.staff)
    client.cookies["django_language"] = "en"
    decide = url("claim-decide", world, claim_id=claim.pk)
    response = client.post(decide, {"decision": "approve", "reason": "", "revision": claim.revision})
    assert response.status_code == 409 and "Decide every line first" in response.content.decode()
    response = client.post(decide, {"decision": "reject", "reason": ""})
    assert response.status_code == 400 and fresh(claim).status == S.UNDER_REVIEW
    review.review_lines(claim, {line.pk: ("approved", "", 1) for line in lines})
    response = client.post(decide, {"decision": "approve", "reason": "", "revision": claim.revision})
    assert response.status_code == 302 and fresh(claim).status == S.APPROVED
    response = client.post(decide, {"decision": "approve", "reason": ""})
    assert response.status_code == 409
    assert len([t for t in history(claim) if t[1] == S.APPROVED]) == 1


# --- in the browser ---------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_school_confirms_and_staff_decide_rows_with_htmx(live_server, page):
    from playwright.sync_api import expect

    from .factories import PASSWORD, make_alliance

    world = World(make_alliance("淄博市技工教育集团（联盟）", slug="zibo-review"))
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    first, second, third = world.lines(claim, 3)

    def log_in(user):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}{reverse('login')}")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("button.primary[type=submit]").click()

    log_in(world.school_rep)
    page.goto(live_server.url + url("confirmation-inbox", world))
    page.get_by_role("link", name=claim.number).click()
    expect(page.get_by_test_id("confirm-lines")).to_contain_text(first.resident_id_masked)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("confirm-all").click()
    expect(page.locator(".messages")).to_be_visible()
    assert fresh(claim).status == S.UNDER_REVIEW

    log_in(world.staff)
    page.goto(live_server.url + url("claim-review", world, claim_id=claim.pk))
    row = page.locator(f"#line-{first.pk}")
    row.get_by_test_id("approve-line").click()
    expect(page.locator(f"#line-{first.pk} .saved")).to_be_visible()  # swapped in place by htmx
    approved_count = page.locator("#review-counts li").nth(2).locator(".stat-value")
    expect(approved_count).to_have_text("1")  # the counts follow out of band
    assert fresh(first).review == LineReview.APPROVED
    # Another reviewer rejects the second line meanwhile; this page still holds its old revision.
    review.review_lines(claim, {second.pk: ("rejected", "重复申报", fresh(second).revision)}, world.staff)
    page.locator(f"#line-{second.pk} input[name=reason]").fill("协议缺失")
    page.locator(f"#line-{second.pk}").get_by_test_id("return-line").click()
    expect(page.locator(f"#line-{second.pk}").get_by_test_id("row-error")).to_be_visible()
    assert fresh(second).review == LineReview.REJECTED
    # Bulk: tick the third line and approve it, then approve the claim.
    page.locator(f"#line-{third.pk} input[type=checkbox]").check()
    page.locator("#bulk_review").select_option("approved")
    page.get_by_test_id("bulk-submit").click()
    expect(approved_count).to_have_text("2")
    expect(page.locator(f"#line-{third.pk} .status-approved")).to_be_visible()
    page.locator("input[name=decision][value=approve]").check()
    page.get_by_test_id("decide-claim").click()
    expect(page.get_by_test_id("claim-status")).to_have_class("status status-approved")
    assert fresh(claim).status == S.APPROVED

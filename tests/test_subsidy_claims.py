"""The enterprise's online claim (subsidies/services/claims.py and views/claims.py): opening a claim, the payment
account, lines (editable only as a draft or returned, approved lines locked), documents, checking and submitting
(deadline, findings, version, idempotent — with threads on PostgreSQL), personal data never in plain text, and the
pages: permissions by unit (another enterprise's claim is 404), schools see their own students, reveal audited,
list pages in a constant number of queries."""

from __future__ import annotations

import datetime
import itertools
import logging
import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from stdnum.cn import ric

from alliances.models import AuditEntry
from alliances.permissions import Role
from alliances.personal_data import decrypt, keyed_hash
from alliances.tenancy import scope
from members.models import MemberKind, MemberStatus
from subsidies.models import (
    Claim,
    ClaimDocument,
    ClaimLine,
    ClaimStatus,
    ClaimTransition,
    LineReview,
    SchoolDecision,
)
from subsidies.services import claims as services
from subsidies.services.programs import create_period, create_program, update_program
from subsidies.workflow import TransitionRefused, move_claim

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db

S = ClaimStatus
_numbers = itertools.count(1)
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def make_id(
    birth: datetime.date = datetime.date(2005, 3, 1), division: str = "370303", seq: int | None = None
) -> str:
    """A valid resident ID number (GB 11643-1999) for a birth date and division code."""
    seq = next(_numbers) % 1000 if seq is None else seq
    body = f"{division}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(number: str) -> str:
    digits = "0123456789X"
    return number[:17] + next(d for d in digits if d != number[17])


class World:
    """An alliance with an internship program, a period open for claims (deadline in the future), an enterprise
    (2,000 employees) with its representative, two schools with theirs, and staff."""

    def __init__(self, alliance):
        self.alliance = alliance
        today = timezone.localdate()
        n = next(_numbers)
        self.program = create_program(
            alliance, kind="internship_post", code=f"internship-{n}", name=f"顶岗实习补助{n}",
            effective_from=today - datetime.timedelta(days=400),
        )  # fmt: skip
        self.period = create_period(
            alliance, kind="semester", academic_year=today.year, semester=1, name=f"学期{n}",
            starts_on=today - datetime.timedelta(days=60), ends_on=today + datetime.timedelta(days=60),
            claim_deadline=today + datetime.timedelta(days=90),
        )  # fmt: skip
        self.enterprise = make_unit(
            alliance, MemberKind.ENTERPRISE, name=f"淄博精密制造有限公司{n}", employee_count=2000
        )
        self.school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"淄博市技师学院{n}")
        self.other_school = make_unit(alliance, MemberKind.HIGHER_VOCATIONAL, name=f"淄博职业学院{n}")
        self.rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.enterprise)
        self.school_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.school)
        self.other_school_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.other_school)
        self.staff = make_member(alliance, Role.SECRETARIAT_STAFF)

    def values(self, **changes) -> dict:
        start = self.period.starts_on + datetime.timedelta(days=1)
        values = {
            "student_name": f"学生{next(_numbers)}", "resident_id": make_id(), "school": self.school,
            "specialty": "数控技术", "post": "数控车床操作工", "starts_on": start,
            "ends_on": start + datetime.timedelta(days=90), "agreement_number": f"XY-{next(_numbers)}",
            "insurance_policy_number": f"BX-{next(_numbers)}", "monthly_pay": Decimal("3000.00"),
        }  # fmt: skip
        values.update(changes)
        return values

    def claim(self, enterprise=None, *, payment=True) -> Claim:
        claim = services.create_claim(enterprise or self.enterprise, self.program, self.period, self.rep)
        if payment:
            services.update_claim_payment(
                claim, "淄博精密制造有限公司", "中国工商银行淄博分行", "6222 0202 0011 2233 445"
            )
        return claim

    def ready_claim(self, lines=2, **kwargs) -> Claim:
        claim = self.claim(**kwargs)
        for _ in range(lines):
            services.add_claim_line(claim, self.values(), self.rep)
        return claim


@pytest.fixture
def world(alliance):
    return World(alliance)


def fresh(obj):
    obj.refresh_from_db()
    return obj


def url(name, world, **kwargs):
    return reverse(name, kwargs={"alliance_slug": world.alliance.slug, **kwargs})


# --- opening a claim ---------------------------------------------------------------------------------------------


def test_create_claim_makes_a_numbered_draft_and_audits(world):
    claim = services.create_claim(world.enterprise, world.program, world.period, world.rep)
    assert claim.was_created and claim.status == S.DRAFT
    assert fresh(claim).number.startswith("SB") and claim.number.endswith(f"{claim.pk:06d}")
    assert claim.payee_name == world.enterprise.name and claim.created_by == world.rep
    assert AuditEntry.objects.filter(action="subsidies.claim.created", object_id=str(claim.pk)).exists()


def test_opening_the_same_claim_again_returns_it(world):
    first = services.create_claim(world.enterprise, world.program, world.period, world.rep)
    second = services.create_claim(world.enterprise, world.program, world.period, world.rep)
    assert second.pk == first.pk and not second.was_created
    assert Claim.objects.filter(enterprise=world.enterprise).count() == 1


def test_only_current_member_enterprises_open_claims(world):
    applicant = make_unit(world.alliance, MemberKind.ENTERPRISE, status=MemberStatus.APPLIED)
    with pytest.raises(ValidationError):
        services.create_claim(applicant, world.program, world.period, world.rep)
    with pytest.raises(ValidationError):
        services.create_claim(world.school, world.program, world.period, world.rep)
    assert not Claim.objects.exists()


def test_a_closed_program_or_a_passed_deadline_refuses_a_new_claim(world):
    update_program(world.program, is_active=False)
    with pytest.raises(ValidationError) as refused:
        services.create_claim(world.enterprise, world.program, world.period, world.rep)
    assert "program" in refused.value.message_dict
    update_program(world.program, is_active=True)
    world.period.claim_deadline = timezone.localdate() - datetime.timedelta(days=1)
    world.period.save()
    with pytest.raises(ValidationError) as refused:
        services.create_claim(world.enterprise, world.program, world.period, world.rep)
    assert "period" in refused.value.message_dict


def test_an_existing_claim_opens_even_after_the_deadline(world):
    claim = world.claim()
    world.period.claim_deadline = timezone.localdate() - datetime.timedelta(days=1)
    world.period.save()
    assert services.create_claim(world.enterprise, world.program, world.period, world.rep).pk == claim.pk


# --- payment account ---------------------------------------------------------------------------------------------


def test_payment_account_is_encrypted_and_masked(world):
    claim = world.claim(payment=False)
    services.update_claim_payment(claim, "精密制造", "工商银行", "6222-0202 0011 2233 445", world.rep)
    claim = fresh(claim)
    assert claim.bank_account_masked == "**** **** 3445"
    assert decrypt(claim.bank_account_encrypted) == "6222020200112233445"
    assert "6222020200112233445" not in claim.bank_account_encrypted
    entry = AuditEntry.objects.get(action="subsidies.claim.payment_updated")
    assert "6222020200112233445" not in str(entry.detail) and entry.detail["bank_account"] == "**** **** 3445"


@pytest.mark.parametrize("number", ["1234567", "1" * 31, "6222abc0200112233"])
def test_payment_account_needs_8_to_30_digits(world, number):
    claim = world.claim(payment=False)
    with pytest.raises(ValidationError) as refused:
        services.update_claim_payment(claim, "精密制造", "工商银行", number)
    assert "bank_account" in refused.value.message_dict


def test_payment_account_kept_when_left_empty_and_required_the_first_time(world):
    claim = world.claim(payment=False)
    with pytest.raises(ValidationError):
        services.update_claim_payment(claim, "精密制造", "工商银行", "")
    services.update_claim_payment(claim, "精密制造", "工商银行", "62220202001122")
    services.update_claim_payment(claim, "精密制造二", "建设银行", "")
    claim = fresh(claim)
    assert claim.bank_name == "建设银行" and decrypt(claim.bank_account_encrypted) == "62220202001122"


# --- lines -------------------------------------------------------------------------------------------------------


def test_a_line_stores_only_the_encrypted_hashed_and_masked_id(world, caplog):
    claim = world.claim()
    number = make_id(datetime.date(2006, 2, 28))
    with caplog.at_level(logging.DEBUG):
        line = services.add_claim_line(claim, world.values(resident_id=number), world.rep)
    assert line.position == 1
    assert line.resident_id_masked == number[:4] + "*" * 10 + number[-4:]
    assert line.resident_id_hash == keyed_hash(number)
    assert decrypt(line.resident_id_encrypted) == number
    assert line.birth_date == datetime.date(2006, 2, 28)
    row = ClaimLine.objects.filter(pk=line.pk).values().get()
    assert not any(number in str(value) for value in row.values())
    assert not any(number in str(e.detail) + e.object_repr for e in AuditEntry.objects.all())
    assert number not in caplog.text
    assert AuditEntry.objects.filter(action="subsidies.line.added").exists()
    assert fresh(line).problems == [] and not line.has_errors  # checked on saving: nothing wrong


def test_a_line_gets_its_findings_when_saved(world):
    claim = world.claim()
    line = services.add_claim_line(claim, world.values(insurance_policy_number=""), world.rep)
    assert line.has_errors and "insurance_missing" in {p["code"] for p in line.problems}


@pytest.mark.parametrize("bad", ["12345", "37030320050301001Z", "wrong-digit", "370303200502300011"])
def test_unusable_resident_id_numbers_are_refused(world, bad):
    if bad == "wrong-digit":
        bad = wrong_check_digit(make_id())
    claim = world.claim()
    with pytest.raises(ValidationError) as refused:
        services.add_claim_line(claim, world.values(resident_id=bad), world.rep)
    assert "resident_id" in refused.value.message_dict
    assert bad not in " ".join(refused.value.messages)
    assert not ClaimLine.objects.exists()


def test_a_line_needs_a_name_and_valid_values(world):
    claim = world.claim()
    with pytest.raises(ValidationError) as refused:
        services.add_claim_line(
            claim, world.values(student_name=" ", monthly_pay=Decimal("-1"), specialty="长" * 61), world.rep
        )
    assert {"student_name", "monthly_pay", "specialty"} <= set(refused.value.message_dict)
    with pytest.raises(ValidationError):
        services.add_claim_line(claim, world.values(school=world.enterprise), world.rep)


def test_the_same_student_twice_on_a_claim_is_refused(world):
    claim = world.claim()
    number = make_id()
    services.add_claim_line(claim, world.values(resident_id=number), world.rep)
    with pytest.raises(ValidationError):
        services.add_claim_line(claim, world.values(resident_id=number[:17].lower() + number[17]), world.rep)


def test_update_line_keeps_the_id_when_left_empty_and_audits_field_names(world):
    claim = world.claim()
    number = make_id()
    line = services.add_claim_line(claim, world.values(resident_id=number), world.rep)
    line = services.update_claim_line(
        line, {"resident_id": "", "post": "装配工", "school": world.other_school}
    )
    assert (
        line.post == "装配工"
        and line.school == world.other_school
        and decrypt(line.resident_id_encrypted) == number
    )
    assert line.revision == 2
    entry = AuditEntry.objects.get(action="subsidies.line.updated")
    assert set(entry.detail["fields"]) == {"post", "school"}
    other = make_id()
    line = services.update_claim_line(line, {"resident_id": other})
    assert line.resident_id_hash == keyed_hash(other)
    assert (
        "resident_id"
        in AuditEntry.objects.filter(action="subsidies.line.updated").order_by("pk").last().detail["fields"]
    )
    assert other not in str(
        AuditEntry.objects.filter(action="subsidies.line.updated").order_by("pk").last().detail
    )


def test_lines_cannot_change_once_submitted(world):
    claim = world.ready_claim(1)
    line = claim.lines.get()
    services.submit_claim(claim, world.rep)
    with pytest.raises(TransitionRefused):
        services.add_claim_line(claim, world.values(), world.rep)
    with pytest.raises(TransitionRefused):
        services.update_claim_line(line, {"post": "装配工"})
    with pytest.raises(TransitionRefused):
        services.remove_claim_line(line)
    with pytest.raises(TransitionRefused):
        services.update_claim_payment(claim, "x", "y", "12345678")
    assert ClaimLine.objects.get().post == "数控车床操作工"


def returned_claim(world, reviews):
    """A claim returned by the secretariat with its lines reviewed as given."""
    claim = world.ready_claim(len(reviews))
    services.submit_claim(claim, world.rep)
    claim = fresh(claim)
    if claim.status == S.SCHOOL_CONFIRMATION:
        ClaimLine.objects.filter(claim=claim).update(school_decision=SchoolDecision.CONFIRMED)
        move_claim(claim, S.UNDER_REVIEW)
    lines = list(claim.lines.order_by("position"))
    for line, review in zip(lines, reviews, strict=True):
        line.review = review
        line.save()
    move_claim(claim, S.RETURNED, reason="请更正")
    return claim, lines


def test_in_a_returned_claim_approved_lines_are_locked_others_editable(world):
    claim, (approved, returned, rejected) = returned_claim(
        world, [LineReview.APPROVED, LineReview.RETURNED, LineReview.REJECTED]
    )
    with pytest.raises(TransitionRefused):
        services.update_claim_line(approved, {"post": "装配工"})
    with pytest.raises(TransitionRefused):
        services.remove_claim_line(approved)
    corrected = services.update_claim_line(returned, {"post": "装配工", "school": world.other_school})
    assert corrected.review == LineReview.PENDING and corrected.school_decision == SchoolDecision.PENDING
    revived = services.update_claim_line(rejected, {"insurance_policy_number": "BX-NEW"})
    assert revived.review == LineReview.PENDING
    services.add_claim_line(claim, world.values(), world.rep)
    assert claim.lines.count() == 4
    assert fresh(approved).review == LineReview.APPROVED


def test_remove_line_audits_and_renumbers_nothing(world):
    claim = world.ready_claim(2)
    first = claim.lines.order_by("position").first()
    services.remove_claim_line(first, world.rep)
    services.remove_claim_line(first, world.rep)  # a second click: nothing left to do
    assert list(claim.lines.values_list("position", flat=True)) == [2]
    assert AuditEntry.objects.filter(action="subsidies.line.removed").count() == 1


# --- documents ---------------------------------------------------------------------------------------------------


def test_documents_are_checked_by_content(world):
    claim = world.claim()
    document = services.attach_claim_document(
        claim, SimpleUploadedFile("协议.pdf", b"%PDF-1.4 agreement", "application/pdf"), "三方协议", world.rep
    )
    assert document.content_type == "application/pdf" and document.title == "三方协议"
    with pytest.raises(ValidationError):
        services.attach_claim_document(claim, SimpleUploadedFile("x.pdf", b"MZ not a pdf", "application/pdf"))
    with pytest.raises(ValidationError):
        services.attach_claim_document(claim, SimpleUploadedFile("empty.pdf", b"", "application/pdf"))
    services.remove_claim_document(document, world.rep)
    assert not ClaimDocument.objects.exists()
    assert AuditEntry.objects.filter(action="subsidies.claim.document_attached").exists()


# --- submitting --------------------------------------------------------------------------------------------------


def test_submit_fixes_the_version_and_sends_the_claim_to_the_schools(world):
    claim = world.ready_claim(2)
    submitted = services.submit_claim(claim, world.rep)
    claim = fresh(claim)
    assert submitted.pk == claim.pk and claim.status == S.SCHOOL_CONFIRMATION
    assert claim.program_version == world.program.versions.get()
    assert claim.submitted_at and claim.first_submitted_at == claim.submitted_at
    steps = list(ClaimTransition.objects.filter(claim=claim).values_list("from_status", "to_status"))
    assert steps == [(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.SCHOOL_CONFIRMATION)]
    assert AuditEntry.objects.filter(action="subsidies.claim.submitted", object_id=str(claim.pk)).count() == 1


def test_submitting_twice_is_harmless(world):
    claim = world.ready_claim(1)
    first = services.submit_claim(claim, world.rep)
    second = services.submit_claim(claim, world.rep)
    stale_copy = Claim.objects.get(pk=claim.pk)
    stale_copy.status = S.DRAFT  # a second tab still showing the draft
    third = services.submit_claim(stale_copy, world.rep)
    assert first.pk == second.pk == third.pk
    assert Claim.objects.count() == 1
    assert ClaimTransition.objects.filter(claim=claim, to_status=S.SUBMITTED).count() == 1
    assert third.status == S.SCHOOL_CONFIRMATION


def test_submit_refuses_with_the_findings_and_stores_them(world):
    claim = world.claim()
    ok = services.add_claim_line(claim, world.values(), world.rep)
    bad = services.add_claim_line(claim, world.values(agreement_number=""), world.rep)
    with translation.override("en"), pytest.raises(services.SubmissionRefused) as refused:
        services.submit_claim(claim, world.rep)
    codes = {(f["line"], f["code"]) for f in refused.value.findings}
    assert codes == {(bad.position, "agreement_missing")}
    assert fresh(claim).status == S.DRAFT and not ClaimTransition.objects.exists()
    assert fresh(bad).has_errors and not fresh(ok).has_errors
    assert AuditEntry.objects.filter(action="subsidies.claim.submit_refused", outcome="failure").exists()


def test_submit_needs_lines_and_an_account(world):
    claim = world.claim(payment=False)
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_claim(claim, world.rep)
    assert {"payment_missing", "no_lines"} <= {f["code"] for f in refused.value.findings}


def test_a_draft_cannot_be_submitted_after_the_deadline(world):
    claim = world.ready_claim(1)
    world.period.claim_deadline = timezone.localdate() - datetime.timedelta(days=1)
    world.period.save()
    with pytest.raises(services.DeadlinePassed):
        services.submit_claim(claim, world.rep)
    assert fresh(claim).status == S.DRAFT


def test_a_returned_claim_is_resubmitted_after_the_deadline(world):
    claim, (approved, returned) = returned_claim(world, [LineReview.APPROVED, LineReview.RETURNED])
    first_submitted = fresh(claim).first_submitted_at
    world.period.claim_deadline = timezone.localdate() - datetime.timedelta(days=1)
    world.period.save()
    services.update_claim_line(returned, {"insurance_policy_number": "BX-FIXED"})
    services.submit_claim(claim, world.rep)
    claim = fresh(claim)
    assert claim.status in (S.SCHOOL_CONFIRMATION, S.UNDER_REVIEW)
    assert claim.first_submitted_at == first_submitted and claim.submitted_at > first_submitted


def test_rejected_lines_do_not_hold_a_resubmission_back(world):
    claim, (approved, rejected) = returned_claim(world, [LineReview.APPROVED, LineReview.REJECTED])
    ClaimLine.objects.filter(pk=rejected.pk).update(agreement_number="")
    services.submit_claim(claim, world.rep)
    assert fresh(claim).status != S.RETURNED


def test_a_decided_claim_cannot_be_submitted(world):
    claim = world.ready_claim(1)
    services.submit_claim(claim, world.rep)
    claim = fresh(claim)
    move_claim(claim, S.UNDER_REVIEW)
    move_claim(claim, S.REJECTED, reason="材料不实")
    with pytest.raises(TransitionRefused):
        services.submit_claim(claim, world.rep)


def test_a_claim_without_school_lines_goes_straight_to_review(world):
    claim = world.claim()
    services.add_claim_line(claim, world.values(school=None), world.rep)
    with pytest.raises(services.SubmissionRefused):  # school_missing is an error of internship lines
        services.submit_claim(claim, world.rep)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="row locks between connections need PostgreSQL")
def test_two_submissions_at_once_make_one_transition(alliance, monkeypatch):
    world = World(alliance)
    claim = world.ready_claim(2)
    real_refresh = services._refresh

    def slow_refresh(
        claim,
    ):  # inside the submission's transaction, after the lock: the other caller must wait
        time.sleep(0.3)
        return real_refresh(claim)

    monkeypatch.setattr(services, "_refresh", slow_refresh)
    barrier = threading.Barrier(2)
    results = []

    def submit():
        try:
            with scope(alliance.pk):
                barrier.wait(timeout=10)
                results.append(("ok", services.submit_claim(Claim.objects.get(pk=claim.pk), world.rep).pk))
        except Exception as exc:  # noqa: BLE001 - the test inspects what each caller got
            results.append(("error", exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [("ok", claim.pk), ("ok", claim.pk)], results
    assert ClaimTransition.objects.filter(claim=claim, to_status=S.SUBMITTED).count() == 1
    assert Claim.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent inserts between connections need PostgreSQL")
def test_two_openings_at_once_make_one_claim(alliance):
    world = World(alliance)
    barrier = threading.Barrier(2)
    results = []

    def open_claim():
        try:
            with scope(alliance.pk):
                barrier.wait(timeout=10)
                results.append(
                    services.create_claim(world.enterprise, world.program, world.period, world.rep).pk
                )
        except Exception as exc:  # noqa: BLE001
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2 and results[0] == results[1], results
    assert Claim.objects.count() == 1


# --- who sees what ---------------------------------------------------------------------------------------------


def test_visible_claims_by_role(world, alliance):
    from alliances.access import access_alliance_by_slug

    mine = world.ready_claim(1)
    other_enterprise = make_unit(alliance, MemberKind.ENTERPRISE, employee_count=500)
    theirs = world.claim(other_enterprise)
    services.add_claim_line(theirs, world.values(school=world.other_school), world.rep)
    services.submit_claim(mine, world.rep)

    def visible(user):
        membership = access_alliance_by_slug(user, alliance.slug)
        return set(services.visible_claims(membership).values_list("pk", flat=True))

    assert visible(world.staff) == {mine.pk, theirs.pk}
    assert visible(world.rep) == {mine.pk}
    assert visible(world.school_rep) == {mine.pk}
    assert visible(world.other_school_rep) == set()  # their student is on a draft: not a claim yet
    assert visible(make_member(alliance, Role.BUREAU_OFFICIAL)) == {mine.pk}
    assert visible(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=other_enterprise)) == {theirs.pk}


# --- pages -------------------------------------------------------------------------------------------------------


ENTERPRISE_PAGES = [
    ("claim-detail", "get"), ("claim-check", "post"), ("claim-submit", "get"), ("claim-submit", "post"),
    ("claim-payment", "get"), ("claim-payment", "post"), ("claim-line-add", "get"), ("claim-line-add", "post"),
    ("claim-line-validate", "post"), ("claim-import", "get"), ("claim-import", "post"),
    ("claim-import-template", "get"), ("claim-document-upload", "post"),
]  # fmt: skip
LINE_PAGES = [("claim-line-edit", "get"), ("claim-line-edit", "post"), ("claim-line-delete", "post")]


def test_another_enterprises_claim_is_404_on_every_page(world, alliance, client):
    claim = world.ready_claim(1)
    line = claim.lines.get()
    document = services.attach_claim_document(
        claim, SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf")
    )
    stranger = make_member(
        alliance, Role.MEMBER_REPRESENTATIVE, unit=make_unit(alliance, MemberKind.ENTERPRISE)
    )
    client.force_login(stranger)
    pages = [(name, method, {}) for name, method in ENTERPRISE_PAGES]
    pages += [(name, method, {"claimline_id": line.pk}) for name, method in LINE_PAGES]
    pages += [("claim-document-download", "get", {"claimdocument_id": document.pk}),
              ("claim-document-delete", "post", {"claimdocument_id": document.pk})]  # fmt: skip
    for name, method, extra in pages:
        response = getattr(client, method)(url(name, world, claim_id=claim.pk, **extra))
        assert response.status_code == 404, (name, method, response.status_code)
    assert ClaimLine.objects.count() == 1 and ClaimDocument.objects.count() == 1


def test_enterprise_works_on_its_claim_through_the_pages(world, client):
    client.force_login(world.rep)
    response = client.post(
        url("claim-create", world), {"program": world.program.pk, "period": world.period.pk}
    )
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == url(
        "claim-detail", world, claim_id=claim.pk
    )
    again = client.post(url("claim-create", world), {"program": world.program.pk, "period": world.period.pk})
    assert again.status_code == 302 and Claim.objects.count() == 1
    values = world.values()
    form = {**values, "school": world.school.pk, "starts_on": values["starts_on"].isoformat(),
            "ends_on": values["ends_on"].isoformat()}  # fmt: skip
    response = client.post(url("claim-line-add", world, claim_id=claim.pk), form)
    assert response.status_code == 302
    line = claim.lines.get()
    page = client.get(url("claim-detail", world, claim_id=claim.pk)).content.decode()
    assert line.resident_id_masked in page and values["resident_id"] not in page
    assert 'data-testid="reveal"' not in page  # enterprises see only the mask
    response = client.post(
        url("claim-payment", world, claim_id=claim.pk),
        {"payee_name": "精密制造", "bank_name": "工商银行", "bank_account": "6222020200112233445"},
    )
    assert response.status_code == 302
    page = client.get(url("claim-submit", world, claim_id=claim.pk))
    assert b'data-testid="ready"' in page.content
    assert client.post(url("claim-submit", world, claim_id=claim.pk)).status_code == 302
    assert client.post(url("claim-submit", world, claim_id=claim.pk)).status_code == 302  # a double click
    assert fresh(claim).status == S.SCHOOL_CONFIRMATION
    assert ClaimTransition.objects.filter(to_status=S.SUBMITTED).count() == 1


def test_line_form_errors_and_inline_validation(world, client):
    claim = world.claim()
    client.force_login(world.rep)
    bad_id = wrong_check_digit(make_id())
    response = client.post(
        url("claim-line-add", world, claim_id=claim.pk), {"student_name": "张三", "resident_id": bad_id}
    )
    assert response.status_code == 400 and not claim.lines.exists()
    assert bad_id not in response.content.decode().split('name="resident_id"')[0]
    response = client.post(
        url("claim-line-validate", world, claim_id=claim.pk),
        {"student_name": "张三", "resident_id": make_id(datetime.date.today().replace(year=2015)),
         "starts_on": "1999-01-01", "ends_on": "1999-01-05"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    for code in ("too_young", "dates_outside_period", "agreement_missing", "insurance_missing"):
        assert code in body, code
    assert not claim.lines.exists()


def test_submit_page_lists_the_blocking_findings(world, client):
    claim = world.claim()
    services.add_claim_line(claim, world.values(insurance_policy_number=""), world.rep)
    client.force_login(world.rep)
    page = client.get(url("claim-submit", world, claim_id=claim.pk))
    assert b"insurance_missing" in page.content and b'data-testid="submit-form"' not in page.content
    response = client.post(url("claim-submit", world, claim_id=claim.pk))
    assert response.status_code == 400 and b"insurance_missing" in response.content
    assert fresh(claim).status == S.DRAFT


def test_check_now_refreshes_the_findings(world, client):
    claim = world.ready_claim(1)
    ClaimLine.objects.update(agreement_number="")  # changed behind the checks' back
    client.force_login(world.rep)
    response = client.post(url("claim-check", world, claim_id=claim.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"agreement_missing" in response.content
    assert b'hx-swap-oob="true"' in response.content
    assert ClaimLine.objects.get().has_errors


def test_schools_see_only_their_own_students(world, client):
    claim = world.claim()
    mine = services.add_claim_line(claim, world.values(), world.rep)
    other = services.add_claim_line(claim, world.values(school=world.other_school), world.rep)
    detail = url("claim-detail", world, claim_id=claim.pk)
    client.force_login(world.school_rep)
    assert client.get(detail).status_code == 404  # a draft is not a claim yet
    services.submit_claim(claim, world.rep)
    page = client.get(detail)
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.student_name in body and other.student_name not in body
    assert "6222" not in body and reverse("claim-confirm", kwargs={"alliance_slug": world.alliance.slug,
                                                                   "claim_id": claim.pk}) in body  # fmt: skip
    stranger_school = make_member(
        world.alliance,
        Role.MEMBER_REPRESENTATIVE,
        unit=make_unit(world.alliance, MemberKind.TECHNICAL_SCHOOL),
    )
    client.force_login(stranger_school)
    assert client.get(detail).status_code == 404


def test_bureau_lists_claims_but_does_not_open_them(world, client):
    claim = world.ready_claim(1)
    services.submit_claim(claim, world.rep)
    client.force_login(make_member(world.alliance, Role.BUREAU_OFFICIAL))
    page = client.get(url("claim-list", world))
    assert page.status_code == 200 and claim.number.encode() in page.content
    assert client.get(url("claim-detail", world, claim_id=claim.pk)).status_code == 404


def test_staff_reveal_a_resident_id_and_the_reveal_is_audited(world, client):
    claim = world.claim()
    number = make_id()
    line = services.add_claim_line(claim, world.values(resident_id=number), world.rep)
    services.submit_claim(claim, world.rep)
    client.force_login(world.staff)
    page = client.get(url("claim-detail", world, claim_id=claim.pk)).content.decode()
    assert 'data-testid="reveal"' in page and number not in page
    reveal = url("claim-line-reveal", world, claim_id=claim.pk, claimline_id=line.pk)
    response = client.post(reveal, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="subsidies.line.revealed")
    assert entry.actor == world.staff and entry.object_id == str(line.pk) and number not in str(entry.detail)
    client.force_login(world.rep)
    assert client.post(reveal).status_code == 403
    assert AuditEntry.objects.filter(action="subsidies.line.revealed").count() == 1


def test_create_page_offers_only_open_programs_and_periods(world, client):
    closed = create_program(
        world.alliance, kind="order_class", code="closed", name="已关闭项目", is_active=False
    )
    past = create_period(
        world.alliance, kind="semester", academic_year=2020, semester=1, name="过期学期",
        claim_deadline=datetime.date(2021, 2, 28),
    )  # fmt: skip
    client.force_login(world.rep)
    page = client.get(url("claim-create", world)).content.decode()
    assert world.program.name in page and world.period.name in page
    assert closed.name not in page and past.name not in page
    response = client.post(url("claim-create", world), {"program": closed.pk, "period": past.pk})
    assert response.status_code == 200 and not Claim.objects.exists()  # the form refuses the choices


def _many_claims(world, count):
    for _ in range(count):
        enterprise = make_unit(world.alliance, MemberKind.ENTERPRISE, employee_count=100)
        claim = Claim.objects.create(
            alliance=world.alliance, program=world.program, period=world.period, enterprise=enterprise,
            number=f"N-{next(_numbers)}", status=S.SUBMITTED, submitted_at=timezone.now(),
        )  # fmt: skip
        ClaimLine.objects.create(
            alliance=world.alliance, claim=claim, position=1, student_name="学生", resident_id_encrypted="x",
            resident_id_hash=f"h{next(_numbers)}", resident_id_masked="3703**********0001", school=world.school,
        )  # fmt: skip


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["staff", "school_rep"])
def test_claim_list_runs_a_constant_number_of_queries(world, client, who):
    client.force_login(getattr(world, who))
    path = url("claim-list", world)
    _many_claims(world, 5)
    few = _queries(client, path)
    _many_claims(world, 45)
    assert _queries(client, path) == few


def test_my_claims_runs_a_constant_number_of_queries(world, client):
    client.force_login(world.rep)
    path = url("claim-mine", world)
    periods = [
        create_period(world.alliance, kind="year", academic_year=2000 + n, name=f"年度{n}") for n in range(50)
    ]

    def claims(count):
        for period in periods[:count]:
            claim = Claim.objects.create(
                alliance=world.alliance, program=world.program, period=period, enterprise=world.enterprise,
                number=f"M-{next(_numbers)}",
            )  # fmt: skip
            ClaimLine.objects.create(
                alliance=world.alliance, claim=claim, position=1, student_name="学生", resident_id_encrypted="x",
                resident_id_hash=f"h{next(_numbers)}", resident_id_masked="3703**********0001",
            )  # fmt: skip
        del periods[:count]

    claims(5)
    few = _queries(client, path)
    claims(45)
    assert _queries(client, path) == few


def test_claim_list_filters_for_staff(world, client):
    clean = world.ready_claim(1)
    other = make_unit(world.alliance, MemberKind.ENTERPRISE, employee_count=300, name="有错误的企业")
    faulty = world.claim(other)
    services.add_claim_line(faulty, world.values(agreement_number=""), world.rep)
    client.force_login(world.staff)
    body = client.get(url("claim-list", world), {"has_errors": "true"}).content.decode()
    assert faulty.number in body and clean.number not in body
    body = client.get(url("claim-list", world), {"enterprise": world.enterprise.pk}).content.decode()
    assert clean.number in body and faulty.number not in body
    body = client.get(url("claim-list", world), {"status": "draft", "q": "有错误"}).content.decode()
    assert faulty.number in body and clean.number not in body


def test_detail_page_query_count_does_not_grow_with_lines(world, client):
    claim = world.ready_claim(2)
    client.force_login(world.rep)
    path = url("claim-detail", world, claim_id=claim.pk)
    few = _queries(client, path)
    for _ in range(8):
        services.add_claim_line(claim, world.values(), world.rep)
    assert _queries(client, path) == few


def test_documents_through_the_page(world, client):
    claim = world.claim()
    client.force_login(world.rep)
    upload = SimpleUploadedFile("协议.pdf", b"%PDF-1.4 agreement", "application/pdf")
    response = client.post(
        url("claim-document-upload", world, claim_id=claim.pk), {"title": "三方协议", "file": upload}
    )
    assert response.status_code == 302
    document = ClaimDocument.objects.get()
    download = client.get(
        url("claim-document-download", world, claim_id=claim.pk, claimdocument_id=document.pk)
    )
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="file.downloaded").exists()
    bad = SimpleUploadedFile("evil.pdf", b"<script>", "application/pdf")
    client.post(url("claim-document-upload", world, claim_id=claim.pk), {"file": bad})
    assert ClaimDocument.objects.count() == 1


def test_enterprise_pages_render_for_a_draft_and_a_returned_claim(world, client):
    claim, (approved, returned) = returned_claim(world, [LineReview.APPROVED, LineReview.RETURNED])
    client.force_login(world.rep)
    for name, extra in [("claim-detail", {}), ("claim-line-add", {}), ("claim-payment", {}), ("claim-import", {}),
                        ("claim-submit", {}), ("claim-line-edit", {"claimline_id": returned.pk}),
                        ("claim-mine", None), ("claim-create", None), ("claim-list", None)]:  # fmt: skip
        path = url(name, world) if extra is None else url(name, world, claim_id=claim.pk, **extra)
        assert client.get(path).status_code == 200, name
    page = client.get(url("claim-detail", world, claim_id=claim.pk)).content.decode()
    assert 'data-testid="returned-notice"' in page
    assert url("claim-line-edit", world, claim_id=claim.pk, claimline_id=returned.pk) in page
    assert url("claim-line-edit", world, claim_id=claim.pk, claimline_id=approved.pk) not in page
    locked = client.post(url("claim-line-edit", world, claim_id=claim.pk, claimline_id=approved.pk),
                         {"student_name": "改名", "resident_id": ""})  # fmt: skip
    assert locked.status_code == 409 and fresh(approved).student_name != "改名"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_enterprise_adds_a_line_with_inline_checks_and_submits(alliance, live_server, page):
    """In Chromium: the inline (htmx) checks of the line form, "check now", and the submission with its
    confirmation dialog, under the strict Content-Security-Policy."""
    from playwright.sync_api import expect

    from .factories import PASSWORD

    world = World(alliance)
    world.rep.username = "claim-browser-rep"
    world.rep.save()
    claim = world.claim()
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill("claim-browser-rep")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    page.goto(live_server.url + url("claim-line-add", world, claim_id=claim.pk))
    page.locator("#id_student_name").fill("张三")
    page.locator("#id_resident_id").fill(make_id())
    page.locator("#id_school").select_option(str(world.school.pk))
    page.locator("#id_starts_on").fill(world.period.starts_on.isoformat())
    page.locator("#id_ends_on").fill((world.period.starts_on + datetime.timedelta(days=5)).isoformat())
    page.locator("#id_post").click()
    expect(page.get_by_test_id("inline-finding").filter(has_text="too_short")).to_be_visible()
    page.locator("#id_ends_on").fill((world.period.starts_on + datetime.timedelta(days=90)).isoformat())
    page.locator("#id_agreement_number").fill("XY-1")
    page.locator("#id_insurance_policy_number").fill("BX-1")
    page.locator("#id_monthly_pay").fill("3000")
    page.locator("#id_specialty").click()
    expect(page.get_by_test_id("inline-ok")).to_be_visible()
    page.get_by_test_id("save-line").click()
    expect(page.get_by_test_id("line-row")).to_have_count(1)
    expect(page.get_by_test_id("masked-id")).to_contain_text("**********")
    ClaimLine.objects.update(insurance_policy_number="")
    page.get_by_test_id("check-now").click()
    expect(page.get_by_test_id("line-findings")).to_contain_text("insurance_missing")
    ClaimLine.objects.update(insurance_policy_number="BX-2")
    page.get_by_test_id("to-submit").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-claim").click()
    # The page's language (no cookie), whatever language an earlier test left active in this thread.
    with translation.override("zh-hans"):
        waiting_for_schools = str(S.SCHOOL_CONFIRMATION.label)
    expect(page.get_by_test_id("claim-status")).to_have_text(waiting_for_schools, timeout=10_000)
    assert fresh(claim).status == S.SCHOOL_CONFIRMATION

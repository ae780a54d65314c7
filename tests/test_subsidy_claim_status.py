"""The claim page tells its reader where the claim stands and what happens next, for every status (draft,
submitted, waiting for schools, under review, returned with the reviewer's note, approved with the calculation run
that pays it, rejected with the reason); and the navigation leads schools and staff to their work (the
confirmation inbox with the number of students waiting, the review queue) at no more than one query."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.permissions import Role
from subsidies.models import (
    CalculationRun,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimTransition,
    Disbursement,
    LineReview,
    RunStatus,
    SchoolDecision,
)

from .factories import make_member
from .test_subsidy_claims import World

pytestmark = pytest.mark.django_db

S = ClaimStatus


@pytest.fixture
def world(alliance):
    return World(alliance)


def page(client, world, user, claim) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(
        reverse("claim-detail", kwargs={"alliance_slug": world.alliance.slug, "claim_id": claim.pk})
    )
    assert response.status_code == 200
    return response.content.decode()


def notice(html: str) -> str:
    """The status notice's text, whitespace folded."""
    match = re.search(
        r'<div class="notice[^"]*" data-testid="status-notice" data-status="(\w+)">(.*?)</div>', html, re.S
    )
    assert match, "no status notice"
    return match.group(1) + ": " + " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def claim_in(world, status, *, lines=3, review=(), note="", decided=True) -> Claim:
    """A claim with `lines` lines moved to `status` (lines reviewed as `review` says), as the services leave it."""
    claim = world.ready_claim(lines=lines)
    now = timezone.now()
    changes = {"status": status, "review_note": note}
    if status != S.DRAFT:
        changes.update(submitted_at=now, first_submitted_at=now)
    if status in (S.APPROVED, S.REJECTED) and decided:
        changes["decided_at"] = now
    Claim.objects.filter(pk=claim.pk).update(**changes)
    if status == S.RETURNED:
        ClaimTransition.objects.create(
            alliance=world.alliance,
            claim=claim,
            from_status=S.UNDER_REVIEW,
            to_status=S.RETURNED,
            reason=note,
        )
    for line, value in zip(ClaimLine.objects.filter(claim=claim).order_by("position"), review, strict=False):
        ClaimLine.objects.filter(pk=line.pk).update(review=value, school_decision=SchoolDecision.CONFIRMED)
    claim.refresh_from_db()
    return claim


def test_a_draft_says_what_to_do_and_by_when(world, client):
    claim = claim_in(world, S.DRAFT)
    text = notice(page(client, world, world.rep, claim))
    assert text.startswith("draft: This claim is a draft") and world.period.claim_deadline.isoformat() in text
    assert "has been submitted" not in text
    assert notice(page(client, world, world.staff, claim)).startswith(
        "draft: The enterprise has not submitted"
    )
    world.period.__class__.objects.filter(pk=world.period.pk).update(
        claim_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert "can no longer be submitted" in notice(page(client, world, world.rep, claim))


def test_submitted_and_waiting_for_schools(world, client):
    another = World(world.alliance)  # one claim per enterprise, program and period
    submitted = claim_in(another, S.SUBMITTED)
    assert notice(page(client, another, another.rep, submitted)).startswith("submitted: Submitted on")
    claim = claim_in(world, S.SCHOOL_CONFIRMATION)
    ClaimLine.objects.filter(claim=claim, position=1).update(school_decision=SchoolDecision.CONFIRMED)
    text = notice(page(client, world, world.rep, claim))
    assert "2 of 3 lines still wait for their school" in text and "can no longer be changed" in text
    school = notice(page(client, world, world.school_rep, claim))
    assert school.startswith("school_confirmation: The enterprise names your school's students")
    assert "2 of them wait for your confirmation" in school


def test_under_review(world, client):
    claim = claim_in(world, S.UNDER_REVIEW, review=(LineReview.APPROVED,))
    text = notice(page(client, world, world.rep, claim))
    assert text.startswith("under_review:") and "1 of 3 lines decided so far" in text
    assert "The claim has been submitted" not in page(client, world, world.rep, claim)


def test_returned_with_the_reviewers_note(world, client):
    claim = claim_in(world, S.RETURNED, review=(LineReview.RETURNED,), note="三方协议编号与扫描件不一致")
    html = page(client, world, world.rep, claim)
    text = notice(html)
    assert text.startswith("returned: The secretariat returned this claim for correction on")
    assert (
        "1 line is returned." in text and "三方协议编号与扫描件不一致" in text and "submit it again" in text
    )
    assert 'data-testid="returned-notice"' in html
    assert "三方协议编号与扫描件不一致" in notice(page(client, world, world.staff, claim))


def test_rejected_with_the_reason(world, client):
    claim = claim_in(world, S.REJECTED, review=(LineReview.REJECTED,) * 3, note="企业不符合申报条件")
    text = notice(page(client, world, world.rep, claim))
    assert (
        text.startswith("rejected: The secretariat rejected this claim on") and "no subsidy is paid" in text
    )
    assert "Reason: 企业不符合申报条件" in text and "has been submitted" not in text
    school = page(client, world, world.school_rep, claim)
    assert "企业不符合申报条件" not in school  # the reason is between the enterprise and the secretariat


def approved(world):
    return claim_in(world, S.APPROVED, review=(LineReview.APPROVED, LineReview.APPROVED, LineReview.REJECTED))


def run_of(world, claim, status, amount=None) -> CalculationRun:
    now = timezone.now()
    run = CalculationRun.objects.create(
        alliance=world.alliance, program=world.program, period=world.period,
        program_version=world.program.versions.get(), status=status, calculated_at=now,
        finalised_at=now if status != RunStatus.DRAFT else None,
        approved_at=now if status in (RunStatus.BUREAU_APPROVED, RunStatus.PAID) else None,
        paid_on=timezone.localdate() if status == RunStatus.PAID else None,
        payment_reference="淄财国库支付〔2026〕0001号" if status == RunStatus.PAID else "",
    )  # fmt: skip
    if amount is not None:
        Disbursement.objects.create(
            alliance=world.alliance, run=run, enterprise=claim.enterprise, claim=claim, lines=2,
            gross_amount=amount, capped_amount=amount, amount=amount,
        )  # fmt: skip
    return run


def test_approved_says_what_happens_next(world, client):
    claim = approved(world)
    text = notice(page(client, world, world.rep, claim))
    assert (
        text.startswith("approved: The secretariat approved this claim on")
        and "2 of 3 lines approved" in text
    )
    assert "1 line was rejected and is not paid." in text
    assert (
        "What happens next: the secretariat runs the calculation" in text and "has been submitted" not in text
    )
    draft = run_of(world, claim, RunStatus.DRAFT, Decimal("600.00"))
    assert "is calculating" in notice(page(client, world, world.rep, claim))
    CalculationRun.objects.filter(pk=draft.pk).delete()


@pytest.mark.parametrize("status, next_step", [
    (RunStatus.FINALISED, "waits for the bureau's approval"),
    (RunStatus.BUREAU_APPROVED, "The bureau approved the run on"),
    (RunStatus.PAID, "(payment reference 淄财国库支付〔2026〕0001号)"),
])  # fmt: skip
def test_approved_in_a_finalised_run_shows_the_amount_and_links_the_run_for_those_who_may_see_runs(
    world, client, status, next_step
):
    claim = approved(world)
    run = run_of(world, claim, status, Decimal("12600.00"))
    run_url = reverse(
        "subsidy-run-detail", kwargs={"alliance_slug": world.alliance.slug, "calculationrun_id": run.pk}
    )
    enterprise = page(client, world, world.rep, claim)
    text = notice(enterprise)
    assert (
        "was finalised on" in text
        and "The amount of this claim: 12,600.00 CNY." in text
        and next_step in text
    )
    assert run_url not in enterprise  # representatives do not see runs
    staff = page(client, world, world.staff, claim)
    assert run_url in staff and 'data-testid="status-run-link"' in staff


def test_approved_after_the_run_was_finalised(world, client):
    claim = approved(world)
    run_of(world, claim, RunStatus.FINALISED)  # no amount for this claim
    assert "a further run of the program and period pays it" in notice(page(client, world, world.rep, claim))


# --- navigation ------------------------------------------------------------------------------------------------


def test_schools_see_the_students_waiting_for_them_at_one_query(world, client):
    waiting = world.ready_claim(lines=3)
    Claim.objects.filter(pk=waiting.pk).update(status=S.SCHOOL_CONFIRMATION)
    ClaimLine.objects.filter(claim=waiting, position=1).update(school_decision=SchoolDecision.CONFIRMED)
    draft = World(world.alliance)  # a draft naming the same school: not waiting for it yet
    draft.ready_claim(lines=2, enterprise=None)
    ClaimLine.objects.filter(claim__enterprise=draft.enterprise).update(school=world.school)
    client.force_login(world.school_rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    events = reverse("event-list", kwargs={"alliance_slug": world.alliance.slug})
    with CaptureQueriesContext(connection) as captured:
        html = client.get(events).content.decode()
    inbox = reverse("confirmation-inbox", kwargs={"alliance_slug": world.alliance.slug})
    assert f'href="{inbox}" data-testid="nav-confirmations"' in html
    assert re.search(r'data-testid="nav-confirmations-count"[^>]*>2<', html)
    assert len([q for q in captured if '"subsidies_claimline"' in q["sql"]]) == 1
    assert "review-queue" not in html and "Claims to review" not in html
    # Nothing waiting: the link without a badge.
    ClaimLine.objects.filter(claim=waiting).update(school_decision=SchoolDecision.CONFIRMED)
    html = client.get(events).content.decode()
    assert 'data-testid="nav-confirmations"' in html and "nav-confirmations-count" not in html


def test_staff_get_the_review_queue_and_nobody_else_pays_for_the_count(world, client):
    client.force_login(world.staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    events = reverse("event-list", kwargs={"alliance_slug": world.alliance.slug})
    with CaptureQueriesContext(connection) as captured:
        html = client.get(events).content.decode()
    queue = reverse("review-queue", kwargs={"alliance_slug": world.alliance.slug})
    assert f'href="{queue}" data-testid="nav-review-queue"' in html and "Claims to review" in html
    assert "nav-confirmations" not in html
    assert not [q for q in captured if '"subsidies_claimline"' in q["sql"]]
    # An enterprise's representative: its claims, no inbox, no queue, no count.
    client.force_login(world.rep)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(events).content.decode()
    assert "nav-confirmations" not in html and "nav-review-queue" not in html
    assert not [q for q in captured if '"subsidies_claimline"' in q["sql"]]
    bureau = make_member(world.alliance, Role.BUREAU_OFFICIAL)
    client.force_login(bureau)
    html = client.get(events).content.decode()
    assert "nav-confirmations" not in html and "nav-review-queue" not in html

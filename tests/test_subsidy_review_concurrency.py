"""Two reviewers at once, on PostgreSQL: threads with their own database connections start together (a barrier)
and call the review services. The claim row lock serialises them: a claim is approved once, two decisions made
on the same revision of a line never both land, and a line decision racing the claim decision never gets lost.

Each service is slowed down inside its transaction (after it has read and locked what it needs) so that the
second caller certainly arrives while the first still holds the lock; without the lock both would succeed."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from alliances.permissions import Role
from alliances.tenancy import scope
from subsidies.models import ClaimLine, ClaimStatus, ClaimTransition, LineReview, SchoolDecision
from subsidies.services import review
from subsidies.workflow import TransitionRefused

from .factories import make_member
from .test_subsidy_review import World

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="row locks (SELECT … FOR UPDATE) between connections need PostgreSQL; SQLite test databases live "
        "in memory and lock the whole database",
    ),
]

PAUSE = 0.3


@pytest.fixture
def slow(monkeypatch):
    """Pause inside each service's transaction, after its reads, before it writes the audit entry."""
    real_move, real_record = review.move_claim, review.record_event

    def move_claim(*args, **kwargs):
        time.sleep(PAUSE)
        return real_move(*args, **kwargs)

    def record_event(*args, **kwargs):
        time.sleep(PAUSE)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(review, "move_claim", move_claim)
    monkeypatch.setattr(review, "record_event", record_event)


def race(alliance_id: int, *calls) -> list[tuple[str, object]]:
    """Run each call in its own thread (own connection, own scope), all released at once."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, object]] = [("missing", None)] * len(calls)

    def run(index, call):
        try:
            with scope(alliance_id):
                barrier.wait(timeout=10)
                results[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the test inspects what each caller got
            results[index] = ("refused", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a caller is stuck (deadlock?)"
    return results


@pytest.fixture
def world(alliance):
    return World(alliance)


@pytest.fixture
def approved_lines(world):
    claim = world.claim(status=ClaimStatus.UNDER_REVIEW)
    lines = world.lines(claim, 3, school_decision=SchoolDecision.CONFIRMED, review=LineReview.APPROVED)
    return claim, lines


def test_two_approvals_racing_make_one_transition(world, approved_lines, slow):
    claim, _lines = approved_lines
    other_staff = make_member(world.alliance, Role.SECRETARIAT_STAFF)
    results = race(
        world.alliance.pk,
        lambda: review.decide_claim(claim, "approve", "同意", world.staff),
        lambda: review.decide_claim(claim, "approve", "同意", other_staff),
    )
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["ok", "refused"], results
    refused = next(value for kind, value in results if kind == "refused")
    assert isinstance(refused, TransitionRefused)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert ClaimTransition.objects.filter(claim=claim, to_status=ClaimStatus.APPROVED).count() == 1


def test_approve_and_reject_racing_leave_one_decision(world, approved_lines, slow):
    claim, _lines = approved_lines
    results = race(
        world.alliance.pk,
        lambda: review.decide_claim(claim, "approve", "同意", world.staff),
        lambda: review.decide_claim(claim, "reject", "材料造假", world.staff),
    )
    assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
    claim.refresh_from_db()
    assert claim.status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED)
    decided = ClaimTransition.objects.filter(claim=claim, from_status=ClaimStatus.UNDER_REVIEW)
    assert decided.count() == 1 and decided.get().to_status == claim.status


def test_two_line_decisions_on_the_same_revision_one_wins(world, slow):
    claim = world.claim(status=ClaimStatus.UNDER_REVIEW)
    line = world.line(claim, school_decision=SchoolDecision.CONFIRMED)
    results = race(
        world.alliance.pk,
        lambda: review.review_lines(claim, {line.pk: ("approved", "", 1)}, world.staff),
        lambda: review.review_lines(claim, {line.pk: ("rejected", "重复申报", 1)}, world.staff),
    )
    assert sorted(kind for kind, _ in results) == ["ok", "refused"], results
    refused = next(value for kind, value in results if kind == "refused")
    assert isinstance(refused, review.StaleRevision)
    winner = next(value for kind, value in results if kind == "ok")[0]
    line.refresh_from_db()
    assert line.revision == 2 and line.review == winner.review  # the winner's decision stands, nothing else


def test_line_decision_racing_the_claim_decision_is_never_lost(world, slow):
    claim = world.claim(status=ClaimStatus.UNDER_REVIEW)
    first, second = world.lines(
        claim, 2, school_decision=SchoolDecision.CONFIRMED, review=LineReview.APPROVED
    )
    results = race(
        world.alliance.pk,
        lambda: review.decide_claim(claim, "approve", "", world.staff),
        lambda: review.review_lines(claim, {second.pk: ("returned", "协议号有误", 1)}, world.staff),
    )
    claim.refresh_from_db()
    second.refresh_from_db()
    (approve_kind, _), (line_kind, _) = results
    assert sorted([approve_kind, line_kind]) == ["ok", "refused"], results
    if approve_kind == "ok":  # approved first: the return came too late and was refused
        assert claim.status == ClaimStatus.APPROVED and second.review == LineReview.APPROVED
    else:  # the return landed first: the claim cannot be approved with a returned line
        assert claim.status == ClaimStatus.UNDER_REVIEW and second.review == LineReview.RETURNED
    assert ClaimLine.objects.get(pk=first.pk).review == LineReview.APPROVED


def test_school_decisions_racing_move_the_claim_once(world, slow):
    claim = world.claim(status=ClaimStatus.SCHOOL_CONFIRMATION)
    world.line(claim, school="school")
    world.line(claim, school="other")
    results = race(
        world.alliance.pk,
        lambda: review.confirm_all_students(world.school, claim, world.school_rep),
        lambda: review.confirm_all_students(world.other_school, claim, world.other_school_rep),
    )
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert sorted(value.moved_to_review for _, value in results) == [False, True]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNDER_REVIEW
    assert ClaimTransition.objects.filter(claim=claim, to_status=ClaimStatus.UNDER_REVIEW).count() == 1

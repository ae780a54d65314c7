"""The review API (subsidies/api/review.py): school confirmations and the secretariat's review actions.
400 for bad input, 409 for state conflicts and for stale revisions; permissions by unit; the schema builds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from subsidies.models import ClaimLine, ClaimStatus, LineReview, SchoolDecision

from .factories import make_unit
from .test_subsidy_review import ERROR, World

pytestmark = pytest.mark.django_db

S = ClaimStatus


@pytest.fixture
def world(alliance):
    return World(alliance)


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.cookies["django_language"] = "en"
    return client


def api(world, name, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"alliance_slug": world.alliance.slug, **kwargs})


def fresh(obj):
    obj.refresh_from_db()
    return obj


# --- school confirmations ---------------------------------------------------------------------------------


def test_school_lists_only_its_waiting_students(world):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    mine = world.lines(claim, 2)
    world.line(claim, school="other")
    decided = world.line(claim, school_decision=SchoolDecision.CONFIRMED)
    elsewhere = world.claim(status=S.UNDER_REVIEW, enterprise=make_unit(world.alliance))
    world.line(elsewhere, school_decision=SchoolDecision.PENDING)
    response = api_client(world.school_rep).get(api(world, "school-confirmation-list"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["id"] for row in rows} == {line.pk for line in mine}
    assert rows[0]["resident_id_masked"].count("*") == 10 and "resident_id_encrypted" not in rows[0]
    response = api_client(world.school_rep).get(
        api(world, "school-confirmation-list"), {"decision": "confirmed"}
    )
    assert [row["id"] for row in response.json()["results"]] == [decided.pk]
    response = api_client(world.school_rep).get(api(world, "school-confirmation-list"), {"decision": "nope"})
    assert response.status_code == 400


def test_school_decides_in_bulk(world):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    a, b = world.lines(claim, 2)
    client = api_client(world.school_rep)
    decide = api(world, "school-confirmation-decide")
    body = {"claim": claim.pk, "decisions": [{"line": a.pk, "decision": "confirmed"},
                                             {"line": b.pk, "decision": "denied", "note": ""}]}  # fmt: skip
    response = client.post(decide, body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    body["decisions"][1]["note"] = "已转学"
    response = client.post(decide, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "confirmed": 1,
        "denied": 1,
        "moved_to_review": True,
        "claim_status": "under_review",
    }
    assert fresh(b).school_note == "已转学"
    response = client.post(decide, body, format="json")  # the claim moved on
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


def test_school_cannot_touch_other_schools_lines_or_claims(world):
    claim = world.claim(status=S.SCHOOL_CONFIRMATION)
    mine = world.line(claim)
    theirs = world.line(claim, school="other")
    client = api_client(world.school_rep)
    body = {"claim": claim.pk, "decisions": [{"line": mine.pk, "decision": "confirmed"},
                                             {"line": theirs.pk, "decision": "confirmed"}]}  # fmt: skip
    response = client.post(api(world, "school-confirmation-decide"), body, format="json")
    assert response.status_code == 400
    assert fresh(mine).school_decision == fresh(theirs).school_decision == SchoolDecision.PENDING
    lonely = world.claim(status=S.SCHOOL_CONFIRMATION, enterprise=make_unit(world.alliance))
    world.line(lonely, school="other")
    response = client.post(api(world, "school-confirmation-confirm-all"), {"claim": lonely.pk}, format="json")
    assert response.status_code == 404
    response = client.post(api(world, "school-confirmation-confirm-all"), {"claim": claim.pk}, format="json")
    assert response.status_code == 200 and response.json()["confirmed"] == 1
    assert fresh(theirs).school_decision == SchoolDecision.PENDING


def test_confirmations_need_a_school_representative(world):
    for user in (world.enterprise_rep, world.staff):
        response = api_client(user).get(api(world, "school-confirmation-list"))
        assert response.status_code == 403


# --- review ------------------------------------------------------------------------------------------------


def test_review_queue_and_detail(world):
    claim = world.claim(status=S.UNDER_REVIEW)
    line = world.line(claim, school_decision=SchoolDecision.CONFIRMED, problems=[ERROR], has_errors=True)
    world.claim(status=S.DRAFT, enterprise=make_unit(world.alliance))
    client = api_client(world.staff)
    response = client.get(api(world, "claim-review-list"), {"status": "under_review"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["id"], row["line_total"], row["lines_with_errors"]) == (claim.pk, 1, 1)
    detail = client.get(api(world, "claim-review-detail", claim_id=claim.pk)).json()
    assert detail["lines"][0]["id"] == line.pk and detail["lines"][0]["problems"] == [ERROR]
    assert detail["lines"][0]["revision"] == 1 and "resident_id_encrypted" not in detail["lines"][0]
    assert api_client(world.school_rep).get(api(world, "claim-review-list")).status_code == 403


def test_review_queue_api_runs_a_constant_number_of_queries(world):
    client = api_client(world.staff)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(api(world, "claim-review-list")).status_code == 200
        return len(captured)

    def add(number):
        for _ in range(number):
            world.lines(world.claim(status=S.UNDER_REVIEW, enterprise=make_unit(world.alliance)), 3)

    add(5)
    few = count()
    add(45)
    assert count() == few


def test_line_decisions_with_revisions(world):
    claim = world.claim(status=S.UNDER_REVIEW)
    a, b = world.lines(claim, 2, school_decision=SchoolDecision.CONFIRMED)
    client = api_client(world.staff)
    lines_url = api(world, "claim-review-lines", claim_id=claim.pk)
    body = {"decisions": [{"line": a.pk, "review": "approved", "revision": 1},
                          {"line": b.pk, "review": "rejected", "reason": "", "revision": 1}]}  # fmt: skip
    assert client.post(lines_url, body, format="json").status_code == 400  # a rejection needs a reason
    body["decisions"][1]["reason"] = "实习不足30天"
    response = client.post(lines_url, body, format="json")
    assert response.status_code == 200
    assert [(row["review"], row["revision"]) for row in response.json()["lines"]] == [
        ("approved", 2),
        ("rejected", 2),
    ]
    response = client.post(lines_url, body, format="json")  # the same revisions again
    assert response.status_code == 409 and response.json()["error"]["code"] == "stale"
    assert "changed by someone else" in response.json()["error"]["message"]
    duplicate = {"decisions": [{"line": a.pk, "review": "approved", "revision": 2}] * 2}
    assert client.post(lines_url, duplicate, format="json").status_code == 400
    assert client.post(lines_url, {"decisions": []}, format="json").status_code == 400


def test_line_with_findings_cannot_be_approved_through_the_api(world):
    claim = world.claim(status=S.UNDER_REVIEW)
    line = world.line(claim, school_decision=SchoolDecision.CONFIRMED, problems=[ERROR], has_errors=True)
    response = api_client(world.staff).post(
        api(world, "claim-review-lines", claim_id=claim.pk),
        {"decisions": [{"line": line.pk, "review": "approved", "revision": 1}]},
        format="json",
    )
    assert response.status_code == 400 and "duplicate_student" in str(response.json()["error"]["details"])


def test_approve_clean_and_decide(world):
    claim = world.claim(status=S.UNDER_REVIEW)
    world.lines(claim, 2, school_decision=SchoolDecision.CONFIRMED)
    client = api_client(world.staff)
    decide = api(world, "claim-review-decide", claim_id=claim.pk)
    response = client.post(decide, {"decision": "approve"}, format="json")
    assert response.status_code == 409 and "Decide every line" in response.json()["error"]["message"]
    assert client.post(decide, {"decision": "reject"}, format="json").status_code == 400
    assert client.post(decide, {"decision": "maybe"}, format="json").status_code == 400
    response = client.post(api(world, "claim-review-approve-clean", claim_id=claim.pk))
    assert response.status_code == 200 and response.json() == {"approved": 2}
    response = client.post(decide, {"decision": "approve", "revision": claim.revision + 5}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "stale"
    response = client.post(
        decide, {"decision": "approve", "reason": "同意", "revision": claim.revision}, format="json"
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "approved" and data["transitions"][-1]["to_status"] == "approved"
    assert client.post(decide, {"decision": "approve"}, format="json").status_code == 409
    assert ClaimLine.objects.filter(claim=claim, review=LineReview.APPROVED).count() == 2


def test_draft_claims_are_not_reviewable(world):
    draft = world.claim(status=S.DRAFT)
    response = api_client(world.staff).get(api(world, "claim-review-detail", claim_id=draft.pk))
    assert response.status_code == 404


def test_schema_documents_the_review_routes(world):
    response = api_client(world.staff).get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    prefix = "/api/v1/alliances/{alliance_slug}/"
    for path in ("school-confirmations/", "school-confirmations/decide/", "school-confirmations/confirm-all/",
                 "claim-reviews/", "claim-reviews/{claim_id}/", "claim-reviews/{claim_id}/lines/",
                 "claim-reviews/{claim_id}/approve-clean/", "claim-reviews/{claim_id}/decide/"):  # fmt: skip
        assert prefix + path in paths, path
    assert "409" in paths[prefix + "claim-reviews/{claim_id}/lines/"]["post"]["responses"]

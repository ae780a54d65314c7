"""Compliance findings are stored in no language and read in the reader's (subsidies/findings.py): a check run in an
English session reads in Chinese on a zh-hans page and in the API (the language cookie, as alliances/locale.py
decides it), and the other way round; labels among the parameters (a member's status) are translated when shown;
reading in another language rewrites nothing; rows stored before keep their message."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from rest_framework.test import APIClient

from members.models import MemberStatus, MemberUnit
from subsidies.checks import refresh_claim_checks
from subsidies.findings import Finding, displayed, label, render
from subsidies.models import ClaimLine
from subsidies.services import claims as services

from .test_subsidy_claims import World

pytestmark = pytest.mark.django_db

LANGUAGE = settings.LANGUAGE_COOKIE_NAME
WITHDRAWN = {"en": "Withdrawn", "zh-hans": "已退出"}


@pytest.fixture
def world(alliance):
    return World(alliance)


def page_client(client, user, language):
    client.force_login(user)
    client.cookies[LANGUAGE] = language
    return client


def api_client(user, language) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.cookies[LANGUAGE] = language
    return client


def claim_with_findings(world):
    """A draft whose line has findings with a translated label among the parameters (the school left the
    alliance: "… (Withdrawn)") and without parameters (no insurance policy number)."""
    claim = world.claim()
    services.add_claim_line(claim, world.values(insurance_policy_number=""), world.rep)
    MemberUnit.objects.filter(pk=world.school.pk).update(status=MemberStatus.WITHDRAWN)
    return claim


def in_language(language, text, params=None) -> str:
    with translation.override(language):
        return render(text, params)


@pytest.mark.parametrize("checked_in, read_in", [("en", "zh-hans"), ("zh-hans", "en")])
def test_findings_checked_in_one_language_read_in_the_other(world, client, checked_in, read_in):
    claim = claim_with_findings(world)
    # The enterprise checks its claim in one language ("Check now" on its page).
    rep = page_client(client, world.rep, checked_in)
    response = rep.post(
        reverse("claim-check", kwargs={"alliance_slug": world.alliance.slug, "claim_id": claim.pk})
    )
    assert response.status_code == 302
    line = ClaimLine.objects.get(claim=claim)
    stored = {problem["code"]: problem for problem in line.problems}
    member = stored["school_not_member"]
    # Stored: the source text and its parameters, the status as its code; the message as rendered then.
    assert member["text"] == "%(school)s is not a current member of the alliance (%(status)s)."
    assert member["params"] == {"school": world.school.name, "status": label("member_status", "withdrawn")}
    assert member["message"] == in_language(checked_in, member["text"], member["params"])
    assert WITHDRAWN[checked_in] in member["message"]
    insurance = stored["insurance_missing"]
    assert insurance["params"] == {} and insurance["message"] == in_language(checked_in, insurance["text"])

    # A reviewer reads the claim in the other language: the page shows every message in that language.
    expected = {code: in_language(read_in, p["text"], p["params"]) for code, p in stored.items()}
    assert WITHDRAWN[read_in] in expected["school_not_member"]
    staff = page_client(client, world.staff, read_in)
    body = staff.get(
        reverse("claim-detail", kwargs={"alliance_slug": world.alliance.slug, "claim_id": claim.pk})
    )
    html = body.content.decode()
    assert body.status_code == 200
    for message in expected.values():
        assert escape(message) in html
    assert f"({WITHDRAWN[checked_in]})" not in html

    # … and so does the API (the language cookie, as for pages; Chinese without one).
    answer = api_client(world.staff, read_in).get(
        f"/api/v1/alliances/{world.alliance.slug}/claims/{claim.pk}/lines/"
    )
    assert answer.status_code == 200
    rows = answer.json()["results"] if isinstance(answer.json(), dict) else answer.json()
    shown = {problem["code"]: problem for problem in rows[0]["problems"]}
    assert {code: problem["message"] for code, problem in shown.items()} == expected
    assert set(shown["school_not_member"]) == {"code", "severity", "message"}
    detail = api_client(world.staff, read_in).get(
        f"/api/v1/alliances/{world.alliance.slug}/claims/{claim.pk}/"
    )
    assert {p["code"]: p["message"] for p in detail.json()["lines"][0]["problems"]} == expected

    # Checking again in the other language finds nothing new: the stored row is not rewritten.
    with CaptureQueriesContext(connection) as captured:
        refresh = page_client(client, world.rep, read_in).post(
            reverse("claim-check", kwargs={"alliance_slug": world.alliance.slug, "claim_id": claim.pk})
        )
    assert refresh.status_code == 302
    assert not [q for q in captured if q["sql"].startswith("UPDATE") and "subsidies_claimline" in q["sql"]]
    line.refresh_from_db()
    assert {problem["code"]: problem for problem in line.problems} == stored


def test_the_check_answer_and_refused_submission_speak_the_readers_language(world):
    claim = claim_with_findings(world)
    with translation.override("en"):
        refresh_claim_checks(claim)
    base = f"/api/v1/alliances/{world.alliance.slug}/claims/{claim.pk}"
    checked = api_client(world.rep, "zh-hans").post(f"{base}/check/")
    messages = {f["code"]: f["message"] for f in checked.json()["findings"]}
    assert WITHDRAWN["zh-hans"] in messages["school_not_member"]
    refused = api_client(world.rep, "zh-hans").post(f"{base}/submit/")
    assert refused.status_code == 400
    blocking = {f["code"]: f["message"] for f in refused.json()["error"]["details"]["findings"]}
    assert WITHDRAWN["zh-hans"] in blocking["school_not_member"]


def test_rows_stored_before_keep_their_message_and_labels_fall_back():
    old = [
        {"code": "duplicate_student", "severity": "error", "message": "该学生已由其他企业申报"},
        "not a finding",
    ]
    assert displayed(old) == [
        {"code": "duplicate_student", "severity": "error", "message": "该学生已由其他企业申报"}
    ]
    finding = Finding("school_not_member", "error", "%(school)s is not a current member of the alliance (%(status)s).",
                      {"school": "某校", "status": label("member_status", "no-such-status")})  # fmt: skip
    with translation.override("en"):
        assert finding.message == "某校 is not a current member of the alliance (no-such-status)."
        # A translation whose placeholders do not fit gives the source text, never an error page.
        assert render("%(missing)s and %(school)s", {"school": "某校"}) == "%(missing)s and %(school)s"

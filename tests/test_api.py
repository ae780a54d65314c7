"""API base: authentication (session and token), error format, throttling, schema and offline docs, health."""

import re

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alliances.permissions import Role

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_client(alliance):
    user = make_member(alliance, Role.SECRETARIAT_STAFF)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_anonymous_callers_get_a_json_error(client):
    response = client.get(reverse("api:root"))
    assert response.status_code in (401, 403)
    error = response.json()["error"]
    assert (
        error["code"] == "not_authenticated" and error["message"] and error["status"] == response.status_code
    )


def test_token_authentication_reaches_the_alliance(alliance, token_client):
    make_unit(alliance, name="淄博令牌测试企业")
    me = token_client.get(reverse("api:me")).json()
    assert me["grants"] == [{"alliance": alliance.slug, "role": "secretariat_staff",
                              "role_display": me["grants"][0]["role_display"], "member_unit": None}]  # fmt: skip
    assert [a["slug"] for a in token_client.get(reverse("api:alliance-list")).json()] == [alliance.slug]
    members = token_client.get(reverse("api:member-list", kwargs={"alliance_slug": alliance.slug})).json()
    assert [m["name"] for m in members["results"]] == ["淄博令牌测试企业"]


def test_token_user_without_grant_gets_404(other_alliance, token_client):
    response = token_client.get(reverse("api:member-list", kwargs={"alliance_slug": other_alliance.slug}))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_filters_are_shared_with_the_page(alliance, token_client):
    make_unit(alliance, "enterprise", name="淄博齐鲁化工有限公司")
    make_unit(alliance, "technical_school", name="淄博市技师学院")
    url = reverse("api:member-list", kwargs={"alliance_slug": alliance.slug})
    assert [m["name"] for m in token_client.get(url, {"q": "技师"}).json()["results"]] == ["淄博市技师学院"]
    assert [m["name"] for m in token_client.get(url, {"kind": "enterprise"}).json()["results"]] == [
        "淄博齐鲁化工有限公司"
    ]
    bad = token_client.get(url, {"kind": "spaceship"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_member_api_list_runs_a_constant_number_of_queries(alliance, token_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("api:member-list", kwargs={"alliance_slug": alliance.slug})

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert token_client.get(url).status_code == 200
        return len(captured)

    make_unit(alliance)
    few = queries()
    for _ in range(30):
        make_unit(alliance)
    assert queries() == few


def test_throttling_answers_429_in_the_same_format(alliance, token_client, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min"})
    statuses = [token_client.get(reverse("api:me")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = token_client.get(reverse("api:alliance-list"))
    assert response.json()["error"]["code"] == "throttled" and "Retry-After" in response


def test_openapi_schema_documents_the_tenant_routes(staff_client):
    response = staff_client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/alliances/{alliance_slug}/jobs/{job_id}/" in schema["paths"]
    assert "/api/v1/alliances/{alliance_slug}/members/" in schema["paths"]


def test_api_docs_are_served_offline(staff_client):
    response = staff_client.get(reverse("api-docs"))
    assert response.status_code == 200
    body = response.content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', body):
        assert not url.startswith(("http://", "https://", "//")), f"API docs load {url} from the internet"


def test_health_reports_database_broker_and_worker(client, settings):
    response = client.get(reverse("healthz"))
    data = response.json()
    assert response.status_code == 200 and data["status"] == "ok"
    assert data["database"]["ok"] and set(data) == {"database", "broker", "worker", "status"}
    expected_mode = "redis" if settings.REDIS_URL else "inline"
    assert data["broker"]["mode"] == expected_mode


def test_health_reports_a_dead_broker(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    data = client.get(reverse("healthz")).json()
    assert data["broker"]["ok"] is False and data["database"]["ok"] is True


def test_actions_through_a_token_are_audited_with_the_actor(
    alliance, token_client, django_capture_on_commit_callbacks
):
    from alliances.models import AuditEntry

    url = reverse("api:job-list", kwargs={"alliance_slug": alliance.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client.post(
            url, {"kind": "members.export_roster"}, format="json", REMOTE_ADDR="10.3.3.3"
        )
    assert response.status_code == 201
    entry = AuditEntry.objects.get(action="job.requested")
    assert entry.actor is not None and entry.actor.auth_token and entry.address == "10.3.3.3"

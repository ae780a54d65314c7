"""The claims API (subsidies/api/claims.py): list and retrieve with masked IDs and the shared filters, create
(201, then 200 for the same program and period), lines (create, bulk all or nothing with per-row errors, update,
delete), check, submit (200 idempotent, 400 with findings, 409), payment, documents, reveal (audited), another
enterprise's claim 404, schools see their own students, constant queries, the OpenAPI schema."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from alliances.models import AuditEntry
from alliances.permissions import Role
from alliances.personal_data import decrypt
from members.models import MemberKind
from subsidies.models import Claim, ClaimDocument, ClaimLine, ClaimStatus, ClaimTransition
from subsidies.services import claims as services
from subsidies.workflow import move_claim

from .factories import make_member, make_unit
from .test_subsidy_claims import World, make_id, wrong_check_digit

pytestmark = pytest.mark.django_db
S = ClaimStatus


@pytest.fixture
def world(alliance):
    return World(alliance)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language is the cookie's (alliances/locale.py)
    return client


def base(world) -> str:
    return f"/api/v1/alliances/{world.alliance.slug}/claims/"


def line_body(world, **changes) -> dict:
    values = world.values(**changes)
    body = {**values, "school": values["school"].pk if values["school"] else None}
    body["starts_on"], body["ends_on"] = values["starts_on"].isoformat(), values["ends_on"].isoformat()
    body["monthly_pay"] = str(values["monthly_pay"])
    return body


def test_create_then_open_again(world):
    client = api(world.rep)
    body = {"program": world.program.pk, "period": world.period.pk}
    first = client.post(base(world), body, format="json")
    assert first.status_code == 201, first.json()
    again = client.post(base(world), body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Claim.objects.count() == 1 and first.json()["status"] == "draft"


def test_create_is_for_enterprises_and_validated(world):
    assert api(world.staff).post(base(world), {}, format="json").status_code == 403
    assert api(world.school_rep).post(base(world), {}, format="json").status_code == 403
    response = api(world.rep).post(
        base(world), {"program": world.program.pk, "period": 999999}, format="json"
    )
    assert response.status_code == 400 and "period" in response.json()["error"]["details"]


def test_lines_create_update_delete_with_masked_ids(world):
    claim = world.claim()
    client = api(world.rep)
    number = make_id()
    response = client.post(
        f"{base(world)}{claim.pk}/lines/", line_body(world, resident_id=number), format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["resident_id_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in response.content.decode() and "resident_id" not in data
    line_url = f"{base(world)}{claim.pk}/lines/{data['id']}/"
    patched = client.patch(line_url, {"post": "装配工"}, format="json")
    assert patched.status_code == 200 and patched.json()["post"] == "装配工"
    assert decrypt(ClaimLine.objects.get().resident_id_encrypted) == number
    listed = client.get(f"{base(world)}{claim.pk}/lines/").json()
    assert listed["count"] == 1 if isinstance(listed, dict) else len(listed) == 1
    assert client.get(line_url).status_code == 200
    assert client.delete(line_url).status_code == 204
    assert not ClaimLine.objects.exists()


def test_a_bad_line_is_refused_with_field_errors(world):
    claim = world.claim()
    bad = wrong_check_digit(make_id())
    response = api(world.rep).post(
        f"{base(world)}{claim.pk}/lines/", line_body(world, resident_id=bad, monthly_pay="-5"), format="json"
    )
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert "monthly_pay" in details
    assert bad not in response.content.decode()
    response = api(world.rep).post(
        f"{base(world)}{claim.pk}/lines/", line_body(world, resident_id=bad), format="json"
    )
    assert response.status_code == 400 and "resident_id" in response.json()["error"]["details"]


def test_bulk_create_is_all_or_nothing_with_row_errors(world):
    claim = world.claim()
    client = api(world.rep)
    url = f"{base(world)}{claim.pk}/lines/bulk/"
    same = make_id()
    rows = [line_body(world), line_body(world, resident_id=same), line_body(world, resident_id=same),
            line_body(world, resident_id=wrong_check_digit(make_id())), line_body(world, student_name="")]  # fmt: skip
    response = client.post(url, {"lines": rows}, format="json")
    assert response.status_code == 400
    errors = response.json()["error"]["details"]["rows"]
    assert {(e["row"], e["field"]) for e in errors} == {(5, "student_name")}  # the serializer's pass first
    rows[4] = line_body(world)
    response = client.post(url, {"lines": rows}, format="json")
    assert response.status_code == 400
    errors = response.json()["error"]["details"]["rows"]
    assert {(e["row"], e["field"]) for e in errors} == {(3, "resident_id"), (4, "resident_id")}
    assert not ClaimLine.objects.exists()
    del rows[2:4]
    response = client.post(url, {"lines": rows}, format="json")
    assert response.status_code == 201 and response.json()["created"] == 3
    assert [line["position"] for line in response.json()["lines"]] == [1, 2, 3]
    again = client.post(url, {"lines": [line_body(world, resident_id=same)]}, format="json")
    assert (
        again.status_code == 400
        and "already on this claim" in again.json()["error"]["details"]["rows"][0]["message"]
    )


def test_bulk_create_runs_a_constant_number_of_queries(world):
    """Schools (and order classes) named by the rows are loaded once for the whole request, not per row."""
    client = api(world.rep)

    def queries(count: int) -> int:
        claim = world.claim()
        rows = [line_body(world) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            response = client.post(f"{base(world)}{claim.pk}/lines/bulk/", {"lines": rows}, format="json")
        assert response.status_code == 201 and response.json()["created"] == count
        ClaimLine.objects.filter(claim=claim).delete()
        claim.delete()
        return len(captured)

    assert queries(3) == queries(30)
    rows = [line_body(world), {**line_body(world), "school": 999_999}, {**line_body(world), "school": "x"}]
    claim = world.claim()
    response = client.post(f"{base(world)}{claim.pk}/lines/bulk/", {"lines": rows}, format="json")
    assert response.status_code == 400
    assert {(e["row"], e["field"]) for e in response.json()["error"]["details"]["rows"]} == {
        (2, "school"), (3, "school")
    }
    assert not ClaimLine.objects.filter(claim=claim).exists()


def test_check_returns_the_findings(world):
    claim = world.claim(payment=False)
    line = services.add_claim_line(claim, world.values(agreement_number=""), world.rep)
    response = api(world.rep).post(f"{base(world)}{claim.pk}/check/")
    assert response.status_code == 200
    data = response.json()
    assert data["can_submit"] is False and data["errors"] >= 1
    assert {"line": line.position, "line_id": line.pk, "code": "agreement_missing"}.items() <= next(
        f for f in data["findings"] if f["code"] == "agreement_missing"
    ).items()
    assert {f["code"] for f in data["blocking"]} == {"agreement_missing", "payment_missing"}


def test_submit_400_with_findings_then_200_idempotent_then_409(world):
    claim = world.claim()
    line = services.add_claim_line(claim, world.values(insurance_policy_number=""), world.rep)
    client = api(world.rep)
    submit = f"{base(world)}{claim.pk}/submit/"
    refused = client.post(submit)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "checks_failed"
    assert [(f["line"], f["code"]) for f in error["details"]["findings"]] == [
        (line.position, "insurance_missing")
    ]
    client.patch(
        f"{base(world)}{claim.pk}/lines/{line.pk}/", {"insurance_policy_number": "BX-9"}, format="json"
    )
    first = client.post(submit)
    assert first.status_code == 200 and first.json()["status"] == S.SCHOOL_CONFIRMATION
    second = client.post(submit)
    assert second.status_code == 200 and second.json()["id"] == claim.pk
    assert ClaimTransition.objects.filter(claim=claim, to_status=S.SUBMITTED).count() == 1
    claim.refresh_from_db()
    move_claim(claim, S.UNDER_REVIEW)
    move_claim(claim, S.REJECTED, reason="不符合条件")
    conflict = client.post(submit)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"
    edit = client.patch(f"{base(world)}{claim.pk}/lines/{line.pk}/", {"post": "x"}, format="json")
    assert edit.status_code == 409


def test_submit_after_the_deadline_is_409(world):
    claim = world.ready_claim(1)
    world.period.claim_deadline = datetime.date.today() - datetime.timedelta(days=10)
    world.period.save()
    response = api(world.rep).post(f"{base(world)}{claim.pk}/submit/")
    assert response.status_code == 409


def test_payment_is_write_only_and_masked(world):
    claim = world.claim(payment=False)
    response = api(world.rep).post(
        f"{base(world)}{claim.pk}/payment/",
        {"payee_name": "精密制造", "bank_name": "工商银行", "bank_account": "6222020200112233445"}, format="json",
    )  # fmt: skip
    assert response.status_code == 200
    assert (
        response.json()["bank_account_masked"] == "**** **** 3445"
        and "6222020200112233445" not in response.content.decode()
    )
    bad = api(world.rep).post(f"{base(world)}{claim.pk}/payment/",
                              {"payee_name": "x", "bank_name": "y", "bank_account": "12"}, format="json")  # fmt: skip
    assert bad.status_code == 400 and "bank_account" in bad.json()["error"]["details"]


def test_documents_upload_list_delete(world):
    claim = world.claim()
    client = api(world.rep)
    url = f"{base(world)}{claim.pk}/documents/"
    pdf = SimpleUploadedFile("协议.pdf", b"%PDF-1.4 agreement", "application/pdf")
    response = client.post(url, {"file": pdf, "title": "三方协议"}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "application/pdf" and response.json()["download_url"]
    fake = SimpleUploadedFile("x.pdf", b"GIF89a", "application/pdf")
    assert client.post(url, {"file": fake}, format="multipart").status_code == 400
    assert len(client.get(url).json()) == 1
    document = ClaimDocument.objects.get()
    assert client.delete(f"{url}{document.pk}/").status_code == 204
    assert not ClaimDocument.objects.exists()


def test_another_enterprises_claim_is_404(world, alliance):
    claim = world.ready_claim(1)
    line = claim.lines.get()
    stranger = api(
        make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=make_unit(alliance, MemberKind.ENTERPRISE))
    )
    prefix = f"{base(world)}{claim.pk}/"
    for method, path in [("get", ""), ("get", "lines/"), ("post", "lines/"), ("post", "lines/bulk/"), ("post", "submit/"),
                         ("post", "check/"), ("post", "payment/"), ("get", f"lines/{line.pk}/"),
                         ("patch", f"lines/{line.pk}/"), ("delete", f"lines/{line.pk}/"), ("get", "documents/")]:  # fmt: skip
        response = getattr(stranger, method)(prefix + path, {}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
    assert ClaimLine.objects.count() == 1
    assert stranger.get(base(world)).json()["count"] == 0


def test_schools_see_their_own_students_and_no_account(world):
    claim = world.claim()
    mine = services.add_claim_line(claim, world.values(), world.rep)
    services.add_claim_line(claim, world.values(school=world.other_school), world.rep)
    services.submit_claim(claim, world.rep)
    data = api(world.school_rep).get(f"{base(world)}{claim.pk}/").json()
    assert [line["id"] for line in data["lines"]] == [mine.pk]
    assert data["bank_account_masked"] == "" and data["documents"] == []
    assert api(world.school_rep).get(f"{base(world)}{claim.pk}/documents/").status_code == 404


def test_staff_list_with_filters_and_reveal(world, alliance):
    claim = world.claim()
    number = make_id()
    line = services.add_claim_line(claim, world.values(resident_id=number), world.rep)
    other = world.claim(make_unit(alliance, MemberKind.ENTERPRISE, employee_count=100))
    services.add_claim_line(other, world.values(agreement_number=""), world.rep)
    client = api(world.staff)
    listed = client.get(base(world), {"has_errors": "true"}).json()
    assert [item["id"] for item in listed["results"]] == [other.pk]
    assert client.get(base(world), {"enterprise": world.enterprise.pk}).json()["results"][0]["id"] == claim.pk
    detail = client.get(f"{base(world)}{claim.pk}/")
    assert number not in detail.content.decode()
    reveal = client.post(f"{base(world)}{claim.pk}/lines/{line.pk}/reveal/")
    assert reveal.status_code == 200 and reveal.json() == {"resident_id": number}
    assert AuditEntry.objects.filter(action="subsidies.line.revealed", object_id=str(line.pk)).count() == 1
    assert api(world.rep).post(f"{base(world)}{claim.pk}/lines/{line.pk}/reveal/").status_code == 403


def test_list_runs_a_constant_number_of_queries(world, alliance):
    client = api(world.staff)

    def make(count):
        for _ in range(count):
            claim = world.claim(make_unit(alliance, MemberKind.ENTERPRISE, employee_count=100), payment=False)
            ClaimLine.objects.create(
                alliance=alliance, claim=claim, position=1, student_name="学生", resident_id_encrypted="x",
                resident_id_hash=f"h{claim.pk}", resident_id_masked="3703**********0001", school=world.school,
            )  # fmt: skip

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(base(world)).status_code == 200
        return len(captured)

    make(5)
    few = queries()
    make(45)
    assert queries() == few


def test_openapi_documents_the_claim_routes(staff_client):
    schema = staff_client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    prefix = "/api/v1/alliances/{alliance_slug}/claims/"
    for path in ("", "{claim_id}/", "{claim_id}/submit/", "{claim_id}/check/", "{claim_id}/lines/",
                 "{claim_id}/lines/bulk/", "{claim_id}/lines/{claimline_id}/", "{claim_id}/documents/"):  # fmt: skip
        assert prefix + path in paths, path
    line = paths[prefix + "{claim_id}/lines/{claimline_id}/"]
    assert {"get", "patch", "delete"} <= set(line)
    properties = schema["components"]["schemas"]["ClaimLine"]["properties"]
    assert "resident_id_masked" in properties and "resident_id" not in properties

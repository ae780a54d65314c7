"""Annual reports through the API and the pages: list, filter, retrieve, request (202 with the job), audited
downloads, who may do what."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from alliances.models import AuditEntry, Job, JobStatus
from alliances.permissions import Role
from alliances.tenancy import scope
from reports import jobs as report_jobs
from reports.models import AnnualReport

from .factories import make_alliance, make_member
from .report_data import populate
from .report_rows import annual_report_row


@pytest.fixture
def world(db):
    alliance = make_alliance("连云港市技工教育集团", slug="lyg-test", founded_on=datetime.date(2016, 1, 1))
    users = {role: make_member(alliance, role) for role in Role}
    with scope(alliance.pk):
        populate(alliance, year=2025, units=30, lines=120, events=8)
        old = annual_report_row(alliance, users[Role.SECRETARIAT_STAFF])
    return alliance, users, old


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def base(alliance) -> str:
    return f"/api/v1/alliances/{alliance.slug}/reports/"


@pytest.fixture
def fast_files(monkeypatch):
    """Small stand-ins for the two renderers where the test is about the flow, not the files."""
    monkeypatch.setattr(report_jobs.xlsx, "render", lambda figures, meta: b"PK xlsx " + figures["alliance"]["name"].encode())
    monkeypatch.setattr(report_jobs.pdf, "render", lambda figures, meta: b"%PDF-1.7 " + str(meta["version"]).encode())


def test_list_filter_and_retrieve(world):
    alliance, users, old = world
    client = api(users[Role.BUREAU_OFFICIAL])
    listed = client.get(base(alliance)).json()
    assert [r["id"] for r in listed["results"]] == [old.pk]
    row = listed["results"][0]
    assert row["pdf_sha256"] == old.pdf_sha256 and row["xlsx_url"].endswith(f"/reports/{old.pk}/xlsx/")
    assert "figures" not in row
    assert client.get(base(alliance), {"year": 2024}).json()["results"] == []
    detail = client.get(f"{base(alliance)}{old.pk}/").json()
    assert detail["figures"]["year"] == 2025 and detail["version"] == 1


def test_generate_returns_the_job_and_makes_the_report(world, django_capture_on_commit_callbacks):
    alliance, users, old = world
    client = api(users[Role.SECRETARIAT_STAFF])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base(alliance)}generate/", {"year": 2025}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["created"] and body["job"]["kind"] == "reports.annual" and body["job_url"].endswith(f"/jobs/{body['job']['id']}/")
    job = client.get(body["job_url"]).json()
    assert job["status"] == "succeeded", job["message"]
    report = client.get(f"{base(alliance)}{job['result']['annual_report']}/").json()
    assert (report["year"], report["version"]) == (2025, 2)  # version 1 existed
    for name, signature in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        download = client.get(report[f"{name}_url"])
        assert download.status_code == 200
        content = b"".join(download.streaming_content)
        assert content.startswith(signature)
        import hashlib

        assert hashlib.sha256(content).hexdigest() == report[f"{name}_sha256"]
    with scope(alliance.pk):
        downloads = AuditEntry.objects.filter(action="file.downloaded", object_type__icontains="annual",
                                              object_id=str(report["id"]))  # fmt: skip
        assert downloads.count() == 2


def test_generate_refuses_impossible_years_and_other_roles(world):
    alliance, users, old = world
    staff = api(users[Role.SECRETARIAT_STAFF])
    for year in (2015, 2999):
        response = staff.post(f"{base(alliance)}generate/", {"year": year}, format="json")
        assert response.status_code == 400 and "year" in str(response.json())
    for role in (Role.MEMBER_REPRESENTATIVE, Role.AUDITOR):
        client = api(users[role])
        assert client.post(f"{base(alliance)}generate/", {"year": 2025}, format="json").status_code == 403
        assert client.get(base(alliance)).status_code == 403
        assert client.get(f"{base(alliance)}{old.pk}/pdf/").status_code == 403
    with scope(alliance.pk):
        assert not Job.objects.filter(kind="reports.annual", status=JobStatus.QUEUED).exists()


def test_bureau_official_generates_and_downloads_on_the_pages(world, client, fast_files, django_capture_on_commit_callbacks):
    alliance, users, old = world
    client.force_login(users[Role.BUREAU_OFFICIAL])
    page = client.get(reverse("annual-report-list", kwargs={"alliance_slug": alliance.slug}))
    assert page.status_code == 200 and old.pdf_sha256[:10].encode() in page.content
    assert b'name="year"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("annual-report-generate", kwargs={"alliance_slug": alliance.slug}), {"year": 2024})
    assert response.status_code == 302 and "?job=" in response["Location"]
    page = client.get(response["Location"])
    assert b"<progress" in page.content and b"job-result-link" in page.content  # finished: a link to the report
    with scope(alliance.pk):
        new = AnnualReport.objects.get(year=2024)
    detail = client.get(reverse("annual-report-detail", kwargs={"alliance_slug": alliance.slug, "annualreport_id": new.pk}))
    assert new.pdf_sha256.encode() in detail.content and new.xlsx_sha256.encode() in detail.content
    for name in ("pdf", "xlsx"):
        url = reverse(f"annual-report-{name}", kwargs={"alliance_slug": alliance.slug, "annualreport_id": new.pk})
        download = client.get(url)
        assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    with scope(alliance.pk):
        assert AuditEntry.objects.filter(action="file.downloaded", object_id=str(new.pk)).count() == 2


def test_a_bad_year_on_the_page_says_why(world, client):
    alliance, users, old = world
    client.force_login(users[Role.SECRETARIAT_ADMIN])
    response = client.post(reverse("annual-report-generate", kwargs={"alliance_slug": alliance.slug}), {"year": 2010},
                           follow=True, HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert "2016" in response.content.decode()


def test_representatives_see_no_reports(world, client):
    alliance, users, old = world
    client.force_login(users[Role.MEMBER_REPRESENTATIVE])
    for name, kwargs in (("annual-report-list", {}), ("annual-report-pdf", {"annualreport_id": old.pk})):
        assert client.get(reverse(name, kwargs={"alliance_slug": alliance.slug, **kwargs})).status_code == 403

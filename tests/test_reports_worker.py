"""The annual report through a real Celery worker on Redis and PostgreSQL: the job reports progress per section,
the worker stores the report and both files, and a redelivered job changes nothing."""

from __future__ import annotations

import datetime
import time

import pytest
from django.conf import settings

from alliances.models import JobStatus
from alliances.permissions import Role
from alliances.tasks import run_job_task
from alliances.tenancy import scope
from reports.models import AnnualReport
from reports.services import request_annual_report

from .factories import make_alliance, make_member
from .report_data import populate
from .test_subsidy_worker import start_worker, stop_worker, worker_log  # noqa: F401  (fixture)
from .test_worker import wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: this test runs a real Celery worker on Redis"),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the worker shares the test database, which needs PostgreSQL (SQLite test databases live in memory)",
    ),
]


def test_worker_generates_the_report_and_a_redelivery_changes_nothing(worker_log):  # noqa: F811
    alliance = make_alliance("徐州市技工教育集团", slug="xuzhou-worker", founded_on=datetime.date(2017, 1, 1))
    user = make_member(alliance, Role.BUREAU_OFFICIAL, "worker-bureau")
    with scope(alliance.pk):
        populate(alliance, year=2025, units=40, lines=200, events=10)
    worker = start_worker(worker_log)
    try:
        with scope(alliance.pk):
            job, created = request_annual_report(alliance, 2025, user=user)
        assert created
        seen = set()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status == JobStatus.RUNNING and 0 < job.progress < 100:
                seen.add(job.progress)
            if job.is_finished:
                break
            time.sleep(0.05)
        assert job.status == JobStatus.SUCCEEDED, job.message
        assert seen, "progress was reported while the job ran"
        with scope(alliance.pk):
            report = AnnualReport.objects.get(job=job)
        assert report.pdf_file.read(5) == b"%PDF-" and report.version == 1
        run_job_task.delay(job.pk)  # redelivered: nothing new
        time.sleep(2)
        wait_for(job)
        with scope(alliance.pk):
            assert AnnualReport.objects.filter(year=2025).count() == 1
    finally:
        stop_worker(worker)

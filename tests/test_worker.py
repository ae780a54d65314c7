"""Through a real Celery worker on Redis and PostgreSQL: the job leaves on commit, runs in the worker, reports back."""

import os
import signal
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from alliances.jobs import enqueue_job
from alliances.models import Job, JobStatus
from alliances.tenancy import scope
from members.models import MemberKind

from .factories import make_unit

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs REDIS_URL: this test runs a real Celery worker on Redis"
    ),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the worker shares the test database, which needs PostgreSQL (SQLite test databases live in memory)",
    ),
]


def database_url_of_test_database() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    from config.celery import app

    app.control.purge()  # no stale messages from earlier runs
    env = {**os.environ, "DATABASE_URL": database_url_of_test_database(), "REDIS_URL": settings.REDIS_URL,
           "VAR_DIR": str(settings.VAR_DIR), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}  # fmt: skip
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-mingle", "--without-gossip", "--hostname", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.inspect(timeout=1.0).ping():
            break
        assert process.poll() is None, process.stdout.read()
    else:
        process.kill()
        pytest.fail("the Celery worker did not answer within 60 s")
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(job: Job, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.2)
    pytest.fail(f"job {job.pk} still {job.status} after {seconds} s")


def test_job_runs_in_a_real_worker(worker, alliance, staff_user, client):
    for number in range(30):
        make_unit(alliance, MemberKind.ENTERPRISE, name=f"淄博工作进程测试企业{number}")
    with scope(alliance.pk):
        job, created = enqueue_job(alliance=alliance, kind="members.export_roster", requested_by=staff_user)
    assert created
    job = wait_for(job)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.progress == 100 and job.attempts == 1 and job.result == {"rows": 30}
    rows = list(load_workbook(BytesIO(job.result_file.read())).active.iter_rows(values_only=True))
    assert len(rows) == 31

    health = client.get(reverse("healthz")).json()
    assert health["broker"]["ok"] and health["worker"]["ok"] and health["worker"]["workers"] >= 1

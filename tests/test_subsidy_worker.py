"""The calculation through a real Celery worker on Redis and PostgreSQL: progress is visible while the calculation's
transaction is open; a worker killed (SIGKILL) half-way leaves the previous draft untouched; running the job again
gives exactly the figures of an independent computation, and running it once more changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

import pytest
from django.conf import settings

from alliances.models import Job, JobStatus
from alliances.tasks import run_job_task
from alliances.tenancy import scope
from subsidies.jobs import PAUSE_VARIABLE
from subsidies.models import PostCounting, RunLine
from subsidies.services import runs as services

from .test_subsidy_calculation import Setup, actual, assert_matches
from .test_worker import ROOT, database_url_of_test_database, wait_for

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


def start_worker(log, **extra_env) -> subprocess.Popen:
    from config.celery import app

    env = {**os.environ, "DATABASE_URL": database_url_of_test_database(), "REDIS_URL": settings.REDIS_URL,
           "VAR_DIR": str(settings.VAR_DIR), "MEDIA_ROOT": str(settings.MEDIA_ROOT), **extra_env}  # fmt: skip
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-mingle", "--without-gossip", "--hostname", f"calc-{os.getpid()}-{time.monotonic_ns()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.inspect(timeout=1.0).ping() or {}
        if any(name.startswith(f"calc-{os.getpid()}-") for name in replies):
            return process
        assert process.poll() is None, "the worker stopped"
    process.kill()
    pytest.fail("the Celery worker did not answer within 60 s")


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def worker_log():
    from config.celery import app

    app.control.purge()
    with tempfile.TemporaryFile(mode="w+") as log:
        yield log


def test_killed_mid_run_then_run_again_gives_the_independent_figures(alliance, staff_user, worker_log):
    setup = Setup(alliance, version_fields={
        "cap_per_enterprise": Decimal("1500"), "budget": Decimal("9000"),
        "post_counting": PostCounting.PER_DISTINCT_POST,
    })  # fmt: skip
    for number in range(12):
        setup.lines(
            setup.claim(), 8, post=lambda i: f"岗位{i % 6}", student=lambda i, n=number: 10_000 + n * 5 + i
        )
    with scope(alliance.pk):
        previous = setup.calculate(staff_user)
    before = actual(previous)
    for number in range(8):  # more approved claims since: the new calculation differs from the draft
        setup.lines(setup.claim(), 6, student=lambda i, n=number: 20_000 + n * 10 + i)

    worker = start_worker(worker_log, **{PAUSE_VARIABLE: "1.5"})
    try:
        with scope(alliance.pk):
            run, job = services.start_calculation(
                alliance=alliance, program=setup.program, period=setup.period, requested_by=staff_user
            )
        assert run.pk == previous.pk
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the side channel shows progress while the transaction is open
            job.refresh_from_db()
            if job.status == JobStatus.RUNNING and job.progress >= 40:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"no progress to 40 %: {job.status} {job.progress}")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        stop_worker(worker)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and 40 <= job.progress < 100  # killed half-way
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # PostgreSQL rolls the killed connection's transaction back
        run.refresh_from_db()
        if RunLine.objects.filter(run=run).count() == previous.lines_considered:
            break
        time.sleep(0.2)
    assert actual(run) == before and run.token == previous.token  # nothing half-written

    worker = start_worker(worker_log)
    try:
        run_job_task.delay(job.pk)  # the broker's redelivery of the unacknowledged task
        job = wait_for(job, 120)
        assert job.status == JobStatus.SUCCEEDED, job.message
        assert job.attempts == 2 and job.progress == 100 and job.result["run"] == run.pk
        run.refresh_from_db()
        figures = assert_matches(setup, run)  # equal to the independent computation in Python
        assert run.lines_considered == 12 * 8 + 8 * 6 and run.total == Decimal("9000.00")

        again = Job.objects.create(
            alliance=alliance, kind=job.kind, parameters=job.parameters, parameters_digest="again",
            requested_by=staff_user,
        )  # fmt: skip
        run_job_task.delay(again.pk)
        again = wait_for(again, 120)
        assert again.status == JobStatus.SUCCEEDED, again.message
        run.refresh_from_db()
        assert actual(run) == figures  # idempotent: the same rows again
    finally:
        stop_worker(worker)

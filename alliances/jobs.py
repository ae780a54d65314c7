"""Background jobs: a registry of job kinds, enqueueing on commit, and running a Job row in its own scope.

A job kind is a function `handler(job, progress) -> JobOutcome` registered with `@job_kind("app.name")`.
Handlers must be idempotent: a job is retried from the start when a worker dies mid-run (acks_late).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from .audit import acting_as, record_event
from .locale import deferred_text
from .models import ACTIVE_JOB_STATUSES, Job, JobStatus
from .tenancy import scope, unscoped

logger = logging.getLogger(__name__)


def message_fields(message) -> dict:
    """The Job columns for a message: `messages`, the text in each site language, and `message`, the text in
    the default one. `message` may be a plain string (the same in each), a lazy translation or a
    `alliances.locale.deferred_text`."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = str(message)[:500]
    return {"message": texts[settings.LANGUAGE_CODE], "messages": texts}


@dataclass
class JobOutcome:
    message: str = ""
    filename: str | None = None
    content: bytes | None = None
    result: dict = field(default_factory=dict)


ProgressCallback = Callable[[int, str], None]
JobHandler = Callable[[Job, ProgressCallback], JobOutcome]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: JobHandler
    label: str
    required_action: str


_registry: dict[str, JobKind] = {}


def job_kind(name: str, *, label: str, required_action: str):
    """Register a handler under a job kind name (`app.what`)."""

    def register(handler: JobHandler) -> JobHandler:
        if name in _registry and _registry[name].handler is not handler:
            raise ValueError(f"job kind {name!r} registered twice")
        _registry[name] = JobKind(name=name, handler=handler, label=label, required_action=required_action)
        return handler

    return register


def get_job_kind(name: str) -> JobKind:
    return _registry[name]


def registered_job_kinds() -> dict[str, JobKind]:
    return dict(_registry)


def enqueue_job(
    *, alliance, kind: str, parameters: dict | None = None, requested_by=None
) -> tuple[Job, bool]:
    """Create a Job and send it to the worker once the transaction commits.

    Returns (job, created). When an identical job (same kind and parameters) is already queued or
    running, that job is returned instead of starting a second one.
    """
    get_job_kind(kind)  # unknown kinds fail here, not in the worker
    parameters = parameters or {}
    digest = Job.digest(parameters)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                alliance=alliance,
                kind=kind,
                parameters=parameters,
                parameters_digest=digest,
                requested_by=requested_by,
            )
    except IntegrityError:
        existing = Job.objects.filter(
            alliance=alliance, kind=kind, parameters_digest=digest, status__in=ACTIVE_JOB_STATUSES
        ).first()
        if existing is None:  # it finished between our insert and this read: try once more
            return enqueue_job(alliance=alliance, kind=kind, parameters=parameters, requested_by=requested_by)
        return existing, False
    record_event("job.requested", job, detail={"kind": kind, "parameters": parameters})
    transaction.on_commit(lambda: _send(job.pk))
    return job, True


def _send(job_id: int) -> None:
    from .tasks import run_job_task

    run_job_task.delay(job_id)


def run_job(job_id: int) -> None:
    """Run one job to the end. Called by the Celery task (or inline); enters the job's own scope."""
    with unscoped("job bootstrap: find the job's alliance"):
        job = Job.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.status == JobStatus.SUCCEEDED:
        return  # unknown or already done: a redelivered message changes nothing
    with scope(job.alliance_id), acting_as(job.requested_by):
        _execute(job)


def _execute(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        progress=0,
        message="",
        messages={},
    )
    job.refresh_from_db()
    last_reported = {"value": -1}

    def report(percent: int, message: str = "") -> None:
        percent = max(0, min(100, int(percent)))
        if percent == last_reported["value"] and not message:
            return
        last_reported["value"] = percent
        Job.objects.filter(pk=job.pk).update(progress=percent, **message_fields(message))

    try:
        outcome = get_job_kind(job.kind).handler(job, report)
    except Exception as exc:  # a failed job is recorded, never lost
        logger.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            # The error's own text is in each language too when it was raised with a lazy or deferred text.
            **message_fields(deferred_text(gettext_lazy("The job failed: %(error)s"), {"error": exc})),
        )
        record_event("job.failed", job, outcome="failure", detail={"kind": job.kind, "error": str(exc)[:400]})
        return

    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if outcome.content is not None and outcome.filename:
            if job.result_file:
                job.result_file.delete(save=False)
            job.result_file.save(outcome.filename, ContentFile(outcome.content), save=False)
        job.status = JobStatus.SUCCEEDED
        job.progress = 100
        for name, value in message_fields(outcome.message).items():
            setattr(job, name, value)
        job.result = outcome.result
        job.finished_at = timezone.now()
        job.save()
    record_event("job.succeeded", job, detail={"kind": job.kind})

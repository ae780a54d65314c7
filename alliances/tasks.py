"""Celery tasks: thin wrappers that receive ids and enter their own scope (never inherit one)."""

from celery import shared_task

from . import audit, jobs


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def run_job_task(self, job_id: int) -> None:
    jobs.run_job(job_id)


@shared_task
def purge_expired_audit_entries() -> int:
    return audit.purge_expired_entries()

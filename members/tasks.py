"""Celery tasks of the members app: thin wrappers that receive ids and enter their own scope."""

from celery import shared_task

from alliances.tenancy import unscoped

from . import notifications, services


@shared_task(acks_late=True)
def send_withdrawal_notice(request_id: int, alliance_id: int) -> int:
    return notifications.send_withdrawal_notice_now(request_id, alliance_id)


@shared_task(acks_late=True)
def send_information_request(unit_id: int, alliance_id: int, reason: str) -> int:
    return notifications.send_information_request_now(unit_id, alliance_id, reason)


@shared_task
def complete_due_withdrawals() -> int:
    """Daily: every approved withdrawal whose effective date has come takes effect (all alliances)."""
    with unscoped("daily withdrawal completion across alliances"):
        return services.complete_due_withdrawals()

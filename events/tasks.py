"""Celery tasks of the events app: thin wrappers that receive ids and enter their own scope."""

from celery import shared_task

from alliances.tenancy import unscoped

from . import notifications


@shared_task(acks_late=True)
def send_event_published(event_id: int, alliance_id: int) -> int:
    return notifications.send_event_published_now(event_id, alliance_id)


@shared_task(acks_late=True)
def send_registrants_notice(event_id: int, alliance_id: int, kind: str) -> int:
    return notifications.send_registrants_notice_now(event_id, alliance_id, kind)


@shared_task(acks_late=True)
def send_promotion_notice(registration_ids: list[int], alliance_id: int) -> int:
    return notifications.send_promotion_notice_now(registration_ids, alliance_id)


@shared_task
def send_event_reminders() -> int:
    """Hourly: registrants of published events starting within 24 hours get one reminder (all alliances)."""
    with unscoped("hourly event reminders across alliances"):
        return notifications.send_due_reminders()

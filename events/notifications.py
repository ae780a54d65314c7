"""E-mail about events: a published event to every current member unit's primary contact; a changed or cancelled
event, a promotion from the waiting list and the reminder the day before, to the registrants.

A registrant's addresses are those of the account that registered them and of their unit's primary contact.
The `notify_*` functions are called after the transaction commits and hand the work to a Celery task (inline
without a broker); the `send_*_now` functions do it, inside the alliance's scope, one message per address.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from alliances.audit import record_event
from alliances.models import Alliance
from alliances.tenancy import scope
from members.models import CURRENT_MEMBER_STATUSES, Contact

from .models import PLACE_HOLDING_STATUSES, Event, EventStatus, Registration, RegistrationStatus

BATCH = 100
REMINDER_WINDOW = timedelta(hours=24)
# Who hears of a change or a cancellation: everyone still expecting to come, the waiting list included.
NOTIFIED_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
)


# --- Handing over to Celery ------------------------------------------------------------------------------


def notify_event_published(event_id: int, alliance_id: int) -> None:
    from .tasks import send_event_published

    send_event_published.delay(event_id, alliance_id)


def notify_registrants(event_id: int, alliance_id: int, kind: str) -> None:
    """`kind`: "changed" (times or venue) or "cancelled"."""
    from .tasks import send_registrants_notice

    send_registrants_notice.delay(event_id, alliance_id, kind)


def notify_promoted(registration_ids: list[int], alliance_id: int) -> None:
    from .tasks import send_promotion_notice

    send_promotion_notice.delay(list(registration_ids), alliance_id)


# --- Addresses -------------------------------------------------------------------------------------------


def primary_contact_addresses(alliance_id: int) -> list[str]:
    """One address per current member unit: its primary contact's, or its first contact with an address."""
    rows = (
        Contact.objects.filter(alliance_id=alliance_id, member_unit__status__in=CURRENT_MEMBER_STATUSES)
        .exclude(email="")
        .order_by("member_unit_id", "-is_primary", "pk")
        .values_list("member_unit_id", "email")
    )
    per_unit: dict[int, str] = {}
    for unit_id, email in rows:
        per_unit.setdefault(unit_id, email)
    return list(dict.fromkeys(per_unit.values()))


def registrant_addresses(registrations: Iterable[Registration]) -> dict[int, list[str]]:
    """Registration id → addresses (the account that registered, the unit's primary contact). Registrations
    come with `registered_by` selected; the contacts are read in one query."""
    registrations = list(registrations)
    unit_ids = {r.member_unit_id for r in registrations}
    contacts: dict[int, str] = {}
    for unit_id, email in (
        Contact.objects.filter(member_unit_id__in=unit_ids)
        .exclude(email="")
        .order_by("member_unit_id", "-is_primary", "pk")
        .values_list("member_unit_id", "email")
    ):
        contacts.setdefault(unit_id, email)
    result = {}
    for registration in registrations:
        own = registration.registered_by.email if registration.registered_by_id else ""
        result[registration.pk] = [
            a for a in dict.fromkeys([own, contacts.get(registration.member_unit_id, "")]) if a
        ]
    return result


def _link(alliance: Alliance, name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"alliance_slug": alliance.slug, **kwargs})


def _send(messages: list[tuple[str, str, str]]) -> int:
    """Send (subject, body, address) triples, one message per address, in batches over one connection."""
    sent = 0
    with get_connection() as connection:
        for start in range(0, len(messages), BATCH):
            batch = [
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
                for subject, body, address in messages[start : start + BATCH]
            ]
            sent += connection.send_messages(batch) or 0
    return sent


def _render(name: str, context: dict) -> tuple[str, str]:
    subject = " ".join(render_to_string(f"events/email/{name}_subject.txt", context).split())
    return subject, render_to_string(f"events/email/{name}.txt", context)


# --- Sending ---------------------------------------------------------------------------------------------


def send_event_published_now(event_id: int, alliance_id: int) -> int:
    with scope(alliance_id), translation.override(settings.LANGUAGE_CODE):
        event = (
            Event.objects.select_related("host_unit")
            .filter(pk=event_id, status=EventStatus.PUBLISHED)
            .first()
        )
        if event is None:
            return 0
        alliance = Alliance.objects.get(pk=alliance_id)
        context = {
            "alliance": alliance,
            "event": event,
            "link": _link(alliance, "event-detail", event_id=event.pk),
        }
        subject, body = _render("event_published", context)
        addresses = primary_contact_addresses(alliance_id)
        sent = _send([(subject, body, address) for address in addresses])
        record_event("events.event.members_notified", event, detail={"recipients": sent})
        return sent


def send_registrants_notice_now(event_id: int, alliance_id: int, kind: str) -> int:
    with scope(alliance_id), translation.override(settings.LANGUAGE_CODE):
        event = Event.objects.filter(pk=event_id).first()
        if event is None:
            return 0
        alliance = Alliance.objects.get(pk=alliance_id)
        registrations = list(
            Registration.objects.filter(event=event, status__in=NOTIFIED_STATUSES).select_related(
                "registered_by"
            )
        )
        context = {
            "alliance": alliance,
            "event": event,
            "link": _link(alliance, "event-detail", event_id=event.pk),
        }
        subject, body = _render("event_cancelled" if kind == "cancelled" else "event_changed", context)
        addresses = {a for group in registrant_addresses(registrations).values() for a in group}
        sent = _send([(subject, body, address) for address in sorted(addresses)])
        record_event("events.event.registrants_notified", event, detail={"kind": kind, "recipients": sent})
        return sent


def send_promotion_notice_now(registration_ids: list[int], alliance_id: int) -> int:
    with scope(alliance_id), translation.override(settings.LANGUAGE_CODE):
        registrations = list(
            Registration.objects.filter(pk__in=registration_ids, status__in=PLACE_HOLDING_STATUSES)
            .select_related("event", "member_unit", "registered_by")
        )  # fmt: skip
        if not registrations:
            return 0
        alliance = Alliance.objects.get(pk=alliance_id)
        addresses = registrant_addresses(registrations)
        messages = []
        for registration in registrations:
            context = {
                "alliance": alliance, "event": registration.event, "registration": registration,
                "link": _link(alliance, "registration-detail", registration_id=registration.pk),
            }  # fmt: skip
            subject, body = _render("registration_promoted", context)
            messages += [(subject, body, address) for address in addresses[registration.pk]]
        return _send(messages)


def send_due_reminders(now=None) -> int:
    """Every published event starting within the next 24 hours whose reminder has not gone yet: mark it as sent
    (the rows are locked, so two beats never both take it), then e-mail its registrants once. Set-based: one
    query marks the events, one reads their registrations, one the contacts. Needs an unrestricted scope."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(status=EventStatus.PUBLISHED, reminder_sent_at__isnull=True,
                    starts_at__gt=now, starts_at__lte=now + REMINDER_WINDOW)
            .values_list("pk", flat=True)
        )  # fmt: skip
        if not due:
            return 0
        Event.objects.filter(pk__in=due).update(reminder_sent_at=now)
    registrations = list(
        Registration.objects.filter(event_id__in=due, status__in=PLACE_HOLDING_STATUSES)
        .select_related("event", "event__alliance", "member_unit", "registered_by")
        .order_by("event_id", "pk")
    )
    addresses = registrant_addresses(registrations)
    messages, per_event = [], dict.fromkeys(due, 0)
    for registration in registrations:
        alliance = registration.event.alliance
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "alliance": alliance, "event": registration.event, "registration": registration,
                "link": _link(alliance, "registration-detail", registration_id=registration.pk),
            }  # fmt: skip
            subject, body = _render("event_reminder", context)
        messages += [(subject, body, address) for address in addresses[registration.pk]]
        per_event[registration.event_id] += len(addresses[registration.pk])
    sent = _send(messages)
    for event in Event.objects.filter(pk__in=due):
        record_event("events.event.reminders_sent", event, detail={"recipients": per_event[event.pk]})
    return sent

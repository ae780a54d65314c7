"""Registration for events by member units: capacity and per-unit quota, the waiting list and its automatic
promotion, confirmation, check-in (by hand or by the QR code's token) and attendance figures.

States (design.md): `registered | waitlisted → confirmed → checked_in | no_show | cancelled`. A waitlisted
registration is promoted to `registered` when a place frees up and its unit's quota allows; staff may confirm a
registered (or, when a place is free, a waitlisted) one; check-in is allowed from registered or confirmed;
finishing the event turns the rest into no-shows (events.py).

Concurrency: every change that counts or moves places locks the event row first (`select_for_update`), then
counts. Racing registrations therefore queue on that lock and never exceed the capacity or a unit's quota.
Bad input raises `ValidationError` naming the field; a step the current state does not allow raises
`RegistrationConflict` (the API answers 409).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.audit import current_actor, record_event
from alliances.models import mobile_validator
from alliances.permissions import Action
from members.models import CURRENT_MEMBER_STATUSES, MemberUnit

from ..models import (
    PLACE_HOLDING_STATUSES,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)

R = RegistrationStatus
# Registrations still waiting for the event: they hold a place or a spot on the waiting list.
ACTIVE_STATUSES = (R.REGISTERED, R.WAITLISTED, R.CONFIRMED)
CHECK_IN_FROM = (R.REGISTERED, R.CONFIRMED)
PUBLIC_EVENT_STATUSES = (EventStatus.PUBLISHED, EventStatus.FINISHED, EventStatus.CANCELLED)
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,48}")


class RegistrationConflict(ValidationError):
    """The event's or the registration's current state does not allow the step (the API answers 409)."""


class NotThisEvent(ValidationError):
    """A scanned code that is no registration of the event being checked in."""


def _actor_id() -> int | None:
    actor = current_actor()
    return actor.user_id if actor else None


def lock_event(event: Event) -> Event:
    """The event row, locked until the transaction ends: the one place all place counting queues on."""
    locked = Event.objects.select_for_update().filter(pk=event.pk).first()
    if locked is None:  # a draft deleted meanwhile (another tab, another user)
        raise RegistrationConflict(_("The event no longer exists."), code="gone")
    return locked


def _lock_registration(registration: Registration) -> tuple[Event, Registration]:
    event = lock_event(registration.event)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    locked.event = event
    return event, locked


# --- Reads -----------------------------------------------------------------------------------------------


def sees_every_registration(membership) -> bool:
    """Staff and the bureau see every registration (with masked mobiles); a representative their own unit's."""
    return membership.can(Action.MANAGE_EVENTS) or membership.can(Action.VIEW_MEMBERS)


def visible_registrations(membership, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Registration.objects.all() if queryset is None else queryset
    if not membership.can(Action.MANAGE_EVENTS):
        queryset = queryset.filter(event__status__in=PUBLIC_EVENT_STATUSES)
    if sees_every_registration(membership):
        return queryset
    if membership.member_unit_id is None:
        return queryset.none()
    return queryset.filter(member_unit_id=membership.member_unit_id)


def acts_for(membership, registration: Registration) -> bool:
    """Staff act for every registration; a representative only for their own unit's."""
    return membership.can(Action.MANAGE_EVENTS) or (
        membership.member_unit_id is not None and registration.member_unit_id == membership.member_unit_id
    )


def shows_mobile(membership, registration: Registration) -> bool:
    """On screen the mobile is shown only to the registrant's own unit; everyone else sees it masked."""
    return membership.member_unit_id is not None and registration.member_unit_id == membership.member_unit_id


@dataclass(frozen=True)
class Places:
    taken: int
    waitlisted: int
    capacity: int | None

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.taken)


def places(event: Event) -> Places:
    counts = Registration.objects.filter(event=event).aggregate(
        taken=Count("pk", filter=Q(status__in=PLACE_HOLDING_STATUSES)),
        waitlisted=Count("pk", filter=Q(status=R.WAITLISTED)),
    )
    return Places(taken=counts["taken"], waitlisted=counts["waitlisted"], capacity=event.capacity)


def registration_closed_reason(event: Event, now=None) -> str | None:
    """Why registration is closed now, or None when it is open."""
    now = now or timezone.now()
    if event.status == EventStatus.DRAFT:
        return _("Registration is closed: the event is not published yet.")
    if event.status == EventStatus.FINISHED:
        return _("Registration is closed: the event has finished.")
    if event.status == EventStatus.CANCELLED:
        return _("Registration is closed: the event was cancelled.")
    if not event.registration_opens:
        return _("This event does not take registrations.")
    deadline = event.registration_deadline or event.starts_at
    if now > deadline:
        return _("Registration closed on %(deadline)s.") % {
            "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M")
        }
    return None


def attendance_counts(event: Event) -> dict[str, int]:
    """How many registrations are in each status (every status present, zero when none)."""
    rows = dict(
        Registration.objects.filter(event=event)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status.value: rows.get(status.value, 0) for status in R}


def attendance_by_unit(event: Event) -> list[dict]:
    """Per member unit: its name and how many of its registrations are in each status (one query)."""
    counts = {status.value: Count("pk", filter=Q(status=status.value)) for status in R}
    rows = (
        Registration.objects.filter(event=event)
        .order_by()
        .values("member_unit", "member_unit__name")
        .annotate(total=Count("pk"), **counts)
        .order_by("member_unit__name", "member_unit")
    )
    return [
        {"unit_id": row["member_unit"], "unit_name": row["member_unit__name"], "total": row["total"],
         "counts": {status.value: row[status.value] for status in R}}
        for row in rows
    ]  # fmt: skip


# --- Registering ---------------------------------------------------------------------------------------


def _clean_person(person_name: str, person_title: str, mobile: str) -> tuple[str, str, str]:
    person_name, person_title, mobile = (
        (person_name or "").strip(),
        (person_title or "").strip(),
        (mobile or "").strip(),
    )
    errors = {}
    if not person_name:
        errors["person_name"] = _("Give the name of the person who will attend.")
    elif len(person_name) > 50:
        errors["person_name"] = _("A name has at most 50 characters.")
    if len(person_title) > 50:
        errors["person_title"] = _("A title has at most 50 characters.")
    if mobile:
        try:
            mobile_validator(mobile)
        except ValidationError as exc:
            errors["mobile"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return person_name, person_title, mobile


@transaction.atomic
def register(
    event: Event, *, member_unit: MemberUnit, person_name: str, person_title: str = "", mobile: str = "",
    registered_by=None,
) -> Registration:  # fmt: skip
    """Register one person of `member_unit`. When the event or the unit's quota is full, the registration goes on
    the waiting list (in the order registrations arrive)."""
    person_name, person_title, mobile = _clean_person(person_name, person_title, mobile)
    event = lock_event(event)
    closed = registration_closed_reason(event)
    if closed:
        raise RegistrationConflict(closed, code="closed")
    if member_unit.alliance_id != event.alliance_id:
        raise ValidationError({"member_unit": _("Choose one of this alliance's member units.")})
    if member_unit.status not in CURRENT_MEMBER_STATUSES:
        raise ValidationError(
            {"member_unit": _("%(unit)s is not a current member.") % {"unit": member_unit.name}}
        )
    if (
        Registration.objects.filter(event=event, member_unit=member_unit, person_name=person_name)
        .exclude(status=R.CANCELLED)
        .exists()
    ):
        raise ValidationError(
            {"person_name": _("%(name)s is already registered for this event.") % {"name": person_name}}
        )
    counts = Registration.objects.filter(event=event, status__in=PLACE_HOLDING_STATUSES).aggregate(
        total=Count("pk"), unit=Count("pk", filter=Q(member_unit=member_unit))
    )
    full = (event.capacity is not None and counts["total"] >= event.capacity) or (
        event.quota_per_unit is not None and counts["unit"] >= event.quota_per_unit
    )
    now = timezone.now()
    registration = Registration.objects.create(
        alliance_id=event.alliance_id, event=event, member_unit=member_unit, person_name=person_name,
        person_title=person_title, mobile=mobile, status=R.WAITLISTED if full else R.REGISTERED,
        waitlisted_at=now if full else None, registered_by_id=getattr(registered_by, "pk", None) or _actor_id(),
    )  # fmt: skip
    record_event(
        "events.registration.waitlisted" if full else "events.registration.registered",
        registration,
        detail={"event": event.pk, "member_unit": member_unit.pk},
    )
    return registration


def promote_waitlisted(event: Event) -> list[Registration]:
    """Give free places to the waiting list, first come first served, skipping those whose unit has no quota
    left. Call with the event locked, inside the transaction that freed the places."""
    if event.status != EventStatus.PUBLISHED:
        return []
    held = dict(
        Registration.objects.filter(event=event, status__in=PLACE_HOLDING_STATUSES)
        .order_by()
        .values("member_unit")
        .annotate(n=Count("pk"))
        .values_list("member_unit", "n")
    )
    free = None if event.capacity is None else event.capacity - sum(held.values())
    if free is not None and free <= 0:
        return []
    promoted = []
    for registration in Registration.objects.filter(event=event, status=R.WAITLISTED).order_by(
        "waitlisted_at", "pk"
    ):
        if free is not None and free <= 0:
            break
        unit = registration.member_unit_id
        if event.quota_per_unit is not None and held.get(unit, 0) >= event.quota_per_unit:
            continue
        held[unit] = held.get(unit, 0) + 1
        free = None if free is None else free - 1
        registration.status = R.REGISTERED
        promoted.append(registration)
    if not promoted:
        return []
    Registration.objects.filter(pk__in=[r.pk for r in promoted]).update(status=R.REGISTERED)
    for registration in promoted:
        record_event("events.registration.promoted", registration, detail={"event": event.pk})
    ids, alliance_id = [r.pk for r in promoted], event.alliance_id

    def notify():
        from ..notifications import notify_promoted

        notify_promoted(ids, alliance_id)

    transaction.on_commit(notify)
    return promoted


@transaction.atomic
def cancel_registration(registration: Registration, *, reason: str = "") -> Registration:
    """Cancel a registration (the representative for their unit, or staff). A place it held goes to the waiting
    list at once; `registration.promoted` lists who moved up."""
    event, registration = _lock_registration(registration)
    if registration.status not in ACTIVE_STATUSES:
        raise RegistrationConflict(
            _("A registration that is “%(status)s” cannot be cancelled.")
            % {"status": registration.get_status_display()},
            code="status",
        )
    if event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
        raise RegistrationConflict(
            _("The event is “%(status)s”: its registrations no longer change.")
            % {"status": event.get_status_display()},
            code="event_status",
        )
    held_place = registration.status in PLACE_HOLDING_STATUSES
    previous = registration.status
    registration.status = R.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    record_event(
        "events.registration.cancelled",
        registration,
        detail={"event": event.pk, "from": previous, "reason": (reason or "").strip()[:300]},
    )
    registration.promoted = promote_waitlisted(event) if held_place else []
    return registration


@transaction.atomic
def confirm_registration(registration: Registration) -> Registration:
    """Staff confirm a registration. A waitlisted one may be confirmed only into a free place its quota allows."""
    event, registration = _lock_registration(registration)
    if event.status != EventStatus.PUBLISHED:
        raise RegistrationConflict(
            _("Only registrations of a published event can be confirmed."), code="event_status"
        )
    if registration.status == R.WAITLISTED:
        counts = Registration.objects.filter(event=event, status__in=PLACE_HOLDING_STATUSES).aggregate(
            total=Count("pk"), unit=Count("pk", filter=Q(member_unit_id=registration.member_unit_id))
        )
        if (event.capacity is not None and counts["total"] >= event.capacity) or (
            event.quota_per_unit is not None and counts["unit"] >= event.quota_per_unit
        ):
            raise RegistrationConflict(
                _("There is no free place for %(name)s: the event or the unit's quota is full.")
                % {"name": registration.person_name},
                code="full",
            )
    elif registration.status != R.REGISTERED:
        raise RegistrationConflict(
            _("A registration that is “%(status)s” cannot be confirmed.")
            % {"status": registration.get_status_display()},
            code="status",
        )
    previous = registration.status
    registration.status = R.CONFIRMED
    registration.save(update_fields=["status"])
    record_event("events.registration.confirmed", registration, detail={"event": event.pk, "from": previous})
    return registration


# --- Check-in ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    registration: Registration
    already: bool  # checked in before this scan


@transaction.atomic
def check_in(registration: Registration, *, by=None) -> CheckIn:
    """Check a person in (from registered or confirmed). Checking in twice is harmless: `already` says so."""
    event, registration = _lock_registration(registration)
    if registration.status == R.CHECKED_IN:
        return CheckIn(registration, already=True)
    if event.status != EventStatus.PUBLISHED:
        raise RegistrationConflict(
            _("Check-in is closed: the event is “%(status)s”.") % {"status": event.get_status_display()},
            code="event_status",
        )
    if registration.status not in CHECK_IN_FROM:
        message = {
            R.WAITLISTED: _("%(name)s is on the waiting list and has no place."),
            R.CANCELLED: _("The registration of %(name)s was cancelled."),
        }.get(registration.status, _("%(name)s cannot be checked in now."))
        raise RegistrationConflict(message % {"name": registration.person_name}, code="status")
    registration.status = R.CHECKED_IN
    registration.checked_in_at = timezone.now()
    registration.checked_in_by_id = getattr(by, "pk", None) or _actor_id()
    registration.save(update_fields=["status", "checked_in_at", "checked_in_by"])
    record_event("events.registration.checked_in", registration, detail={"event": event.pk})
    return CheckIn(registration, already=False)


def parse_check_in_code(code: str) -> str | None:
    """The token in what a scanner typed: the URL the QR code encodes (…/check-in/<token>/), a URL with
    `?token=…`, or the bare token. None when nothing looks like a token."""
    code = (code or "").strip()
    if not code:
        return None
    if "/" in code or "?" in code:
        parts = urlsplit(code)
        query = parse_qs(parts.query)
        query = query.get("code") or query.get("token")
        if query:
            code = query[0]
        else:
            segments = [segment for segment in parts.path.split("/") if segment]
            if "check-in" in segments and segments.index("check-in") + 1 < len(segments):
                code = segments[segments.index("check-in") + 1]
            else:
                code = segments[-1] if segments else ""
    return code if TOKEN_PATTERN.fullmatch(code) else None


def find_registration(event: Event, code: str) -> Registration:
    """The registration of `event` a scanned code names. A code of another event (or another alliance, which
    the scope hides) is refused with the same answer."""
    token = parse_check_in_code(code)
    registration = None
    if token:
        registration = (
            Registration.objects.select_related("member_unit", "event").filter(check_in_token=token).first()
        )
    if registration is None or registration.event_id != event.pk:
        raise NotThisEvent(_("Not a registration of this event."), code="not_this_event")
    return registration


def check_in_by_code(event: Event, code: str, *, by=None) -> CheckIn:
    return check_in(find_registration(event, code), by=by)

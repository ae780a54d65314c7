"""Events (年会, council meetings, seminars, competitions, job fairs…): creating and editing them, their agenda,
attachments and photos, the status `draft → published → finished | cancelled`, minutes, and the link from a
council or standing-council meeting to the governance record whose resolutions it produced.

Every change locks the event row, runs in one transaction and writes the audit log. E-mail leaves after the
commit, through Celery (events/notifications.py). Bad input raises `ValidationError` naming the field; a step
the event's status does not allow raises `EventConflict` (the API answers 409).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances import governance_services
from alliances.audit import current_actor, record_event
from alliances.governance import Meeting, Resolution
from alliances.permissions import Action
from alliances.uploads import check_documents
from members.models import CURRENT_MEMBER_STATUSES, MemberUnit

from ..models import (
    PLACE_HOLDING_STATUSES,
    AgendaItem,
    AttachmentKind,
    Event,
    EventAttachment,
    EventKind,
    EventOrganiser,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from .registrations import ACTIVE_STATUSES, lock_event, promote_waitlisted

S = EventStatus
PUBLIC_STATUSES = (S.PUBLISHED, S.FINISHED, S.CANCELLED)
# The fields of an event as forms and the API give them (status changes through its own steps).
FIELDS = (
    "kind", "title", "starts_at", "ends_at", "venue", "host_unit", "description", "capacity", "quota_per_unit",
    "registration_opens", "registration_deadline",
)  # fmt: skip
TEXT_FIELDS = ("title", "venue", "description")
# Changes registrants are told about; they also raise the calendar SEQUENCE (RFC 5545).
SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue")
PHOTO_TYPES = ("image/jpeg", "image/png")


class EventConflict(ValidationError):
    """The event's status does not allow the change (the API answers 409)."""


def _actor_id() -> int | None:
    actor = current_actor()
    return actor.user_id if actor else None


# --- Reads -----------------------------------------------------------------------------------------------


def sees_drafts(membership) -> bool:
    return membership.can(Action.MANAGE_EVENTS)


def visible_events(membership, queryset: QuerySet | None = None) -> QuerySet:
    """Events `membership` may see: staff who manage events see drafts too, everyone else the rest."""
    queryset = Event.objects.all() if queryset is None else queryset
    return queryset if sees_drafts(membership) else queryset.filter(status__in=PUBLIC_STATUSES)


def governing_body(event: Event) -> str | None:
    """The body (council / standing council) whose meeting this event is, or None."""
    return EventKind.governance_kinds().get(event.kind)


def meeting_resolutions(event: Event) -> list[Resolution]:
    """The resolutions of the governance meeting the event is linked to (they live in governance, not here)."""
    if not event.meeting_id:
        return []
    return list(Resolution.objects.filter(meeting_id=event.meeting_id).order_by("number", "pk"))


def linkable_meetings(event: Event) -> QuerySet:
    """Meetings of the event's body that no other event is linked to yet."""
    body = governing_body(event)
    if body is None:
        return Meeting.objects.none()
    return (
        Meeting.objects.filter(body=body, events__isnull=True)
        .exclude(pk=event.meeting_id or 0)
        .order_by("-held_on", "-pk")
    )


# --- Creating and editing --------------------------------------------------------------------------------


def _clean(data: Mapping) -> dict:
    data = {key: value for key, value in data.items() if key in FIELDS}
    for field in TEXT_FIELDS:
        if field in data:
            data[field] = (data[field] or "").strip()
    for field in ("starts_at", "ends_at", "registration_deadline"):
        value = data.get(field)
        if value is not None and timezone.is_naive(value):
            data[field] = timezone.make_aware(value)
    return data


def _check_units(alliance_id: int, units: Iterable[MemberUnit], field: str, errors: dict) -> None:
    for unit in units:
        if unit.alliance_id != alliance_id:
            errors.setdefault(field, []).append(_("Choose one of this alliance's member units."))
        elif unit.status not in CURRENT_MEMBER_STATUSES:
            errors.setdefault(field, []).append(_("%(unit)s is not a current member.") % {"unit": unit.name})


def _check(event: Event, *, organisers=None, host_changed=True, taken: int = 0) -> None:
    errors: dict[str, list[str]] = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    if event.kind not in EventKind.values:
        fail("kind", _("Choose a kind of event."))
    if not event.title:
        fail("title", _("Give the event a title."))
    elif len(event.title) > 200:
        fail("title", _("A title has at most 200 characters."))
    if len(event.venue) > 200:
        fail("venue", _("A venue has at most 200 characters."))
    if event.starts_at is None:
        fail("starts_at", _("Give the start."))
    if event.ends_at is None:
        fail("ends_at", _("Give the end."))
    if event.starts_at and event.ends_at and event.ends_at < event.starts_at:
        fail("ends_at", _("The event cannot end before it starts."))
    if event.registration_deadline and event.ends_at and event.registration_deadline > event.ends_at:
        fail("registration_deadline", _("Registration cannot close after the event has ended."))
    for field in ("capacity", "quota_per_unit"):
        value = getattr(event, field)
        if value is not None and value < 1:
            fail(field, _("Give at least 1, or leave it empty for no limit."))
    if event.capacity and event.quota_per_unit and event.quota_per_unit > event.capacity:
        fail("quota_per_unit", _("Places per unit cannot exceed the capacity."))
    if event.capacity is not None and event.capacity < taken:
        fail(
            "capacity",
            _("%(taken)d places are already taken: the capacity cannot be lower.") % {"taken": taken},
        )
    if event.meeting_id and EventKind.governance_kinds().get(event.kind) != _linked_body(event):
        fail("kind", _("The event is linked to a meeting record of another body: keep its kind."))
    if host_changed and event.host_unit_id:
        _check_units(event.alliance_id, [event.host_unit], "host_unit", errors)
    if organisers is not None:
        _check_units(event.alliance_id, organisers, "organisers", errors)
    if errors:
        raise ValidationError(errors)


def _linked_body(event: Event) -> str | None:
    return Meeting.objects.filter(pk=event.meeting_id).values_list("body", flat=True).first()


def _set_organisers(event: Event, organisers: Iterable[MemberUnit]) -> None:
    wanted = {unit.pk for unit in organisers}
    current = set(EventOrganiser.objects.filter(event=event).values_list("member_unit_id", flat=True))
    EventOrganiser.objects.filter(event=event, member_unit_id__in=current - wanted).delete()
    EventOrganiser.objects.bulk_create(
        [
            EventOrganiser(alliance_id=event.alliance_id, event=event, member_unit_id=pk)
            for pk in wanted - current
        ]
    )


@transaction.atomic
def create_event(*, alliance, data: Mapping, organisers: Iterable[MemberUnit] = (), created_by=None) -> Event:
    """A new event, as a draft."""
    organisers = list(organisers or [])
    event = Event(alliance=alliance, status=S.DRAFT, **_clean(data))
    event.created_by_id = getattr(created_by, "pk", None) or _actor_id()
    _check(event, organisers=organisers)
    event.save()
    _set_organisers(event, organisers)
    record_event("events.event.created", event, detail={"kind": event.kind})
    return event


@transaction.atomic
def update_event(event: Event, data: Mapping, *, organisers: Iterable[MemberUnit] | None = None) -> Event:
    """Change an event's details. Finished and cancelled events are a record and do not change. When a published
    event's times or venue change, the calendar SEQUENCE goes up and its registrants are told by e-mail; more
    places (or a larger quota) go to the waiting list at once."""
    event = lock_event(event)
    if event.status not in (S.DRAFT, S.PUBLISHED):
        raise EventConflict(
            _("A %(status)s event can no longer be edited.") % {"status": event.get_status_display().lower()},
            code="status",
        )
    data = _clean(data)
    before = {field: getattr(event, field if field != "host_unit" else "host_unit_id") for field in FIELDS}
    for field, value in data.items():
        setattr(event, field, value)
    after = {field: getattr(event, field if field != "host_unit" else "host_unit_id") for field in FIELDS}
    changed = [field for field in FIELDS if before[field] != after[field]]
    organisers = None if organisers is None else list(organisers)
    taken = (
        Registration.objects.filter(event=event, status__in=PLACE_HOLDING_STATUSES).count()
        if "capacity" in changed
        else 0
    )
    _check(event, organisers=organisers, host_changed="host_unit" in changed, taken=taken)
    schedule_changed = [field for field in SCHEDULE_FIELDS if field in changed]
    if schedule_changed and event.status == S.PUBLISHED:
        event.sequence += 1
    if "starts_at" in changed:
        event.reminder_sent_at = None  # a new start: the reminder goes again before it
    event.save()
    if organisers is not None:
        _set_organisers(event, organisers)
    record_event("events.event.updated", event, detail={"fields": changed})
    if event.status == S.PUBLISHED:
        if {"capacity", "quota_per_unit"} & set(changed):
            promote_waitlisted(event)
        if schedule_changed:
            _after_commit_notify_registrants(event, "changed")
    return event


def _after_commit_notify_registrants(event: Event, kind: str) -> None:
    event_id, alliance_id = event.pk, event.alliance_id

    def notify():
        from ..notifications import notify_registrants

        notify_registrants(event_id, alliance_id, kind)

    transaction.on_commit(notify)


def _require(event: Event, allowed: tuple, message: str) -> None:
    if event.status not in allowed:
        raise EventConflict(message % {"status": event.get_status_display()}, code="status")


@transaction.atomic
def delete_event(event: Event) -> None:
    """Delete a draft (nobody can have registered yet). Published events are cancelled instead."""
    event = lock_event(event)
    _require(event, (S.DRAFT,), _("Only a draft can be deleted; a “%(status)s” event is cancelled instead."))
    files = [(a.file.storage, a.file.name) for a in event.attachments.all() if a.file]
    record_event("events.event.deleted", event, detail={"title": event.title})
    Event.objects.filter(pk=event.pk).delete()
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


@transaction.atomic
def publish_event(event: Event) -> Event:
    """draft → published: open for registration, and every current member unit is told by e-mail."""
    event = lock_event(event)
    _require(event, (S.DRAFT,), _("Only a draft can be published; this event is “%(status)s”."))
    _check(event, host_changed=False)
    event.status = S.PUBLISHED
    event.published_at = timezone.now()
    event.save(update_fields=["status", "published_at", "updated_at"])
    record_event("events.event.published", event, detail={"kind": event.kind})
    if event.ends_at > event.published_at:
        event_id, alliance_id = event.pk, event.alliance_id

        def notify():
            from ..notifications import notify_event_published

            notify_event_published(event_id, alliance_id)

        transaction.on_commit(notify)
    return event


@transaction.atomic
def finish_event(event: Event) -> Event:
    """published → finished, once it has started. Who registered and did not check in did not attend
    (no-show); the waiting list is closed (cancelled)."""
    event = lock_event(event)
    _require(event, (S.PUBLISHED,), _("Only a published event can be finished; this event is “%(status)s”."))
    now = timezone.now()
    if now < event.starts_at:
        raise EventConflict(_("The event has not started yet."), code="not_started")
    registrations = Registration.objects.filter(event=event)
    no_shows = registrations.filter(
        status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.CONFIRMED)
    ).update(status=RegistrationStatus.NO_SHOW)
    closed = registrations.filter(status=RegistrationStatus.WAITLISTED).update(
        status=RegistrationStatus.CANCELLED, cancelled_at=now
    )
    event.status = S.FINISHED
    event.save(update_fields=["status", "updated_at"])
    record_event("events.event.finished", event, detail={"no_shows": no_shows, "waitlist_closed": closed})
    return event


@transaction.atomic
def cancel_event(event: Event, *, reason: str) -> Event:
    """draft | published → cancelled, with a reason; everyone registered or waiting is told by e-mail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("A reason has at most 300 characters.")})
    event = lock_event(event)
    _require(event, (S.DRAFT, S.PUBLISHED), _("A “%(status)s” event cannot be cancelled."))
    was_published = event.status == S.PUBLISHED
    event.status = S.CANCELLED
    event.cancellation_reason = reason
    event.sequence += 1
    event.save(update_fields=["status", "cancellation_reason", "sequence", "updated_at"])
    record_event("events.event.cancelled", event, detail={"reason": reason})
    if was_published and Registration.objects.filter(event=event, status__in=ACTIVE_STATUSES).exists():
        _after_commit_notify_registrants(event, "cancelled")
    return event


@transaction.atomic
def record_minutes(event: Event, minutes: str) -> Event:
    """Record (or correct) the minutes of a published or finished event."""
    event = lock_event(event)
    _require(event, (S.PUBLISHED, S.FINISHED), _("Minutes are kept for published and finished events, not “%(status)s” ones."))  # fmt: skip
    event.minutes = (minutes or "").strip()
    event.save(update_fields=["minutes", "updated_at"])
    record_event("events.event.minutes_recorded", event, detail={"length": len(event.minutes)})
    return event


# --- Agenda ------------------------------------------------------------------------------------------------

AGENDA_FIELDS = ("starts_at", "topic", "speaker", "speaker_unit")


def _require_agenda_editable(event: Event) -> None:
    _require(
        event, (S.DRAFT, S.PUBLISHED, S.FINISHED), _("The agenda of a “%(status)s” event does not change.")
    )


def _check_agenda_item(item: AgendaItem) -> None:
    errors = {}
    item.topic = (item.topic or "").strip()
    item.speaker = (item.speaker or "").strip()
    item.speaker_unit = (item.speaker_unit or "").strip()
    if not item.topic:
        errors["topic"] = _("Give the topic.")
    for field, limit in (("topic", 200), ("speaker", 60), ("speaker_unit", 200)):
        if len(getattr(item, field)) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_agenda_item(event: Event, data: Mapping) -> AgendaItem:
    event = lock_event(event)
    _require_agenda_editable(event)
    item = AgendaItem(alliance_id=event.alliance_id, event=event,
                      **{k: v for k, v in data.items() if k in AGENDA_FIELDS})  # fmt: skip
    _check_agenda_item(item)
    last = AgendaItem.objects.filter(event=event).aggregate(last=Max("position"))["last"]
    item.position = 0 if last is None else last + 1
    item.save()
    record_event("events.agenda.changed", event, detail={"added": item.topic})
    return item


@transaction.atomic
def update_agenda_item(item: AgendaItem, data: Mapping) -> AgendaItem:
    event = lock_event(item.event)
    _require_agenda_editable(event)
    item = AgendaItem.objects.filter(pk=item.pk).first()
    if item is None:  # removed meanwhile
        raise EventConflict(_("That agenda item no longer exists."), code="gone")
    for field, value in data.items():
        if field in AGENDA_FIELDS:
            setattr(item, field, value)
    _check_agenda_item(item)
    item.save()
    record_event("events.agenda.changed", event, detail={"edited": item.topic})
    return item


@transaction.atomic
def remove_agenda_item(item: AgendaItem) -> None:
    event = lock_event(item.event)
    _require_agenda_editable(event)
    topic = item.topic
    AgendaItem.objects.filter(pk=item.pk).delete()
    record_event("events.agenda.changed", event, detail={"removed": topic})


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items):
        item.position = position
    AgendaItem.objects.bulk_update(items, ["position"])


@transaction.atomic
def move_agenda_item(item: AgendaItem, offset: int) -> AgendaItem:
    """Move an item up (-1) or down (+1) the agenda."""
    event = lock_event(item.event)
    _require_agenda_editable(event)
    items = list(AgendaItem.objects.filter(event=event).order_by("position", "starts_at", "pk"))
    index = next((i for i, candidate in enumerate(items) if candidate.pk == item.pk), None)
    if index is None:  # removed meanwhile (another tab, another user)
        raise EventConflict(_("That agenda item no longer exists."), code="gone")
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    _renumber(items)
    record_event("events.agenda.changed", event, detail={"moved": item.topic})
    return items[target]


@transaction.atomic
def reorder_agenda(event: Event, item_ids: list[int]) -> list[AgendaItem]:
    """Put the agenda in the order given: every item of the event, once."""
    event = lock_event(event)
    _require_agenda_editable(event)
    items = {item.pk: item for item in AgendaItem.objects.filter(event=event)}
    if sorted(item_ids) != sorted(items):
        raise ValidationError({"items": _("Give every agenda item of the event exactly once.")})
    ordered = [items[pk] for pk in item_ids]
    _renumber(ordered)
    record_event("events.agenda.changed", event, detail={"reordered": len(ordered)})
    return ordered


# --- Attachments and photos ---------------------------------------------------------------------------------


@transaction.atomic
def add_attachments(event: Event, uploads, *, kind: str = AttachmentKind.DOCUMENT, title: str = "",
                    uploaded_by=None) -> list[EventAttachment]:  # fmt: skip
    """Attach documents (PDF, JPEG, PNG) or photos (JPEG, PNG), each checked by its content, at most 10 MB."""
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("Choose a document or a photo.")})
    uploads = list(uploads or [])
    if not uploads:
        raise ValidationError({"files": _("Choose at least one file.")})
    try:
        checked = check_documents(uploads)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages}) from exc
    if kind == AttachmentKind.PHOTO:
        not_photos = [upload.name for upload, content_type in checked if content_type not in PHOTO_TYPES]
        if not_photos:
            raise ValidationError(
                {"files": [_("%(name)s is not a JPEG or PNG photo.") % {"name": name} for name in not_photos]}
            )
    event = lock_event(event)
    _require(event, (S.DRAFT, S.PUBLISHED, S.FINISHED), _("A “%(status)s” event takes no more attachments."))
    title = (title or "").strip()[:200]
    created = []
    for upload, content_type in checked:
        attachment = EventAttachment(
            alliance_id=event.alliance_id, event=event, kind=kind,
            title=(title if len(checked) == 1 and title else upload.name)[:200], content_type=content_type,
            size=upload.size, uploaded_by_id=getattr(uploaded_by, "pk", None) or _actor_id(),
        )  # fmt: skip
        attachment.file.save(upload.name, upload, save=True)
        created.append(attachment)
    record_event(
        "events.attachments.added", event, detail={"kind": kind, "files": [a.title for a in created]}
    )
    return created


@transaction.atomic
def remove_attachment(attachment: EventAttachment) -> None:
    event = lock_event(attachment.event)
    name, stored = attachment.title, attachment.file.name
    EventAttachment.objects.filter(pk=attachment.pk).delete()
    record_event("events.attachments.removed", event, detail={"file": name})
    storage = attachment.file.storage
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)


# --- Council and standing-council meetings ------------------------------------------------------------------


def _require_governance(event: Event) -> str:
    body = governing_body(event)
    if body is None:
        raise EventConflict(
            _("Only council and standing-council meetings have a meeting record."), code="kind"
        )
    if event.status == S.CANCELLED:
        raise EventConflict(_("A cancelled meeting has no meeting record."), code="status")
    if event.meeting_id:
        raise EventConflict(_("This event is already linked to a meeting record."), code="linked")
    return body


@transaction.atomic
def record_meeting_for_event(event: Event, *, present: int, seats: int | None = None, term=None) -> Meeting:
    """Record the governance meeting this event was (body from its kind, date from its start) and link them; its
    resolutions are then recorded on the governance pages and listed on the event's page."""
    event = lock_event(event)
    body = _require_governance(event)
    held_on = timezone.localdate(event.starts_at)
    meeting = governance_services.record_meeting(
        alliance=event.alliance, body=body, title=event.title, held_on=held_on, present=present, seats=seats,
        location=event.venue, minutes=event.minutes,
        term=term or governance_services.current_council_term(event.alliance, on=held_on),
    )  # fmt: skip
    event.meeting = meeting
    event.save(update_fields=["meeting", "updated_at"])
    record_event("events.event.meeting_linked", event, detail={"meeting": meeting.pk, "recorded": True})
    return meeting


@transaction.atomic
def link_meeting(event: Event, meeting: Meeting) -> Event:
    """Link the event to a meeting already recorded on the governance pages."""
    event = lock_event(event)
    body = _require_governance(event)
    errors = {}
    if meeting.alliance_id != event.alliance_id:
        errors["meeting"] = _("Choose one of this alliance's meetings.")
    elif meeting.body != body:
        errors["meeting"] = _("That meeting is of another body.")
    elif Event.objects.filter(meeting=meeting).exclude(pk=event.pk).exists():
        errors["meeting"] = _("Another event is already linked to that meeting.")
    if errors:
        raise ValidationError(errors)
    event.meeting = meeting
    event.save(update_fields=["meeting", "updated_at"])
    record_event("events.event.meeting_linked", event, detail={"meeting": meeting.pk, "recorded": False})
    return event

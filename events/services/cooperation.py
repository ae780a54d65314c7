"""School–enterprise cooperation records (校企合作): recording, editing, status changes, documents; and the reads
other parts need (who may see which records, the order-class graduates that feed the order-class subsidy).

Every change locks the rows it depends on, runs in one transaction and writes the audit log. Bad input raises a
`ValidationError` naming the field; a status change the record's state does not allow raises
`CooperationConflict` (the API answers 409).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.audit import current_actor, record_event
from alliances.permissions import Action
from alliances.tenancy import scope
from alliances.uploads import check_documents
from members.models import CURRENT_MEMBER_STATUSES, MemberKind, MemberUnit

from ..models import (
    CooperationDocument,
    CooperationKind,
    CooperationRecord,
    CooperationStatus,
    EventStatus,
)

K, S = CooperationKind, CooperationStatus

# The fields a record is made of, as the forms and the API give them (status changes through its own step).
FIELDS = (
    "kind", "title", "school", "enterprise", "signed_on", "starts_on", "ends_on", "event", "description",
    "class_name", "specialty", "students", "graduation_year", "graduates_employed", "participants",
)  # fmt: skip
CLASS_FIELDS = ("class_name", "specialty", "students", "graduation_year", "graduates_employed")

# Which status may follow which. Completed and terminated records are closed.
STATUS_STEPS: dict[str, frozenset[str]] = {
    S.PLANNED: frozenset({S.ACTIVE, S.TERMINATED}),
    S.ACTIVE: frozenset({S.COMPLETED, S.TERMINATED}),
    S.COMPLETED: frozenset(),
    S.TERMINATED: frozenset(),
}

# Order classes whose graduates count for the order-class employment subsidy.
SUBSIDY_STATUSES = (S.ACTIVE, S.COMPLETED)


class CooperationConflict(ValidationError):
    """The record's current status does not allow the change (the API answers 409)."""


# --- Reads -----------------------------------------------------------------------------------------------


def sees_every_record(membership) -> bool:
    """Secretariat and bureau see every record; a member representative only those of their own unit.

    Those who may see every member unit (Action.VIEW_MEMBERS) may see every record: the representative's role
    does not include it."""
    return membership.can(Action.VIEW_MEMBERS)


def visible_records(membership, queryset: QuerySet | None = None) -> QuerySet:
    """The records `membership` may read: all of them, or those where its unit is the school or enterprise."""
    queryset = CooperationRecord.objects.all() if queryset is None else queryset
    if sees_every_record(membership):
        return queryset
    unit_id = membership.member_unit_id
    if unit_id is None:
        return queryset.none()
    return queryset.filter(Q(school_id=unit_id) | Q(enterprise_id=unit_id))


def order_classes() -> QuerySet:
    """Order and named classes (订单班/冠名班), with what their rows show."""
    return CooperationRecord.objects.filter(kind__in=K.class_kinds()).select_related(
        "school", "enterprise", "specialty", "event"
    )


def order_class_graduates(alliance, year: int) -> list[CooperationRecord]:
    """The order and named classes of `alliance` graduating in `year` that are in force or completed, with the
    graduates each enterprise employed under the agreement (`graduates_employed`, None when not yet known).

    This is what the order-class employment subsidy (订单班就业补贴, per graduate employed) is computed from;
    terminated and merely planned classes are left out. Ordered by enterprise, school and class."""
    with scope(alliance.pk):
        return list(
            order_classes()
            .filter(graduation_year=year, status__in=SUBSIDY_STATUSES)
            .order_by("enterprise__name", "school__name", "class_name", "pk")
        )


# --- Changes ---------------------------------------------------------------------------------------------


def _actor_id():
    actor = current_actor()
    return actor.user_id if actor else None


TEXT_FIELDS = ("title", "description", "class_name")


def _clean(data: dict, kind: str | None = None) -> dict:
    """Strip text (None → ""), and clear what does not belong to the kind: the class details belong to order and
    named classes, the number of participants to every other kind."""
    data = {key: value for key, value in data.items() if key in FIELDS}
    for field in TEXT_FIELDS:
        if field in data:
            data[field] = (data[field] or "").strip()
    kind = data.get("kind") or kind
    if kind in K.class_kinds():
        data["participants"] = None
    elif kind:
        data.update({field: "" if field == "class_name" else None for field in CLASS_FIELDS})
    return data


def _check(record: CooperationRecord, *, parties_changed: bool, event_changed: bool = True) -> None:
    """The rules of a record, on the values it would have. Raises a ValidationError naming each field."""
    errors: dict[str, list[str]] = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    school = record.school if record.school_id else None
    enterprise = record.enterprise if record.enterprise_id else None
    event = record.event if record.event_id else None
    for field, row in (("school", school), ("enterprise", enterprise), ("event", event)):
        if row is not None and row.alliance_id != record.alliance_id:
            fail(field, _("Choose one of this alliance's own."))
    if event_changed and event is not None and event.status == EventStatus.CANCELLED:
        fail("event", _("%(event)s was cancelled: nothing was signed there.") % {"event": event.title})
    if school is not None and school.kind not in MemberKind.school_kinds():
        fail("school", _("%(unit)s is not a school.") % {"unit": school.name})
    if enterprise is not None and enterprise.kind != MemberKind.ENTERPRISE:
        fail("enterprise", _("%(unit)s is not an enterprise.") % {"unit": enterprise.name})
    if parties_changed:
        for field, unit in (("school", school), ("enterprise", enterprise)):
            if unit is not None and unit.status not in CURRENT_MEMBER_STATUSES:
                fail(
                    field,
                    _("%(unit)s is not a current member (it is “%(status)s”).")
                    % {"unit": unit.name, "status": unit.get_status_display()},
                )
    if record.starts_on and record.ends_on and record.ends_on < record.starts_on:
        fail("ends_on", _("The end date is before the start date."))
    if record.kind in K.class_kinds():
        if not record.class_name:
            fail("class_name", _("Give the name of the class."))
        if record.students is None:
            fail("students", _("Give the number of students in the class."))
        if record.graduation_year is None:
            fail("graduation_year", _("Give the year the class graduates."))
        elif not 1990 <= record.graduation_year <= 2100:
            fail("graduation_year", _("Give a year between 1990 and 2100."))
        if record.graduates_employed is not None:
            if record.students is not None and record.graduates_employed > record.students:
                fail(
                    "graduates_employed",
                    _("%(employed)d graduates employed is more than the %(students)d students of the class.")
                    % {"employed": record.graduates_employed, "students": record.students},
                )
    if errors:
        raise ValidationError(errors)


def _lock_parties(school: MemberUnit | None, enterprise: MemberUnit | None) -> None:
    """Lock the two units so that neither leaves the alliance while the record is written; refresh their status."""
    ids = [unit.pk for unit in (school, enterprise) if unit is not None]
    statuses = dict(MemberUnit.objects.select_for_update().filter(pk__in=ids).values_list("pk", "status"))
    for unit in (school, enterprise):
        if unit is not None and unit.pk in statuses:
            unit.status = statuses[unit.pk]


@transaction.atomic
def record_cooperation(*, alliance, data: dict, status: str = S.ACTIVE, documents=()) -> CooperationRecord:
    """Record a cooperation between a member school and a member enterprise (both current members)."""
    data = _clean(data)
    if status not in STATUS_STEPS:
        raise ValidationError({"status": [_("Unknown status.")]})
    checked = check_documents(documents)
    record = CooperationRecord(alliance=alliance, status=status, created_by_id=_actor_id())
    for field, value in data.items():
        setattr(record, field, value)
    if record.event_id and not record.signed_on:
        record.signed_on = timezone.localdate(record.event.starts_at)  # signed at the event
    _lock_parties(
        record.school if record.school_id else None, record.enterprise if record.enterprise_id else None
    )
    _check(record, parties_changed=True)
    record.full_clean(exclude=["alliance"])
    record.save()
    record_event(
        "events.cooperation.recorded", record,
        detail={"kind": record.kind, "school": record.school_id, "enterprise": record.enterprise_id,
                "event": record.event_id, "status": record.status},
    )  # fmt: skip
    _save_documents(record, checked)
    return record


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, date):
        return value.isoformat()
    return value


@transaction.atomic
def update_cooperation(record: CooperationRecord, data: dict) -> dict:
    """Change a record's details. Returns the changes {field: [old, new]} (empty when nothing changed)."""
    locked = CooperationRecord.objects.select_for_update().get(pk=record.pk)
    data = _clean(data, kind=locked.kind)
    changes = {}
    for field, value in data.items():
        before = getattr(
            locked, f"{field}_id" if field in ("school", "enterprise", "event", "specialty") else field
        )
        after = _plain(value)
        if before != after and not (before in (None, "") and after in (None, "")):
            changes[field] = [_plain(before), after]
        setattr(locked, field, value)
    if not changes:
        return {}
    parties_changed = "school" in changes or "enterprise" in changes
    if parties_changed:
        _lock_parties(locked.school, locked.enterprise)
    _check(locked, parties_changed=parties_changed, event_changed="event" in changes)
    locked.full_clean(exclude=["alliance"])
    locked.save()
    for field in data:
        setattr(record, field, getattr(locked, field))
    record.updated_at = locked.updated_at
    record_event("events.cooperation.updated", locked, detail={"changes": changes})
    return changes


def allowed_statuses(status: str) -> list[str]:
    """The statuses a record in `status` may move to, in the order of CooperationStatus."""
    steps = STATUS_STEPS.get(status, frozenset())
    return [value for value in S.values if value in steps]


@transaction.atomic
def change_cooperation_status(
    record: CooperationRecord, status: str, *, reason: str = ""
) -> CooperationRecord:
    """Move a record to `status` (planned → in force → completed; planned or in force → terminated)."""
    if status not in STATUS_STEPS:
        raise ValidationError({"status": [_("Unknown status.")]})
    locked = CooperationRecord.objects.select_for_update().get(pk=record.pk)
    if status not in STATUS_STEPS[locked.status]:
        raise CooperationConflict(
            _("A record that is “%(current)s” cannot become “%(target)s”.")
            % {"current": locked.get_status_display(), "target": S(status).label}
        )
    reason = (reason or "").strip()
    if status == S.TERMINATED and not reason:
        raise ValidationError({"reason": [_("Say why the cooperation was terminated.")]})
    previous = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    record.status, record.updated_at = locked.status, locked.updated_at
    record_event(
        "events.cooperation.status_changed", locked,
        detail={"from": previous, "to": status, "reason": reason[:500]},
    )  # fmt: skip
    return locked


def _save_documents(record: CooperationRecord, checked) -> list[CooperationDocument]:
    documents = []
    for upload, content_type in checked:
        document = CooperationDocument(
            alliance_id=record.alliance_id, record=record, title=upload.name[:200], content_type=content_type,
            size=upload.size, uploaded_by_id=_actor_id(),
        )  # fmt: skip
        document.file.save(upload.name, upload, save=False)
        document.save()
        documents.append(document)
    if documents:
        record_event(
            "events.cooperation.documents_attached", record, detail={"titles": [d.title for d in documents]}
        )
    return documents


@transaction.atomic
def attach_cooperation_documents(record: CooperationRecord, uploads) -> list[CooperationDocument]:
    """Attach signed agreements, letters of intent, photos of the plaque… (PDF, JPEG or PNG, checked by content)."""
    checked = check_documents(uploads)
    if not checked:
        raise ValidationError({"documents": [_("Choose at least one file.")]})
    locked = CooperationRecord.objects.select_for_update().get(pk=record.pk)
    return _save_documents(locked, checked)

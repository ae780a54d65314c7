"""Actions on member units: the membership lifecycle (an explicit state machine), profiles, committees.

Every action locks the unit, checks the transition against `LIFECYCLE`, writes a timeline line
(`MembershipEvent`) and an audit entry, all in one transaction. Invalid transitions raise
`InvalidTransition` (a ValidationError) with a message that says why.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.audit import current_actor, record_event
from alliances.governance import Resolution, ResolutionSubject
from alliances.governance_services import current_charter
from alliances.models import Alliance
from alliances.uploads import check_documents

from .identifiers import normalise_credit_code
from .models import (
    CommitteeMembership,
    Contact,
    MemberDocument,
    MembershipAction,
    MembershipEvent,
    MemberStatus,
    MemberUnit,
    ProfileChangeRequest,
    RequestStatus,
    WithdrawalRequest,
)

S = MemberStatus


class InvalidTransition(ValidationError):
    pass


@dataclass(frozen=True)
class Transition:
    action: str  # MembershipAction recorded on the timeline
    label: object  # what the user asked for, for messages
    sources: frozenset[str]
    target: str
    resolution_subject: str | None = None  # a passed resolution on this subject is required
    reason_required: bool = False


    def get_target_display(self) -> str:
        return MemberStatus(self.target).label


def _t(action, label, sources, target, **extra) -> Transition:
    return Transition(action=action, label=label, sources=frozenset(sources), target=target, **extra)


# The membership state machine (design.md). Keys are the service-level transition names.
LIFECYCLE: dict[str, Transition] = {
    "reapply": _t(MembershipAction.APPLIED, gettext_lazy("apply again"), {S.REJECTED, S.WITHDRAWN}, S.APPLIED),
    "start_review": _t(MembershipAction.REVIEW_STARTED, gettext_lazy("start the review"), {S.APPLIED}, S.UNDER_REVIEW),
    "request_information": _t(
        MembershipAction.INFO_REQUESTED, gettext_lazy("request more information"), {S.UNDER_REVIEW},
        S.INFO_REQUESTED, reason_required=True,
    ),
    "provide_information": _t(
        MembershipAction.INFO_PROVIDED, gettext_lazy("record the information provided"), {S.INFO_REQUESTED},
        S.UNDER_REVIEW,
    ),
    "admit": _t(
        MembershipAction.ADMITTED, gettext_lazy("admit"), {S.UNDER_REVIEW}, S.ADMITTED,
        resolution_subject=ResolutionSubject.ADMISSION,
    ),
    "reject": _t(
        MembershipAction.REJECTED, gettext_lazy("reject the application"), {S.APPLIED, S.UNDER_REVIEW, S.INFO_REQUESTED},
        S.REJECTED, reason_required=True,
    ),
    "request_withdrawal": _t(
        MembershipAction.WITHDRAWAL_REQUESTED, gettext_lazy("request withdrawal"), {S.ADMITTED},
        S.WITHDRAWAL_REQUESTED, reason_required=True,
    ),
    "approve_withdrawal": _t(
        MembershipAction.WITHDRAWAL_APPROVED, gettext_lazy("approve the withdrawal"), {S.WITHDRAWAL_REQUESTED},
        S.WITHDRAWAL_REQUESTED, resolution_subject=ResolutionSubject.WITHDRAWAL,
    ),
    "decline_withdrawal": _t(
        MembershipAction.WITHDRAWAL_DECLINED, gettext_lazy("decline the withdrawal"), {S.WITHDRAWAL_REQUESTED},
        S.ADMITTED, reason_required=True,
    ),
    "cancel_withdrawal": _t(
        MembershipAction.WITHDRAWAL_CANCELLED, gettext_lazy("cancel the withdrawal request"),
        {S.WITHDRAWAL_REQUESTED}, S.ADMITTED,
    ),
    "complete_withdrawal": _t(
        MembershipAction.WITHDRAWN, gettext_lazy("complete the withdrawal"), {S.WITHDRAWAL_REQUESTED}, S.WITHDRAWN
    ),
    "suspend": _t(MembershipAction.SUSPENDED, gettext_lazy("suspend"), {S.ADMITTED}, S.SUSPENDED, reason_required=True),
    "reinstate": _t(MembershipAction.REINSTATED, gettext_lazy("reinstate"), {S.SUSPENDED}, S.ADMITTED),
    "expel": _t(
        MembershipAction.EXPELLED, gettext_lazy("expel"), {S.ADMITTED, S.SUSPENDED}, S.EXPELLED,
        resolution_subject=ResolutionSubject.EXPULSION, reason_required=True,
    ),
}  # fmt: skip


def allowed_transitions(status: str) -> list[str]:
    """Names of the transitions open from `status`, in LIFECYCLE order (for buttons and the API)."""
    return [name for name, transition in LIFECYCLE.items() if status in transition.sources]


def _actor_user():
    from alliances.models import User

    actor = current_actor()
    if actor is None or actor.user_id is None:
        return None
    return User.objects.filter(pk=actor.user_id).first()


def _lock(unit: MemberUnit) -> MemberUnit:
    return MemberUnit.objects.select_for_update().get(pk=unit.pk)


def check_transition(unit: MemberUnit, name: str, *, reason: str = "", resolution: Resolution | None = None) -> Transition:
    """Raise InvalidTransition unless `name` may be applied to `unit` now, with this reason and resolution."""
    transition = LIFECYCLE[name]
    if unit.status not in transition.sources:
        allowed = ", ".join(str(MemberStatus(s).label) for s in sorted(transition.sources))
        raise InvalidTransition(
            _("Cannot %(action)s %(unit)s: its status is “%(status)s”; this needs: %(allowed)s.")
            % {"action": transition.label, "unit": unit.name, "status": unit.get_status_display(), "allowed": allowed},
            code="invalid_transition",
        )
    if transition.reason_required and not (reason or "").strip():
        raise InvalidTransition({"reason": _("Give a reason.")}, code="reason_required")
    if transition.resolution_subject:
        _check_resolution(unit, resolution, transition.resolution_subject)
    return transition


def _check_resolution(unit: MemberUnit, resolution: Resolution | None, subject: str) -> None:
    if resolution is None:
        raise InvalidTransition(
            {"resolution": _("This decision needs a resolution of the body named by the charter.")},
            code="resolution_required",
        )
    if resolution.alliance_id != unit.alliance_id:
        raise InvalidTransition({"resolution": _("The resolution belongs to another alliance.")})
    if resolution.subject != subject:
        raise InvalidTransition(
            {"resolution": _("Resolution %(number)s is about “%(subject)s”, not “%(needed)s”.")
             % {"number": resolution.number, "subject": resolution.get_subject_display(),
                "needed": ResolutionSubject(subject).label}}
        )  # fmt: skip
    if not resolution.quorum_met:
        raise InvalidTransition(
            {"resolution": _("Resolution %(number)s was taken without a quorum.") % {"number": resolution.number}}
        )
    if not resolution.passed:
        raise InvalidTransition(
            {"resolution": _("Resolution %(number)s did not pass.") % {"number": resolution.number}}
        )


def _apply(
    unit: MemberUnit, name: str, *, reason: str = "", resolution: Resolution | None = None,
    effective_on: date | None = None, documents=(), detail: dict | None = None, **changes,
) -> MembershipEvent:  # fmt: skip
    """Lock, check, change status (and `changes`), write the timeline and the audit log. Call inside atomic."""
    locked = _lock(unit)
    transition = check_transition(locked, name, reason=reason, resolution=resolution)
    previous = locked.status
    locked.status = transition.target
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.save()
    # Keep the caller's instance in step with the row.
    for field in ("status", "updated_at", *changes):
        setattr(unit, field, getattr(locked, field))
    event = _timeline(
        locked, transition.action, from_status=previous, to_status=transition.target, reason=reason,
        resolution=resolution, effective_on=effective_on, detail=detail,
    )  # fmt: skip
    attach_documents(locked, documents, event=event)
    record_event(
        f"member.{name}", locked,
        detail={"from": previous, "to": transition.target, "reason": reason[:500],
                "resolution": resolution.number if resolution else None,
                "effective_on": effective_on.isoformat() if effective_on else None, **(detail or {})},
    )  # fmt: skip
    return event


def _timeline(unit, action, *, from_status="", to_status="", reason="", resolution=None, effective_on=None,
              detail=None) -> MembershipEvent:  # fmt: skip
    actor = current_actor()
    return MembershipEvent.objects.create(
        alliance_id=unit.alliance_id, member_unit=unit, action=action, from_status=from_status,
        to_status=to_status, reason=reason, resolution=resolution, effective_on=effective_on,
        detail=detail or {}, actor_id=actor.user_id if actor else None, actor_label=actor.label if actor else "",
    )  # fmt: skip


def attach_documents(unit: MemberUnit, uploads, *, event: MembershipEvent | None = None) -> list[MemberDocument]:
    documents = []
    actor = current_actor()
    for upload, content_type in check_documents(uploads):
        document = MemberDocument(
            alliance_id=unit.alliance_id, member_unit=unit, event=event, title=upload.name[:200],
            content_type=content_type, size=upload.size, uploaded_by_id=actor.user_id if actor else None,
        )  # fmt: skip
        document.file.save(upload.name, upload, save=False)
        document.save()
        documents.append(document)
    if documents:
        record_event("member.documents_attached", unit, detail={"titles": [d.title for d in documents]})
    return documents


# --- Applications -----------------------------------------------------------------------------------

PROFILE_FIELDS = (
    "kind", "name", "short_name", "credit_code", "legal_representative", "division_code", "address", "website",
    "industry_division", "employee_count", "above_designated_size", "ownership", "school_level", "enrolment",
    "teacher_count",
)  # fmt: skip
# Fields a member representative may not change alone: they identify the unit.
IDENTITY_FIELDS = ("name", "credit_code")


def _clean_profile(data: dict) -> dict:
    data = {key: value for key, value in data.items() if key in PROFILE_FIELDS}
    if "credit_code" in data:
        data["credit_code"] = normalise_credit_code(data["credit_code"])
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    return data


def _check_unique(alliance_id: int, data: dict, exclude_pk: int | None = None) -> None:
    clashes = MemberUnit.objects.filter(alliance_id=alliance_id).exclude(pk=exclude_pk)
    errors = {}
    if data.get("credit_code") and clashes.filter(credit_code=data["credit_code"]).exists():
        errors["credit_code"] = _("A unit with this credit code is already registered in this alliance.")
    if data.get("name") and clashes.filter(name=data["name"]).exists():
        errors["name"] = _("A unit with this name is already registered in this alliance.")
    if errors:
        raise ValidationError(errors)


def _save_contacts(unit: MemberUnit, contacts) -> None:
    contacts = [c for c in (contacts or []) if (c.get("name") or "").strip()]
    Contact.objects.bulk_create(
        [
            Contact(
                alliance_id=unit.alliance_id, member_unit=unit, name=c["name"].strip(), title=c.get("title", ""),
                mobile=c.get("mobile", ""), email=c.get("email", ""), is_primary=index == 0,
            )
            for index, c in enumerate(contacts)
        ]
    )  # fmt: skip


@transaction.atomic
def submit_application(*, alliance: Alliance, profile: dict, contacts=(), documents=(), statement: str = "") -> MemberUnit:
    """A unit applies online (no login). A rejected or withdrawn unit may apply again; others may not."""
    profile = _clean_profile(profile)
    existing = MemberUnit.objects.filter(alliance=alliance, credit_code=profile.get("credit_code")).first()
    if existing is not None:
        if existing.status not in LIFECYCLE["reapply"].sources:
            raise ValidationError(
                {"credit_code": _("A unit with this credit code is already a member or has an open application.")}
            )
        _check_unique(alliance.pk, profile, exclude_pk=existing.pk)
        for field, value in profile.items():
            setattr(existing, field, value)
        existing.save()
        existing.contacts.all().delete()
        _save_contacts(existing, contacts)
        _apply(existing, "reapply", reason=statement, documents=documents, applied_on=timezone.localdate(),
               member_number="", admitted_on=None, left_on=None)  # fmt: skip
        return existing
    _check_unique(alliance.pk, profile)
    check_documents(documents)
    unit = MemberUnit.objects.create(
        alliance=alliance, status=S.APPLIED, applied_on=timezone.localdate(), **profile
    )
    _save_contacts(unit, contacts)
    event = _timeline(unit, MembershipAction.APPLIED, to_status=S.APPLIED, reason=statement)
    attach_documents(unit, documents, event=event)
    record_event("member.applied", unit, detail={"credit_code": unit.credit_code})
    return unit


@transaction.atomic
def register_member_unit(
    *, alliance: Alliance, profile: dict, contacts=(), admitted_on: date | None = None, council_role: str = "member",
    action: str = MembershipAction.CREATED, note: str = "",
) -> MemberUnit:  # fmt: skip
    """The secretariat registers a unit that is already a member (founding members, records moved from paper).

    With `admitted_on` empty the unit starts as an application received on paper instead.
    """
    profile = _clean_profile(profile)
    _check_unique(alliance.pk, profile)
    status = S.ADMITTED if admitted_on else S.APPLIED
    unit = MemberUnit.objects.create(
        alliance=alliance, status=status, admitted_on=admitted_on, council_role=council_role,
        applied_on=admitted_on or timezone.localdate(), **profile,
    )  # fmt: skip
    if admitted_on:
        unit.member_number = next_member_number(alliance, admitted_on.year)
        unit.save(update_fields=["member_number"])
    _save_contacts(unit, contacts)
    _timeline(unit, action, to_status=status, reason=note, effective_on=admitted_on)
    record_event(f"member.{action}", unit, detail={"status": status, "credit_code": unit.credit_code})
    return unit


def member_number_prefix(alliance: Alliance) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", alliance.slug) if p]
    prefix = "".join(p[0] for p in parts) if len(parts) > 1 else (parts[0] if parts else "M")
    return prefix.upper()[:8]


def next_member_number(alliance: Alliance, year: int) -> str:
    """The next number of the year, e.g. ZIBO-2026-0007. Call inside the transaction that stores it:
    the alliance row is locked so that two admissions never draw the same number."""
    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()
    stem = f"{member_number_prefix(alliance)}-{year}-"
    numbers = MemberUnit.objects.filter(alliance=alliance, member_number__startswith=stem).values_list(
        "member_number", flat=True
    )
    highest = max((int(n[len(stem):]) for n in numbers if n[len(stem):].isdigit()), default=0)
    return f"{stem}{highest + 1:04d}"


# --- Review and admission -----------------------------------------------------------------------------


@transaction.atomic
def start_review(unit: MemberUnit) -> MembershipEvent:
    return _apply(unit, "start_review")


@transaction.atomic
def request_information(unit: MemberUnit, *, reason: str) -> MembershipEvent:
    event = _apply(unit, "request_information", reason=reason)
    from .notifications import notify_information_requested

    transaction.on_commit(lambda: notify_information_requested(unit.pk, unit.alliance_id, reason))
    return event


@transaction.atomic
def provide_information(unit: MemberUnit, *, note: str = "", documents=()) -> MembershipEvent:
    return _apply(unit, "provide_information", reason=note, documents=documents)


@transaction.atomic
def admit_member(unit: MemberUnit, *, resolution: Resolution, admitted_on: date | None = None,
                 council_role: str | None = None) -> MembershipEvent:  # fmt: skip
    """Admit on a passed admission resolution: the unit gets a member number and can download its certificate."""
    check_transition(_lock(unit), "admit", resolution=resolution)
    admitted_on = admitted_on or resolution.meeting.held_on
    changes = {"admitted_on": admitted_on, "member_number": next_member_number(unit.alliance, admitted_on.year),
               "left_on": None}  # fmt: skip
    if council_role:
        changes["council_role"] = council_role
    return _apply(unit, "admit", resolution=resolution, effective_on=admitted_on,
                  detail={"member_number": changes["member_number"]}, **changes)  # fmt: skip


@transaction.atomic
def reject_application(unit: MemberUnit, *, reason: str, documents=()) -> MembershipEvent:
    return _apply(unit, "reject", reason=reason, documents=documents)


# --- Withdrawal -------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's end (30 Nov + 3 months = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_withdrawal_date(unit: MemberUnit, requested_on: date) -> date:
    return add_months(requested_on, current_charter(unit.alliance).withdrawal_notice_months)


@transaction.atomic
def request_withdrawal(
    unit: MemberUnit, *, reason: str, requested_on: date | None = None, effective_on: date | None = None,
    documents=(),
) -> WithdrawalRequest:  # fmt: skip
    """A written request to leave. The effective date defaults to, and may not precede, request + notice period."""
    requested_on = requested_on or timezone.localdate()
    if requested_on > timezone.localdate():
        raise ValidationError({"requested_on": _("The request cannot be received in the future.")})
    earliest = earliest_withdrawal_date(unit, requested_on)
    effective_on = effective_on or earliest
    if effective_on < earliest:
        months = current_charter(unit.alliance).withdrawal_notice_months
        raise ValidationError(
            {"effective_on": _("Under the charter a withdrawal takes effect at the earliest %(months)d months after "
                               "the written request, i.e. on or after %(date)s.")
             % {"months": months, "date": earliest.isoformat()}}
        )  # fmt: skip
    _apply(unit, "request_withdrawal", reason=reason, effective_on=effective_on, documents=documents)
    return WithdrawalRequest.objects.create(
        alliance_id=unit.alliance_id, member_unit=unit, requested_on=requested_on, earliest_effective_on=earliest,
        effective_on=effective_on, reason=reason, requested_by_id=_actor_id(),
    )  # fmt: skip


def _open_withdrawal(unit: MemberUnit, *statuses: str) -> WithdrawalRequest:
    request = (
        WithdrawalRequest.objects.select_for_update()
        .filter(member_unit=unit, status__in=statuses or (RequestStatus.PENDING, RequestStatus.APPROVED))
        .first()
    )
    if request is None:
        raise InvalidTransition(_("%(unit)s has no open withdrawal request.") % {"unit": unit.name})
    return request


@transaction.atomic
def approve_withdrawal(unit: MemberUnit, *, resolution: Resolution, documents=()) -> WithdrawalRequest:
    """The body the charter names approves; the unit leaves on the effective date (today or later)."""
    request = _open_withdrawal(unit, RequestStatus.PENDING)
    _apply(unit, "approve_withdrawal", resolution=resolution, effective_on=request.effective_on, documents=documents)
    request.status, request.resolution, request.decided_at = RequestStatus.APPROVED, resolution, timezone.now()
    request.save()
    from .notifications import notify_members_of_withdrawal

    transaction.on_commit(lambda: notify_members_of_withdrawal(request.pk, unit.alliance_id))
    if request.effective_on <= timezone.localdate():
        complete_withdrawal(unit)
    return request


@transaction.atomic
def decline_withdrawal(unit: MemberUnit, *, reason: str, resolution: Resolution | None = None) -> WithdrawalRequest:
    request = _open_withdrawal(unit, RequestStatus.PENDING)
    _apply(unit, "decline_withdrawal", reason=reason, resolution=resolution)
    request.status, request.resolution, request.decided_at = RequestStatus.DECLINED, resolution, timezone.now()
    request.save()
    return request


@transaction.atomic
def cancel_withdrawal(unit: MemberUnit, *, reason: str = "") -> WithdrawalRequest:
    request = _open_withdrawal(unit)
    _apply(unit, "cancel_withdrawal", reason=reason)
    request.status, request.decided_at = RequestStatus.CANCELLED, timezone.now()
    request.save()
    return request


@transaction.atomic
def complete_withdrawal(unit: MemberUnit, *, today: date | None = None) -> WithdrawalRequest:
    today = today or timezone.localdate()
    request = _open_withdrawal(unit, RequestStatus.APPROVED)
    if request.effective_on > today:
        raise InvalidTransition(
            _("The withdrawal of %(unit)s takes effect on %(date)s, not before.")
            % {"unit": unit.name, "date": request.effective_on.isoformat()}
        )
    _apply(unit, "complete_withdrawal", effective_on=request.effective_on, left_on=request.effective_on,
           resolution=None)  # fmt: skip
    request.status = RequestStatus.COMPLETED
    request.save()
    _leave_committees(unit)
    return request


def complete_due_withdrawals(today: date | None = None) -> int:
    """Move every approved withdrawal whose date has come to `withdrawn`. Run daily by Celery beat."""
    today = today or timezone.localdate()
    done = 0
    due = WithdrawalRequest.objects.filter(status=RequestStatus.APPROVED, effective_on__lte=today)
    for request in due.select_related("member_unit"):
        complete_withdrawal(request.member_unit, today=today)
        done += 1
    return done


# --- Suspension and expulsion ------------------------------------------------------------------------


@transaction.atomic
def suspend_member(unit: MemberUnit, *, reason: str, documents=()) -> MembershipEvent:
    return _apply(unit, "suspend", reason=reason, documents=documents)


@transaction.atomic
def reinstate_member(unit: MemberUnit, *, reason: str = "") -> MembershipEvent:
    return _apply(unit, "reinstate", reason=reason)


@transaction.atomic
def expel_member(unit: MemberUnit, *, resolution: Resolution, reason: str, documents=()) -> MembershipEvent:
    event = _apply(unit, "expel", resolution=resolution, reason=reason, documents=documents,
                   effective_on=resolution.meeting.held_on, left_on=resolution.meeting.held_on)  # fmt: skip
    WithdrawalRequest.objects.filter(
        member_unit=unit, status__in=(RequestStatus.PENDING, RequestStatus.APPROVED)
    ).update(status=RequestStatus.CANCELLED, decided_at=timezone.now())
    _leave_committees(unit)
    return event


def _leave_committees(unit: MemberUnit) -> None:
    names = list(CommitteeMembership.objects.filter(member_unit=unit).values_list("committee__name", flat=True))
    if names:
        CommitteeMembership.objects.filter(member_unit=unit).delete()
        _timeline(unit, MembershipAction.COMMITTEE_LEFT, detail={"committees": names})


# --- Profiles ---------------------------------------------------------------------------------------


def _diff(unit: MemberUnit, data: dict) -> dict:
    changed = {}
    for field, value in data.items():
        before = getattr(unit, f"{field}_id" if field == "industry_division" else field)
        after = value.pk if hasattr(value, "pk") else value
        if before != after and not (before in (None, "") and after in (None, "")):
            changed[field] = [_plain(before), _plain(after)]
    return changed


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def update_member_profile(unit: MemberUnit, data: dict, *, contacts=None, specialties=None) -> dict:
    """The secretariat edits a profile (identity fields included). Returns the changes {field: [old, new]}."""
    data = _clean_profile(data)
    locked = _lock(unit)
    _check_unique(unit.alliance_id, data, exclude_pk=unit.pk)
    changes = _diff(locked, data)
    for field, value in data.items():
        setattr(locked, field, value)
        setattr(unit, field, value)
    locked.full_clean(exclude=["alliance", "specialties"])
    locked.save()
    if contacts is not None:
        wanted = [{k: (c.get(k) or "").strip() for k in ("name", "title", "mobile", "email")}
                  for c in contacts if (c.get("name") or "").strip()]  # fmt: skip
        present = list(locked.contacts.order_by("-is_primary", "pk").values("name", "title", "mobile", "email"))
        if wanted != present:
            locked.contacts.all().delete()
            _save_contacts(locked, wanted)
            changes["contacts"] = [len(present), len(wanted)]
    if specialties is not None:
        added, removed = set_specialties(locked, specialties)
        if added or removed:
            changes["specialties"] = [sorted(removed), sorted(added)]
    if changes:
        _timeline(locked, MembershipAction.PROFILE_UPDATED, detail={"changes": changes})
        record_event("member.profile_updated", locked, detail={"changes": changes})
    return changes


def set_specialties(unit: MemberUnit, specialties) -> tuple[set[str], set[str]]:
    """Make the unit offer exactly `specialties` (objects or codes). Returns (codes added, codes removed)."""
    from .models import MemberSpecialty

    wanted = {s.pk if hasattr(s, "pk") else s for s in specialties}
    present = set(MemberSpecialty.objects.filter(member_unit=unit).values_list("specialty_id", flat=True))
    MemberSpecialty.objects.filter(member_unit=unit, specialty_id__in=present - wanted).delete()
    MemberSpecialty.objects.bulk_create(
        [MemberSpecialty(alliance_id=unit.alliance_id, member_unit=unit, specialty_id=code)
         for code in sorted(wanted - present)]
    )  # fmt: skip
    return wanted - present, present - wanted


@transaction.atomic
def update_own_profile(unit: MemberUnit, data: dict, *, contacts=None, specialties=None, reason: str = "") -> tuple[dict, ProfileChangeRequest | None]:  # noqa: E501
    """A member representative edits the unit: ordinary fields change at once; name and credit code changes
    wait for the secretariat as a ProfileChangeRequest."""
    data = _clean_profile(data)
    data.pop("kind", None)  # the type of unit is the secretariat's to change
    identity = {f: data.pop(f) for f in IDENTITY_FIELDS if f in data and data[f] != getattr(unit, f)}
    changes = update_member_profile(unit, data, contacts=contacts, specialties=specialties)
    request = request_profile_change(unit, identity, reason=reason) if identity else None
    return changes, request


def request_profile_change(unit: MemberUnit, changes: dict, *, reason: str = "") -> ProfileChangeRequest:
    changes = _clean_profile(changes)
    if not changes:
        raise ValidationError(_("Nothing to change."))
    _check_unique(unit.alliance_id, changes, exclude_pk=unit.pk)
    if ProfileChangeRequest.objects.filter(member_unit=unit, status=RequestStatus.PENDING).exists():
        raise ValidationError(_("A change of name or credit code is already waiting for the secretariat."))
    actor = current_actor()
    request = ProfileChangeRequest.objects.create(
        alliance_id=unit.alliance_id, member_unit=unit, changes=changes,
        previous={f: getattr(unit, f) for f in changes}, reason=reason,
        requested_by_id=actor.user_id if actor else None,
    )  # fmt: skip
    _timeline(unit, MembershipAction.CHANGE_REQUESTED, reason=reason, detail={"changes": changes})
    record_event("member.change_requested", unit, detail={"changes": changes})
    return request


@transaction.atomic
def decide_profile_change(request: ProfileChangeRequest, *, approve: bool, note: str = "") -> ProfileChangeRequest:
    request = ProfileChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        raise InvalidTransition(_("This change request has already been decided."))
    unit = request.member_unit
    if approve:
        _check_unique(unit.alliance_id, request.changes, exclude_pk=unit.pk)
        locked = _lock(unit)
        for field, value in request.changes.items():
            setattr(locked, field, value)
        locked.full_clean(exclude=["alliance", "specialties"])
        locked.save()
    actor = current_actor()
    request.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    request.decision_note, request.decided_at = note, timezone.now()
    request.decided_by_id = actor.user_id if actor else None
    request.save()
    action = MembershipAction.CHANGE_APPROVED if approve else MembershipAction.CHANGE_REJECTED
    _timeline(unit, action, reason=note, detail={"changes": request.changes})
    record_event(f"member.{action}", unit, detail={"changes": request.changes, "note": note[:500]})
    return request


# --- Council roles and committees ---------------------------------------------------------------------


@transaction.atomic
def set_council_role(unit: MemberUnit, role: str, *, reason: str = "") -> bool:
    locked = _lock(unit)
    if locked.council_role == role:
        return False
    previous, locked.council_role = locked.council_role, role
    locked.save(update_fields=["council_role", "updated_at"])
    unit.council_role = role
    _timeline(locked, MembershipAction.COUNCIL_ROLE_CHANGED, reason=reason, detail={"from": previous, "to": role})
    record_event("member.council_role_changed", locked, detail={"from": previous, "to": role})
    return True


@transaction.atomic
def add_to_committee(units, committee, *, joined_on: date | None = None) -> int:
    """Add units to a committee; units already in it are left as they are. Returns how many joined."""
    units = list(units)
    if any(u.alliance_id != committee.alliance_id for u in units):
        raise ValidationError(_("The committee belongs to another alliance."))
    not_members = [u.name for u in units if not u.is_current_member]
    if not_members:
        raise ValidationError(
            _("Only current members can join a committee: %(names)s.") % {"names": "、".join(not_members[:5])}
        )
    present = set(
        CommitteeMembership.objects.filter(committee=committee, member_unit__in=units).values_list(
            "member_unit_id", flat=True
        )
    )
    joining = [u for u in units if u.pk not in present]
    CommitteeMembership.objects.bulk_create(
        [CommitteeMembership(alliance_id=committee.alliance_id, committee=committee, member_unit=u,
                             joined_on=joined_on or timezone.localdate()) for u in joining]
    )  # fmt: skip
    MembershipEvent.objects.bulk_create(
        [MembershipEvent(alliance_id=u.alliance_id, member_unit=u, action=MembershipAction.COMMITTEE_JOINED,
                         detail={"committees": [committee.name]}, actor_id=_actor_id(),
                         actor_label=_actor_label()) for u in joining]
    )  # fmt: skip
    if joining:
        record_event("committee.members_added", committee, detail={"units": [u.pk for u in joining]})
    return len(joining)


@transaction.atomic
def remove_from_committee(unit: MemberUnit, committee) -> bool:
    deleted, _rows = CommitteeMembership.objects.filter(committee=committee, member_unit=unit).delete()
    if deleted:
        _timeline(unit, MembershipAction.COMMITTEE_LEFT, detail={"committees": [committee.name]})
        record_event("committee.member_removed", committee, detail={"unit": unit.pk})
    return bool(deleted)


def _actor_id():
    actor = current_actor()
    return actor.user_id if actor else None


def _actor_label():
    actor = current_actor()
    return actor.label if actor else ""


def pending_work(alliance) -> dict:
    """Counts for the secretariat's to-do panel."""
    return {
        "applications": MemberUnit.objects.filter(
            alliance=alliance, status__in=(S.APPLIED, S.UNDER_REVIEW, S.INFO_REQUESTED)
        ).count(),
        "withdrawals": WithdrawalRequest.objects.filter(alliance=alliance, status=RequestStatus.PENDING).count(),
        "changes": ProfileChangeRequest.objects.filter(alliance=alliance, status=RequestStatus.PENDING).count(),
    }



# --- Contacts -------------------------------------------------------------------------------------------

CONTACT_FIELDS = ("name", "title", "mobile", "email", "is_primary")


def _keep_one_primary(unit: MemberUnit, contact: Contact | None) -> None:
    """`contact` (when primary) becomes the unit's only primary contact; a unit with contacts keeps one primary."""
    others = Contact.objects.filter(member_unit=unit)
    if contact is not None and contact.is_primary:
        others.exclude(pk=contact.pk).filter(is_primary=True).update(is_primary=False)
    elif not others.filter(is_primary=True).exists():
        first = others.order_by("pk").first()
        if first is not None:
            others.filter(pk=first.pk).update(is_primary=True)


def _note_contact_change(unit: MemberUnit, audit_action: str, contact: Contact, changes: dict) -> None:
    count = Contact.objects.filter(member_unit=unit).count()
    _timeline(unit, MembershipAction.PROFILE_UPDATED, detail={"changes": {"contacts": [None, count]}})
    record_event(audit_action, unit, detail={"contact": contact.pk, "name": contact.name, "changes": changes})


@transaction.atomic
def add_contact(unit: MemberUnit, data: dict) -> Contact:
    contact = Contact(alliance_id=unit.alliance_id, member_unit=unit,
                      **{k: v for k, v in data.items() if k in CONTACT_FIELDS})  # fmt: skip
    contact.full_clean(exclude=["alliance", "member_unit"])
    contact.save()
    _keep_one_primary(unit, contact)
    _note_contact_change(unit, "member.contact_added", contact, {k: getattr(contact, k) for k in CONTACT_FIELDS})
    return contact


@transaction.atomic
def update_contact(contact: Contact, data: dict) -> dict:
    changes = {}
    for field, value in data.items():
        if field in CONTACT_FIELDS and getattr(contact, field) != value:
            changes[field] = [getattr(contact, field), value]
            setattr(contact, field, value)
    if changes:
        contact.full_clean(exclude=["alliance", "member_unit"])
        contact.save()
        _keep_one_primary(contact.member_unit, contact)
        _note_contact_change(contact.member_unit, "member.contact_changed", contact, changes)
    return changes


@transaction.atomic
def remove_contact(contact: Contact) -> None:
    unit, pk = contact.member_unit, contact.pk
    contact.delete()
    contact.pk = pk  # named in the audit entry
    _keep_one_primary(unit, None)
    _note_contact_change(unit, "member.contact_removed", contact, {"name": [contact.name, None]})


# --- Committees -----------------------------------------------------------------------------------------


def _check_committee(alliance_id: int, name: str, chair_unit, exclude_pk=None) -> None:
    from .models import Committee

    errors = {}
    if Committee.objects.filter(alliance_id=alliance_id, name=name).exclude(pk=exclude_pk).exists():
        errors["name"] = _("A committee with this name already exists.")
    if chair_unit is not None and (chair_unit.alliance_id != alliance_id or not chair_unit.is_current_member):
        errors["chair_unit"] = _("The chair unit must be a current member of this alliance.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_committee(*, alliance: Alliance, name: str, chair_unit=None, description: str = ""):
    from .models import Committee

    name = (name or "").strip()
    _check_committee(alliance.pk, name, chair_unit)
    committee = Committee.objects.create(alliance=alliance, name=name, chair_unit=chair_unit, description=description)
    record_event("committee.created", committee, detail={"name": name})
    return committee


@transaction.atomic
def update_committee(committee, data: dict) -> dict:
    data = {k: v for k, v in data.items() if k in ("name", "chair_unit", "description")}
    _check_committee(committee.alliance_id, data.get("name", committee.name), data.get("chair_unit", committee.chair_unit),
                     exclude_pk=committee.pk)  # fmt: skip
    changes = {k: [str(getattr(committee, k) or ""), str(v or "")] for k, v in data.items() if getattr(committee, k) != v}
    for field, value in data.items():
        setattr(committee, field, value)
    committee.save()
    if changes:
        record_event("committee.updated", committee, detail={"changes": changes})
    return changes


@transaction.atomic
def delete_committee(committee) -> None:
    # Members leave through remove_from_committee, so each unit's timeline says so.
    for unit in MemberUnit.objects.filter(committees=committee):
        remove_from_committee(unit, committee)
    record_event("committee.deleted", committee, detail={"name": committee.name})
    committee.delete()


# --- Imports --------------------------------------------------------------------------------------------


@transaction.atomic
def import_member_units(*, alliance: Alliance, rows: list[dict], note: str = "") -> dict:
    """Register many already-validated units at once, set-based: a fixed number of statements per batch
    instead of a dozen per unit. Each row: {"profile", "contacts", "admitted_on", "council_role", "specialties"}.

    Rows with `admitted_on` become admitted members with member numbers (in row order, per year); the others
    applications received. Every unit gets its timeline line and audit entry. Returns counts by status.
    """
    from alliances.audit import _build_entry  # one audit row per unit, written in bulk
    from alliances.models import AuditEntry, AuditOutcome

    from .models import MemberSpecialty

    profiles = [_clean_profile(row["profile"]) for row in rows]
    codes = [p.get("credit_code") for p in profiles]
    names = [p.get("name") for p in profiles]
    clashes = MemberUnit.objects.filter(alliance=alliance).filter(
        Q(credit_code__in=codes) | Q(name__in=names)
    ).values_list("name", flat=True)[:5]
    if clashes:
        raise ValidationError(_("Already registered in this alliance: %(names)s.") % {"names": "、".join(clashes)})
    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()  # member numbers: one writer at a time
    prefix = member_number_prefix(alliance)
    taken: dict[int, int] = {}
    for number in MemberUnit.objects.filter(alliance=alliance, member_number__startswith=f"{prefix}-").values_list(
        "member_number", flat=True
    ):
        parts = number.split("-")
        if len(parts) >= 3 and parts[-2].isdigit() and parts[-1].isdigit():
            taken[int(parts[-2])] = max(taken.get(int(parts[-2]), 0), int(parts[-1]))
    today = timezone.localdate()
    units = []
    for row, profile in zip(rows, profiles, strict=True):
        admitted_on = row.get("admitted_on")
        number = ""
        if admitted_on:
            taken[admitted_on.year] = taken.get(admitted_on.year, 0) + 1
            number = f"{prefix}-{admitted_on.year}-{taken[admitted_on.year]:04d}"
        if "industry_division" in profile and isinstance(profile["industry_division"], str):
            profile["industry_division_id"] = profile.pop("industry_division") or None
        units.append(MemberUnit(
            alliance=alliance, status=S.ADMITTED if admitted_on else S.APPLIED, admitted_on=admitted_on,
            applied_on=admitted_on or today, council_role=row.get("council_role") or "member", member_number=number,
            **profile,
        ))  # fmt: skip
    MemberUnit.objects.bulk_create(units, batch_size=1000)
    actor_id, actor_label = _actor_id(), _actor_label()
    contacts, events, specialties, entries = [], [], [], []
    for row, unit in zip(rows, units, strict=True):
        for index, contact in enumerate(c for c in (row.get("contacts") or []) if (c.get("name") or "").strip()):
            contacts.append(Contact(
                alliance=alliance, member_unit=unit, name=contact["name"].strip(), title=contact.get("title", ""),
                mobile=contact.get("mobile", ""), email=contact.get("email", ""), is_primary=index == 0,
            ))  # fmt: skip
        events.append(MembershipEvent(
            alliance=alliance, member_unit=unit, action=MembershipAction.IMPORTED, to_status=unit.status,
            reason=note, effective_on=unit.admitted_on, actor_id=actor_id, actor_label=actor_label,
        ))  # fmt: skip
        specialties += [MemberSpecialty(alliance=alliance, member_unit=unit, specialty_id=code)
                        for code in dict.fromkeys(row.get("specialties") or [])]  # fmt: skip
        entry = _build_entry("member.imported", unit, outcome=AuditOutcome.SUCCESS,
                             detail={"status": unit.status, "credit_code": unit.credit_code}, user=None, address=None)  # fmt: skip
        entry.alliance_id = alliance.pk
        entries.append(entry)
    Contact.objects.bulk_create(contacts, batch_size=2000)
    MembershipEvent.objects.bulk_create(events, batch_size=2000)
    MemberSpecialty.objects.bulk_create(specialties, batch_size=2000)
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    counts: dict[str, int] = {}
    for unit in units:
        counts[unit.status] = counts.get(unit.status, 0) + 1
    return counts

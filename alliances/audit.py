"""Writing the audit log. Services call `record_event`; the actor and address come from the request context."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from .models import AuditEntry, AuditOutcome, Grant
from .tenancy import current_scope, unscoped


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    address: str | None


_current_actor: ContextVar[Actor | None] = ContextVar("chanjiao_audit_actor", default=None)


def _actor_of(user, address: str | None) -> Actor:
    known = user is not None and user.is_authenticated
    return Actor(user_id=user.pk if known else None, label=str(user) if known else "", address=address)


@contextlib.contextmanager
def acting_as(user, address: str | None = None) -> Iterator[Actor]:
    """Set who is acting for the records written in this block (requests, tasks, commands)."""
    token = _current_actor.set(_actor_of(user, address))
    try:
        yield _current_actor.get()
    finally:
        _current_actor.reset(token)


def identify_actor(user, address: str | None) -> None:
    """Name the actor once authentication happens inside a request (API tokens); the request resets it."""
    _current_actor.set(_actor_of(user, address))


def current_actor() -> Actor | None:
    return _current_actor.get()


def record_event(
    action: str,
    obj: models.Model | None = None,
    *,
    alliance=None,
    outcome: str = AuditOutcome.SUCCESS,
    detail: dict | None = None,
    user=None,
    address: str | None = None,
) -> AuditEntry:
    """Append one entry. `alliance` defaults to the object's alliance, then to a single-alliance scope."""
    entry = _build_entry(action, obj, outcome=outcome, detail=detail, user=user, address=address)
    entry.alliance_id = _alliance_id_for(obj, alliance)
    entry.save()
    return entry


def record_account_event(
    action: str, *, username: str, user=None, outcome=AuditOutcome.SUCCESS, address=None
) -> None:
    """An authentication event: one platform entry, and a copy for each alliance where the account holds a
    role, so that an alliance's auditors see the logins, failures and lockouts of their own accounts."""
    detail = {"username": str(username)[:150]}
    with unscoped("copy an account's authentication event to the alliances where it holds roles"):
        alliance_ids = sorted(
            set(Grant.objects.filter(user__username=username).values_list("alliance_id", flat=True))
        )
        entries = []
        for alliance_id in [None, *alliance_ids]:
            entry = _build_entry(action, user, outcome=outcome, detail=detail, user=user, address=address)
            entry.alliance_id = alliance_id
            entries.append(entry)
        AuditEntry.objects.bulk_create(entries)


def _build_entry(action, obj, *, outcome, detail, user, address) -> AuditEntry:
    actor = current_actor()
    if user is None and actor is not None:
        user_id, label = actor.user_id, actor.label
    elif user is not None and getattr(user, "pk", None):
        user_id, label = user.pk, str(user)
    else:
        user_id, label = None, ""
    if address is None and actor is not None:
        address = actor.address
    return AuditEntry(
        actor_id=user_id,
        actor_label=label[:150],
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        outcome=outcome,
        address=address or None,
        detail=detail or {},
    )


def _alliance_id_for(obj, alliance) -> int | None:
    if alliance is not None:
        return alliance if isinstance(alliance, int) else alliance.pk
    if obj is not None:
        if obj._meta.label == "alliances.Alliance":
            return obj.pk
        if getattr(obj, "alliance_id", None):
            return obj.alliance_id
    scope = current_scope()
    if scope is not None and not scope.unrestricted and len(scope.alliance_ids) == 1:
        return next(iter(scope.alliance_ids))
    return None


def purge_expired_entries(now=None) -> int:
    """Delete entries older than the retention period (never less than 180 days). Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=max(180, settings.AUDIT_RETENTION_DAYS))
    with unscoped("audit retention purge"):
        expired = AuditEntry.objects.filter(at__lt=cutoff)
        # The queryset refuses delete(); retention is the one sanctioned way out, done in one statement.
        return models.QuerySet.delete(expired)[0]  # unrestricted scope: nothing to add

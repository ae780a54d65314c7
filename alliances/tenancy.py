"""Tenant scoping: the active scope is a set of alliance ids held in a context variable.

Every tenant-owned model inherits `TenantModel`; its default manager refuses to query when no
scope is active, and filters to the scope's alliances when one is. Code that must see every
alliance says so with `unscoped(reason)`, which is allowed only in a few named places
(migrations, platform admin, cross-alliance bureau aggregates, background bootstrap).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.sql import Query
from django.utils.translation import gettext_lazy as _


class ScopeError(RuntimeError):
    """A tenant-owned model was queried or saved outside of any scope (or outside its scope)."""


@dataclass(frozen=True)
class Scope:
    alliance_ids: frozenset[int]
    unrestricted: bool = False
    reason: str = ""

    def allows(self, alliance_id: int | None) -> bool:
        return self.unrestricted or alliance_id in self.alliance_ids


_active_scope: ContextVar[Scope | None] = ContextVar("chanjiao_alliance_scope", default=None)


def current_scope() -> Scope | None:
    return _active_scope.get()


def set_scope(scope: Scope | None):
    """Low-level: replace the scope and return the token to reset it. Prefer the context managers."""
    return _active_scope.set(scope)


def reset_scope(token) -> None:
    _active_scope.reset(token)


@contextlib.contextmanager
def scope(alliance_ids: Iterable[int] | int) -> Iterator[Scope]:
    """Enter a scope limited to the given alliance id(s)."""
    ids = frozenset([alliance_ids] if isinstance(alliance_ids, int) else alliance_ids)
    new = Scope(alliance_ids=ids)
    token = _active_scope.set(new)
    try:
        yield new
    finally:
        _active_scope.reset(token)


@contextlib.contextmanager
def no_scope() -> Iterator[None]:
    """Shield a block from any scope the caller holds (a request must not inherit a test's or a task's)."""
    token = _active_scope.set(None)
    try:
        yield
    finally:
        _active_scope.reset(token)


@contextlib.contextmanager
def unscoped(reason: str) -> Iterator[Scope]:
    """See every alliance. Only for the named places in the module docstring; the reason is required."""
    if not reason:
        raise ValueError("unscoped() needs a reason")
    new = Scope(alliance_ids=frozenset(), unrestricted=True, reason=reason)
    token = _active_scope.set(new)
    try:
        yield new
    finally:
        _active_scope.reset(token)


def require_scope() -> Scope:
    active = _active_scope.get()
    if active is None:
        raise ScopeError(
            "A tenant-owned model was queried with no alliance scope active. "
            "Enter one with alliances.tenancy.scope(...) or, in the few allowed places, unscoped(reason)."
        )
    return active


class TenantQuery(Query):
    """A query that applies the active scope when it is compiled to SQL, not when it is built.

    Building stays free (a form field or serializer may hold `MemberUnit.objects.all()` from import
    time); every execution, including use as a subquery, is filtered to the scope of that moment,
    and refused when there is none.
    """

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        active = require_scope()
        if active.unrestricted or self._base_table_trimmed():
            return super().get_compiler(using, connection, elide_empty)
        scoped = self.clone()
        scoped.__class__ = Query  # compile once, without scoping again
        scoped.add_q(Q(alliance_id__in=active.alliance_ids))
        return scoped.get_compiler(using, connection, elide_empty)


    def _base_table_trimmed(self) -> bool:
        """True for the inner query Django builds for `exclude()` across a many-to-many relation: it starts
        from the join table, the model's own table is gone, and a filter on it would make broken SQL. Such
        a query only removes rows from the outer query, which is scoped, so it can reveal nothing."""
        if not self.alias_map:
            return False
        return self.subquery and self.alias_refcount.get(self.base_table, 0) == 0


class TenantQuerySet(models.QuerySet):
    """Writes that Django turns into UPDATE or DELETE queries get the scope filter before they are sent."""

    def _filtered_to_scope(self):
        active = require_scope()
        return self if active.unrestricted else self.filter(alliance_id__in=active.alliance_ids)

    def update(self, **kwargs):
        return super(TenantQuerySet, self._filtered_to_scope()).update(**kwargs)

    def _update(self, values):
        return super(TenantQuerySet, self._filtered_to_scope())._update(values)

    def delete(self):
        return super(TenantQuerySet, self._filtered_to_scope()).delete()

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            guard_write(obj.alliance_id)
        return super().bulk_create(objs, *args, **kwargs)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of tenant-owned models: everything it returns is limited to the active scope."""

    # Historical models in migrations get a plain manager.
    use_in_migrations = False

    def get_queryset(self):
        return self._queryset_class(
            model=self.model, query=TenantQuery(self.model), using=self._db, hints=self._hints
        )


class TenantModel(models.Model):
    """Abstract base of every tenant-owned model: a non-null alliance, scoped default manager."""

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("alliance"),
        editable=False,
    )

    objects = TenantManager()

    class Meta:
        abstract = True
        # Relation traversal and deletion use Django's automatic plain base manager: they follow
        # rows already reached through a scoped query, and the save() guard keeps writes in scope.

    def save(self, *args, **kwargs):
        guard_write(self.alliance_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        guard_write(self.alliance_id)
        return super().delete(*args, **kwargs)


class TenantDocument(TenantModel):
    """Abstract base of a file uploaded onto a tenant's record (a claim's documents, an event's attachments, a
    cooperation's documents): its title, the type found by reading its content (alliances/uploads.py), size and
    uploader. Each subclass adds its owner and `file`, with its own upload folder."""

    title = models.CharField(_("title"), max_length=200)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.title


def guard_write(alliance_id: int | None) -> None:
    active = require_scope()
    if not active.allows(alliance_id):
        raise ScopeError(f"Refusing to write a row of alliance {alliance_id} outside the active scope.")


def is_tenant_owned(model: type[models.Model]) -> bool:
    return isinstance(model._default_manager, TenantManager)

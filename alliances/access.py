"""Who may enter which alliance, and with which roles. `access_*` helpers answer 404 for anything out of reach."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from .models import Alliance, AllianceStatus, Grant
from .permissions import Action, Role, role_allows, unit_kind_allows
from .tenancy import scope, unscoped


@dataclass
class Membership:
    """A user's standing in one alliance: the alliance and the roles granted there."""

    alliance: Alliance
    roles: frozenset[str] = field(default_factory=frozenset)
    member_unit_id: int | None = None
    member_unit_kind: str | None = None

    def can(self, action: str) -> bool:
        for role in self.roles:
            if role_allows(role, action):
                if role == Role.MEMBER_REPRESENTATIVE and not unit_kind_allows(self.member_unit_kind, action):
                    continue
                return True
        return False

    @property
    def role_labels(self) -> list[str]:
        return [Role(role).label for role in sorted(self.roles)]


def alliances_of(user) -> list[Alliance]:
    """The active alliances where the user holds at least one grant (for the switcher and the API)."""
    if not user.is_authenticated:
        return []
    with unscoped("list the user's own alliances from their grants"):
        ids = set(Grant.objects.filter(user=user).values_list("alliance_id", flat=True))
    return list(Alliance.objects.filter(pk__in=ids, status=AllianceStatus.ACTIVE).order_by("name"))


def bureau_alliances_of(user) -> list[Alliance]:
    """The active alliances where the user holds the bureau official role (the bureau portal's scope)."""
    if not user.is_authenticated:
        return []
    with unscoped("list the user's own bureau grants"):
        ids = set(
            Grant.objects.filter(user=user, role=Role.BUREAU_OFFICIAL).values_list("alliance_id", flat=True)
        )
    if not ids:
        return []
    return list(Alliance.objects.filter(pk__in=ids, status=AllianceStatus.ACTIVE).order_by("name"))


def has_bureau_grant(user) -> bool:
    """Whether the user oversees at least one active alliance as a bureau official (one query)."""
    if not user.is_authenticated:
        return False
    with unscoped("check the user's own bureau grants"):
        return Grant.objects.filter(
            user=user, role=Role.BUREAU_OFFICIAL, alliance__status=AllianceStatus.ACTIVE
        ).exists()


def is_bureau_only(user) -> bool:
    """Whether every grant the user holds is a bureau official's (the bureau portal is then their home page)."""
    if not user.is_authenticated:
        return False
    with unscoped("read the user's own grants"):
        roles = set(Grant.objects.filter(user=user).values_list("role", flat=True))
    return roles == {Role.BUREAU_OFFICIAL}


def access_bureau_alliances(user) -> list[Alliance]:
    """The alliances a bureau official oversees; 404 for anyone without a bureau grant (like any page out of reach)."""
    alliances = bureau_alliances_of(user)
    if not alliances:
        raise Http404
    return alliances


def access_alliance_by_slug(user, slug: str) -> Membership:
    """The alliance and the user's roles there; 404 when it does not exist or the user holds no grant."""
    alliance = Alliance.objects.filter(slug=slug, status=AllianceStatus.ACTIVE).first()
    if alliance is None or not user.is_authenticated:
        raise Http404
    with scope(alliance.pk):
        grants = list(Grant.objects.filter(user=user).select_related("member_unit"))
    if not grants:
        raise Http404
    unit = next((g.member_unit for g in grants if g.member_unit_id), None)
    return Membership(
        alliance=alliance,
        roles=frozenset(g.role for g in grants),
        member_unit_id=unit.pk if unit else None,
        member_unit_kind=unit.kind if unit else None,
    )


def access_public_alliance_by_slug(slug: str) -> Alliance:
    """An alliance for pages anyone may open (public application forms)."""
    alliance = Alliance.objects.filter(slug=slug, status=AllianceStatus.ACTIVE).first()
    if alliance is None:
        raise Http404
    return alliance


def require(membership: Membership | None, action: str | Action) -> None:
    from django.core.exceptions import PermissionDenied

    if membership is None or not membership.can(action):
        raise PermissionDenied

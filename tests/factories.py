"""Factories for tests: alliances, member units, users with roles."""

from __future__ import annotations

import itertools

from alliances.models import Alliance, AllianceKind, User
from alliances.permissions import Role
from alliances.services import grant_role
from members.identifiers import make_credit_code
from members.models import MemberKind, MemberStatus, MemberUnit

PASSWORD = "Test#pass2026"
_counter = itertools.count(1)


def make_alliance(name: str | None = None, slug: str | None = None, **extra) -> Alliance:
    number = next(_counter)
    return Alliance.objects.create(
        name=name or f"测试职业教育集团{number}",
        short_name=(name or f"测试集团{number}")[:20],
        slug=slug or f"test-{number}",
        kind=extra.pop("kind", AllianceKind.VOCATIONAL_GROUP),
        region_code=extra.pop("region_code", "370300"),
        **extra,
    )


def make_unit(
    alliance: Alliance, kind: str = MemberKind.ENTERPRISE, name: str | None = None, **extra
) -> MemberUnit:
    number = next(_counter)
    prefix = {MemberKind.ENTERPRISE: "91", MemberKind.ASSOCIATION: "51"}.get(kind, "12")
    return MemberUnit.objects.create(
        alliance=alliance,
        kind=kind,
        name=name or f"测试单位{number}",
        credit_code=make_credit_code(prefix, "370303", f"{number:09d}"),
        status=extra.pop("status", MemberStatus.ADMITTED),
        **extra,
    )


def make_user(username: str | None = None, **extra) -> User:
    number = next(_counter)
    user = User(username=username or f"user{number}", name=extra.pop("name", f"测试用户{number}"), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_member(
    alliance: Alliance, role: str, username: str | None = None, unit: MemberUnit | None = None
) -> User:
    """A user holding one role in one alliance (representatives get a unit of the right kind)."""
    user = make_user(username)
    if role == Role.MEMBER_REPRESENTATIVE and unit is None:
        unit = make_unit(alliance)
    grant_role(alliance=alliance, user=user, role=role, member_unit=unit)
    return user


def login_with_second_factor(client, user):
    """Log a platform administrator in as if they had passed the TOTP step (a confirmed device in the session)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device

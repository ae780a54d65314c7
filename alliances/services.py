"""Actions that change alliances, grants and accounts. Each checks its rules and writes the audit log."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .audit import record_event
from .models import Alliance, Grant, User
from .permissions import PlatformRole, Role


@transaction.atomic
def grant_role(
    *, alliance: Alliance, user: User, role: str, member_unit=None, granted_by: User | None = None
) -> Grant:
    """Give `user` a role in `alliance`. Member representatives must name the unit they act for."""
    role = Role(role)
    if role == Role.MEMBER_REPRESENTATIVE:
        if member_unit is None:
            raise ValidationError(
                {"member_unit": _("A member representative must be tied to a member unit.")}
            )
        if member_unit.alliance_id != alliance.pk:
            raise ValidationError({"member_unit": _("The member unit belongs to another alliance.")})
    elif member_unit is not None:
        raise ValidationError({"member_unit": _("Only member representatives are tied to a member unit.")})
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    if user.platform_role:
        raise ValidationError({"user": _("Platform administrators cannot hold roles in an alliance.")})
    try:
        with transaction.atomic():
            grant = Grant.objects.create(
                alliance=alliance, user=user, role=role, member_unit=member_unit, granted_by=granted_by
            )
    except IntegrityError as exc:
        raise ValidationError(_("%(user)s already holds this role here.") % {"user": user}) from exc
    record_event("grant.created", grant, detail={"user": user.username, "role": role.value})
    return grant


@transaction.atomic
def revoke_grant(*, grant: Grant, revoked_by: User | None = None) -> None:
    if grant.role == Role.SECRETARIAT_ADMIN:
        remaining = Grant.objects.filter(alliance_id=grant.alliance_id, role=Role.SECRETARIAT_ADMIN).exclude(
            pk=grant.pk
        )
        if not remaining.exists():
            raise ValidationError(_("An alliance must keep at least one secretariat administrator."))
    record_event("grant.revoked", grant, detail={"user": grant.user.username, "role": grant.role})
    grant.delete()


def create_account(*, username: str, name: str, mobile: str = "", email: str = "") -> tuple[User, str]:
    """A new person's account with a one-time password, which they must change at their first login.

    Returns the account and the one-time password (shown once to whoever created the account).
    """
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("An account with this name exists already.")})
    user = User(username=username, name=name, mobile=mobile, email=email)
    password = _one_time_password(user)
    user.set_password(password)
    user.must_change_password = True
    user.full_clean(exclude=["password"])
    user.save()
    record_event("account.created", user, detail={"username": username})
    return user, password


def _one_time_password(user: User) -> str:
    import secrets

    while True:  # a few tries at most: almost every draw has 4 classes
        candidate = f"Cj-{secrets.token_urlsafe(9)}"
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate


@transaction.atomic
def create_platform_user(*, username: str, role: str, name: str, email: str, password: str) -> User:
    """An account with one platform duty; the password must pass the password rules."""
    role = PlatformRole(role)
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("An account with this name exists already."))
    user = User(
        username=username, name=name, email=email, platform_role=role, is_staff=role == PlatformRole.OPERATOR
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    record_event("account.created", user, detail={"username": username, "platform_role": role.value})
    return user


@transaction.atomic
def set_account_active(*, user: User, active: bool, changed_by: User) -> None:
    if user.pk == changed_by.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    User.objects.filter(pk=user.pk).update(is_active=active)
    record_event(
        "account.activated" if active else "account.deactivated", user, detail={"username": user.username}
    )


def clear_lockout(*, username: str = "", ip_address: str = "") -> int:
    """Clear a failed-login lockout, of one account or of one address, with the attempts recorded for it."""
    from axes.utils import reset

    if not username and not ip_address:
        raise ValidationError(_("Name an account or an address to unlock."))
    cleared = reset(username=username or None, ip=ip_address or None)
    record_event(
        "account.unlocked", detail={"username": username, "address": ip_address, "attempts_cleared": cleared}
    )
    return cleared


# --- Second factor (TOTP) for platform duties ------------------------------


def confirmed_totp_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def start_totp_enrolment(user: User):
    """A fresh, unconfirmed authenticator key for `user` (any earlier unconfirmed one is discarded)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def pass_second_factor(request, token: str) -> bool:
    """Check a 6-digit code against the user's device (confirming it on first use) and mark the session."""
    import django_otp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    device = confirmed_totp_device(user) or TOTPDevice.objects.filter(user=user, confirmed=False).last()
    token = (token or "").strip().replace(" ", "")
    if device is None or not token.isdigit() or not device.verify_token(token):
        record_event(
            "auth.two_factor_failed", user, user=user, outcome="failure", detail={"username": user.username}
        )
        return False
    enrolling = not device.confirmed
    if enrolling:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    django_otp.login(request, device)
    record_event("auth.two_factor_enrolled" if enrolling else "auth.two_factor_passed", user, user=user,
                 detail={"username": user.username})  # fmt: skip
    return True


@transaction.atomic
def reset_second_factor(*, user: User, reset_by: User) -> None:
    """Forget the account's authenticator: it enrols again at its next login (lost phone)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    record_event("account.two_factor_reset", user, detail={"username": user.username})

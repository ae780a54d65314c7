"""Audit records for authentication events (logins, failed logins, lockouts, logouts)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import record_event
from .models import AuditOutcome
from .net import client_address


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record_event("auth.login", user, user=user, address=client_address(request))


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event("auth.logout", user, user=user, address=client_address(request))


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    record_event(
        "auth.login_failed",
        outcome=AuditOutcome.FAILURE,
        detail={"username": str(username)[:150]},
        address=client_address(request) if request is not None else None,
    )


@receiver(user_locked_out)
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
    record_event(
        "auth.locked_out",
        outcome=AuditOutcome.DENIED,
        detail={"username": str(username or "")[:150]},
        address=ip_address or (client_address(request) if request is not None else None),
    )

"""Audit records for authentication events (logins, failed logins, lockouts, logouts)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import record_account_event
from .models import AuditOutcome
from .net import client_address


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record_account_event("auth.login", username=user.username, user=user, address=client_address(request))


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record_account_event(
            "auth.logout", username=user.username, user=user, address=client_address(request)
        )


@receiver(user_login_failed)
def audit_failed_login(sender, credentials, request=None, **kwargs):
    record_account_event(
        "auth.login_failed",
        username=(credentials or {}).get("username", ""),
        outcome=AuditOutcome.FAILURE,
        address=client_address(request),
    )


@receiver(user_locked_out)
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
    record_account_event(
        "auth.locked_out",
        username=username or "",
        outcome=AuditOutcome.DENIED,
        address=ip_address or client_address(request),
    )

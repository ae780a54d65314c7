"""Refuse to serve with settings that are only good enough for running management commands."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = "SECRET_KEY must be set when DEBUG is off."


def require_serving_settings() -> None:
    if getattr(settings, "SECRET_KEY_MISSING", False):
        raise ImproperlyConfigured(MISSING_SECRET_KEY)


@register("security", deploy=True)
def check_secret_key(app_configs, **kwargs):
    if getattr(settings, "SECRET_KEY_MISSING", False):
        return [
            Error(MISSING_SECRET_KEY, hint="Set the SECRET_KEY environment variable.", id="chanjiao.E001")
        ]
    return []


@register("security", deploy=True)
def check_field_encryption_key(app_configs, **kwargs):
    """Personal data (resident ID numbers, bank accounts) is encrypted with this key: deployment needs one."""
    if len(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "") < 32:
        return [
            Error(
                "FIELD_ENCRYPTION_KEY must be set (32 characters or more) when personal data is stored.",
                hint="Generate one as shown in docs/operations.md and keep it safe: without it the data cannot be read.",
                id="chanjiao.E002",
            )
        ]
    return []

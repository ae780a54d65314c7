"""Personal data at rest: encryption, keyed hashes for matching, and masks for the screen.

Both keys are derived from `FIELD_ENCRYPTION_KEY` (HKDF with separate labels), so one secret in the
environment gives an encryption key (Fernet: AES-128-CBC + HMAC-SHA256) and a matching key (HMAC-SHA256).
The keyed hash lets the database find "the same resident ID number" across rows without the plaintext and
without a hash that anyone could recompute from the public ID format.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MISSING_KEY = (
    "FIELD_ENCRYPTION_KEY is not set: personal data cannot be encrypted or matched. "
    "Generate one (see docs/operations.md) and keep it with the database backups' keys."
)


def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"chanjiao-personal-data", info=label).derive(
        secret.encode()
    )


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    if len(secret) < 32:
        raise ImproperlyConfigured(MISSING_KEY)
    fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"encryption")))
    return fernet, _derive(secret, b"matching")


def _current_keys() -> tuple[Fernet, bytes]:
    return _keys(settings.FIELD_ENCRYPTION_KEY or "")


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _current_keys()[0].encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _current_keys()[0].decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a different key, or a damaged value: never show garbage
        raise ValueError("personal data could not be decrypted with the configured key") from exc


def keyed_hash(value: str) -> str:
    """64 hex characters; equal values give equal hashes under the same key, and nothing else does."""
    return hmac.new(_current_keys()[1], value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_resident_id(value: str) -> str:
    """`370302200501011234` → `3703**********1234`: the division's first four digits and the last four."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_bank_account(value: str) -> str:
    """Only the last four digits: `**** **** 1234`."""
    digits = "".join((value or "").split())
    if not digits:
        return ""
    return "**** **** " + digits[-4:]


def mask_mobile(value: str) -> str:
    value = (value or "").strip()
    if len(value) != 11:
        return mask_resident_id(value)
    return value[:3] + "****" + value[-4:]

"""The link an applicant receives when the secretariat asks for more information: signed, no account needed."""

from __future__ import annotations

from django.core import signing

from .models import MemberUnit

_SALT = "members.application-information"
TOKEN_MAX_AGE = 60 * 60 * 24 * 60  # 60 days


def information_token(unit: MemberUnit) -> str:
    return signing.dumps({"unit": unit.pk, "alliance": unit.alliance_id}, salt=_SALT, compress=True)


def unit_for_information_token(token: str, alliance) -> MemberUnit | None:
    """The unit the token was made for, if it is genuine, fresh and of this alliance; else None."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("alliance") != alliance.pk:
        return None
    return MemberUnit.objects.filter(pk=data.get("unit")).first()

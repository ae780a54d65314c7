"""E-mail to members: the withdrawal notice to all members, the request for more information to an applicant.

Called after the transaction commits; the sending itself runs as a Celery task (inline without a broker).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from alliances.audit import record_event
from alliances.models import Alliance
from alliances.tenancy import scope

from .models import CURRENT_MEMBER_STATUSES, Contact, MemberUnit, WithdrawalRequest

BATCH = 100


def notify_members_of_withdrawal(request_id: int, alliance_id: int) -> None:
    from .tasks import send_withdrawal_notice

    send_withdrawal_notice.delay(request_id, alliance_id)


def notify_information_requested(unit_id: int, alliance_id: int, reason: str) -> None:
    from .tasks import send_information_request

    send_information_request.delay(unit_id, alliance_id, reason)


def member_addresses(alliance_id: int, *, exclude_unit_id: int | None = None) -> list[str]:
    """Each current member's contact addresses (primary first), without duplicates."""
    contacts = (
        Contact.objects.filter(alliance_id=alliance_id, member_unit__status__in=CURRENT_MEMBER_STATUSES)
        .exclude(email="")
        .exclude(member_unit_id=exclude_unit_id)
        .order_by("member_unit_id", "-is_primary", "pk")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(contacts))


def send_withdrawal_notice_now(request_id: int, alliance_id: int) -> int:
    """Send one message per member address (each sees only their own address). Returns how many were sent."""
    with scope(alliance_id), translation.override(settings.LANGUAGE_CODE):
        request = WithdrawalRequest.objects.select_related("member_unit", "resolution").filter(pk=request_id).first()
        if request is None:
            return 0
        alliance = Alliance.objects.get(pk=alliance_id)
        context = {"alliance": alliance, "request": request, "unit": request.member_unit}
        subject = render_to_string("members/email/withdrawal_notice_subject.txt", context).strip()
        body = render_to_string("members/email/withdrawal_notice.txt", context)
        addresses = member_addresses(alliance_id, exclude_unit_id=request.member_unit_id)
        sent = 0
        with get_connection() as connection:
            for start in range(0, len(addresses), BATCH):
                messages = [
                    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
                    for address in addresses[start : start + BATCH]
                ]
                sent += connection.send_messages(messages) or 0
        record_event("member.withdrawal_notified", request.member_unit, detail={"recipients": sent})
        return sent


def send_information_request_now(unit_id: int, alliance_id: int, reason: str) -> int:
    from django.urls import reverse

    from .applications import information_token

    with scope(alliance_id), translation.override(settings.LANGUAGE_CODE):
        unit = MemberUnit.objects.filter(pk=unit_id).first()
        if unit is None:
            return 0
        alliance = Alliance.objects.get(pk=alliance_id)
        addresses = list(unit.contacts.exclude(email="").values_list("email", flat=True))
        if not addresses:
            return 0
        path = reverse(
            "member-application-info", kwargs={"alliance_slug": alliance.slug, "token": information_token(unit)}
        )
        context = {"alliance": alliance, "unit": unit, "reason": reason, "link": settings.SITE_URL + path}
        subject = render_to_string("members/email/information_request_subject.txt", context).strip()
        body = render_to_string("members/email/information_request.txt", context)
        sent = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, addresses).send()
        record_event("member.information_request_sent", unit, detail={"recipients": len(addresses)})
        return sent

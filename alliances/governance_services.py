"""Rules of the alliance's governance: which charter is in force, meetings, and counting a resolution's votes."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .audit import record_event
from .governance import Charter, CharterStatus, GoverningBody, Meeting, Resolution


def current_charter(alliance) -> Charter:
    """The adopted charter, or (before any is adopted) an unsaved one holding the default parameters."""
    charter = Charter.objects.filter(alliance=alliance, status=CharterStatus.ADOPTED).first()
    if charter is None:
        charter = Charter(alliance=alliance, version=0, title=_("Default charter parameters"))
    return charter


def seats_of(alliance, body: str) -> int:
    """How many member units sit on a body now: the base of a meeting's quorum."""
    from members.models import COUNCIL_ROLES, CURRENT_MEMBER_STATUSES, STANDING_COUNCIL_ROLES, MemberUnit

    roles = STANDING_COUNCIL_ROLES if body == GoverningBody.STANDING_COUNCIL else COUNCIL_ROLES
    return MemberUnit.objects.filter(
        alliance=alliance, council_role__in=roles, status__in=CURRENT_MEMBER_STATUSES
    ).count()


@transaction.atomic
def record_meeting(
    *, alliance, body: str, title: str, held_on: date, present: int, seats: int | None = None,
    location: str = "", minutes: str = "", term=None,
) -> Meeting:  # fmt: skip
    """Record a meeting of the council or standing council. `seats` defaults to the body's current size."""
    body = GoverningBody(body)
    seats = seats_of(alliance, body) if seats is None else seats
    errors = {}
    if seats < 1:
        errors["seats"] = _("The body has no members: give the number of seats.")
    if present > seats:
        errors["present"] = _("More members present (%(present)d) than seats on the body (%(seats)d).") % {
            "present": present,
            "seats": seats,
        }
    if term is not None and term.alliance_id != alliance.pk:
        errors["term"] = _("The term belongs to another alliance.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        alliance=alliance, body=body, title=title, held_on=held_on, present=present, seats=seats,
        location=location, minutes=minutes, term=term,
    )  # fmt: skip
    record_event("meeting.recorded", meeting, detail={"body": body.value, "seats": seats, "present": present})
    return meeting


def quorum_met(charter: Charter, *, present: int, seats: int) -> bool:
    return seats > 0 and Fraction(present, seats) >= charter.quorum


def resolution_passes(charter: Charter, *, votes_for: int, present: int) -> bool:
    return present > 0 and Fraction(votes_for, present) >= charter.pass_threshold


@transaction.atomic
def record_resolution(
    *, meeting: Meeting, number: str, subject: str, title: str, votes_for: int, votes_against: int,
    votes_abstaining: int, text: str = "", recorded_by=None,
) -> Resolution:  # fmt: skip
    """Record a resolution with its votes; the charter in force decides whether it is quorate and passed.

    A lifecycle decision (admission, withdrawal, expulsion) must come from the body the charter names.
    """
    charter = current_charter(meeting.alliance)
    errors = {}
    if min(votes_for, votes_against, votes_abstaining) < 0:
        errors["votes_for"] = _("Votes cannot be negative.")
    elif votes_for + votes_against + votes_abstaining > meeting.present:
        errors["votes_for"] = _(
            "%(cast)d votes were cast but only %(present)d members were present."
        ) % {"cast": votes_for + votes_against + votes_abstaining, "present": meeting.present}
    deciding_body = charter.body_for(subject)
    if deciding_body and deciding_body != meeting.body:
        errors["meeting"] = _("Under the charter, %(subject)s is decided by the %(body)s.") % {
            "subject": Resolution(subject=subject).get_subject_display().lower(),
            "body": GoverningBody(deciding_body).label.lower(),
        }
    if errors:
        raise ValidationError(errors)
    is_quorate = quorum_met(charter, present=meeting.present, seats=meeting.seats)
    try:
        with transaction.atomic():
            resolution = Resolution.objects.create(
                alliance=meeting.alliance, meeting=meeting, number=number.strip(), subject=subject, title=title,
                text=text, votes_for=votes_for, votes_against=votes_against, votes_abstaining=votes_abstaining,
                quorum_met=is_quorate,
                passed=is_quorate and resolution_passes(charter, votes_for=votes_for, present=meeting.present),
                charter=charter if charter.pk else None, recorded_by=recorded_by,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError({"number": _("A resolution with this number already exists.")}) from exc
    record_event(
        "resolution.recorded", resolution,
        detail={"subject": subject, "for": votes_for, "against": votes_against, "abstaining": votes_abstaining,
                "present": meeting.present, "seats": meeting.seats, "quorum_met": resolution.quorum_met,
                "passed": resolution.passed},
    )  # fmt: skip
    return resolution

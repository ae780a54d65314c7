"""Template tags that let other apps' pages show this app's panels without changing their views: a member unit's
activity (member page, "My unit") and the cooperation records signed at an event (event page)."""

from __future__ import annotations

from django import template

from ..activity import member_activity
from ..models import CooperationRecord
from ..services.cooperation import visible_records

register = template.Library()


@register.inclusion_tag("events/partials/member_activity.html", takes_context=True)
def member_activity_panel(context, unit):
    """{% member_activity_panel unit %}: events attended, cooperation records, claims, last activity."""
    request = context.get("request")
    membership = context.get("membership") or getattr(request, "membership", None)
    actions = context.get("membership_actions") or set()
    own_unit = membership is not None and membership.member_unit_id == unit.pk
    return {
        "activity": member_activity(unit),
        "unit": unit,
        # Registrations (and their QR codes) open for event staff and the unit's own representative.
        "opens_registrations": own_unit or "events.manage" in actions,
        "current_alliance": context.get("current_alliance"),
        "membership_actions": context.get("membership_actions") or set(),
    }


@register.simple_tag(takes_context=True)
def cooperations_signed_at(context, event) -> list:
    """{% cooperations_signed_at event as records %}: the records signed at `event` that the user may read."""
    request = context.get("request")
    membership = context.get("membership") or getattr(request, "membership", None)
    if membership is None or event is None:
        return []
    records = CooperationRecord.objects.filter(event=event).select_related("school", "enterprise")
    return list(visible_records(membership, records).order_by("signed_on", "pk"))

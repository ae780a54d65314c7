"""Template context of the subsidies app for the layout's navigation."""

from functools import partial

from alliances.permissions import Action

from .models import ClaimLine, ClaimStatus, SchoolDecision


def subsidy_navigation(request):
    """`students_to_confirm` for a school's representative: a callable, so the navigation alone asks it, in one
    query, and only where it shows the link."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.member_unit_id:
        return {"students_to_confirm": 0}
    return {"students_to_confirm": partial(students_to_confirm, membership)}


def students_to_confirm(membership) -> int:
    """Lines naming the representative's school that wait for its decision on claims waiting for schools (what
    the confirmation inbox lists first); 0 for anyone who does not confirm students."""
    if not membership.can(Action.CONFIRM_STUDENTS):
        return 0
    return ClaimLine.objects.filter(
        school_id=membership.member_unit_id,
        school_decision=SchoolDecision.PENDING,
        claim__status=ClaimStatus.SCHOOL_CONFIRMATION,
    ).count()

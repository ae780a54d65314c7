from functools import partial


def navigation(request):
    """Template context for the layout: the active alliance, the user's roles there, the switcher."""
    from .access import alliances_of, has_bureau_grant
    from .permissions import Action

    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    from .middleware import needs_second_factor

    return {
        "second_factor_pending": user is not None and needs_second_factor(user),
        "current_alliance": getattr(request, "alliance", None),
        "membership": membership,
        "membership_actions": {action.value for action in Action if membership.can(action)}
        if membership
        else set(),
        "my_alliances": alliances_of(user) if user is not None and user.is_authenticated else [],
        # A callable: templates call it only where they ask (the navigation), one query then.
        "has_bureau_grant": partial(has_bureau_grant, user) if user is not None else False,
        # Likewise, for a school's representative: the students waiting for the school's confirmation.
        "students_to_confirm": partial(students_to_confirm, membership)
        if membership is not None and membership.member_unit_id
        else 0,
    }


def students_to_confirm(membership) -> int:
    """Lines naming the representative's school that wait for its decision on claims waiting for schools (what
    the confirmation inbox lists first), in one query; 0 for anyone who does not confirm students."""
    from subsidies.models import ClaimLine, ClaimStatus, SchoolDecision

    from .permissions import Action

    if not membership.can(Action.CONFIRM_STUDENTS):
        return 0
    return ClaimLine.objects.filter(
        school_id=membership.member_unit_id,
        school_decision=SchoolDecision.PENDING,
        claim__status=ClaimStatus.SCHOOL_CONFIRMATION,
    ).count()

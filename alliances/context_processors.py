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
    }


"""Request context: who is acting, and which alliance scope the request runs in."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login

from .access import access_alliance_by_slug, access_public_alliance_by_slug
from .audit import acting_as
from .net import client_address
from .tenancy import Scope, reset_scope, set_scope, unscoped

ALLIANCE_URL_KWARG = "alliance_slug"


class RequestContextMiddleware:
    """Set the audit actor and start every request with no scope, whatever the caller held."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_scope(None)
        try:
            with acting_as(getattr(request, "user", None), client_address(request)):
                if request.path.startswith("/admin/") and getattr(
                    request.user, "is_platform_operator", False
                ):
                    # Django admin is the platform operators' tool and sees every alliance.
                    with unscoped("platform admin"):
                        return self.get_response(request)
                return self.get_response(request)
        finally:
            reset_scope(token)


class TwoFactorMiddleware:
    """Accounts with a platform duty must pass a second factor (TOTP) before anything else.

    Until they have, every page sends them to the two-factor page (to enrol on the first login, to
    enter a code afterwards); the API answers 403.
    """

    OPEN_PATHS = (
        "/accounts/two-factor/",
        "/accounts/logout/",
        "/i18n/",
        "/static/",
        "/healthz",
        "/favicon.ico",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if needs_second_factor(user) and not request.path.startswith(self.OPEN_PATHS):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                error = {
                    "code": "two_factor_required",
                    "message": "Two-factor login required.",
                    "status": 403,
                }
                return JsonResponse({"error": error}, status=403)
            return redirect_to_login(request.get_full_path(), login_url="two-factor")
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """An account with a one-time password changes it before doing anything else."""

    OPEN_PATHS = ("/accounts/password/", "/accounts/logout/", "/accounts/two-factor/", "/i18n/", "/static/",
                  "/healthz", "/favicon.ico")  # fmt: skip

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(self.OPEN_PATHS)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                error = {"code": "password_change_required", "message": "Change the one-time password first.",
                         "status": 403}  # fmt: skip
                return JsonResponse({"error": error}, status=403)
            return redirect_to_login(request.get_full_path(), login_url="password_change")
        return self.get_response(request)


def needs_second_factor(user) -> bool:
    return bool(user.is_authenticated and user.platform_role and not user.is_verified())


class AllianceScopeMiddleware:
    """Resolve `/a/<alliance_slug>/…`, check the user's grant (404 without one), enter the scope.

    API views under `/api/v1/alliances/<alliance_slug>/` do the same in their base class, after
    DRF has authenticated the request (tokens are not known to middleware).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.alliance = None
        request.membership = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get(ALLIANCE_URL_KWARG)
        if slug is None or getattr(view_func, "cls", None) is not None and _is_api_view(view_func):
            return None
        if getattr(view_func, "public_alliance_view", False):
            alliance = access_public_alliance_by_slug(slug)
            request.alliance = alliance
        else:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = access_alliance_by_slug(request.user, slug)  # 404 without a grant
            request.alliance = membership.alliance
            request.membership = membership
            request.session["last_alliance"] = slug
        set_scope(Scope(alliance_ids=frozenset({request.alliance.pk})))
        return None


def _is_api_view(view_func) -> bool:
    from rest_framework.views import APIView

    return issubclass(view_func.cls, APIView)


def public_alliance_view(view):
    """Mark a view under /a/<slug>/ as open to anyone (the scope is still entered)."""
    view.public_alliance_view = True
    return view

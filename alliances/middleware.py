"""Request context: who is acting, and which alliance scope the request runs in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware

from .access import access_alliance_by_slug, access_public_alliance_by_slug
from .audit import acting_as
from .net import client_address
from .tenancy import Scope, reset_scope, set_scope, unscoped

ALLIANCE_URL_KWARG = "alliance_slug"


class IdleTimeoutSessionMiddleware(DjangoSessionMiddleware):
    """Sessions end SESSION_COOKIE_AGE (30 minutes) after the last request, so every request moves the expiry on.

    Django's SESSION_SAVE_EVERY_REQUEST would do that by writing the whole session back on every request. Two
    requests of one user overlap all the time here (htmx checks while typing, progress polls, a form post),
    and the one that loaded the session first would write its stale copy over the other's change: a flash
    message lost, or shown twice. So the data is written only when this request changed it; otherwise only
    the expiry moves (database sessions: one UPDATE of expire_date; other backends save as Django would).
    """

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.accessed
            and not session.modified
            and session.session_key
            and not session.is_empty()
            and response.status_code != 500
        ):
            if isinstance(session, DatabaseSessionStore):
                session.model.objects.filter(session_key=session.session_key).update(
                    expire_date=session.get_expiry_date()
                )
            else:
                session.save()
        return super().process_response(request, response)


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
        response = self.get_response(request)
        if request.membership is not None:
            remember_alliance(request, response, request.membership.alliance.slug)
        return response

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
        set_scope(Scope(alliance_ids=frozenset({request.alliance.pk})))
        return None


LAST_ALLIANCE_COOKIE = "last_alliance"


def _last_alliance_salt(user) -> str:
    return f"last-alliance-{user.pk}"  # signed per user: another account on the same browser ignores it


def last_alliance(request) -> str | None:
    """The slug of the alliance this user last worked in, for the home page (None when unknown)."""
    if not request.user.is_authenticated:
        return None
    return request.get_signed_cookie(LAST_ALLIANCE_COOKIE, default=None, salt=_last_alliance_salt(request.user))


def remember_alliance(request, response, slug: str) -> None:
    """Remember the alliance in a cookie rather than in the session: a session write on the first page of
    every alliance would cost queries and race with overlapping requests (see IdleTimeoutSessionMiddleware)."""
    if last_alliance(request) != slug:
        response.set_signed_cookie(
            LAST_ALLIANCE_COOKIE, slug, salt=_last_alliance_salt(request.user), max_age=180 * 24 * 3600,
            secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
        )  # fmt: skip


def _is_api_view(view_func) -> bool:
    from rest_framework.views import APIView

    return issubclass(view_func.cls, APIView)


def public_alliance_view(view):
    """Mark a view under /a/<slug>/ as open to anyone (the scope is still entered)."""
    view.public_alliance_view = True
    return view

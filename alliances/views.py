"""Pages of the alliance itself: home and switcher, dashboard, jobs, audit log, roles; platform pages; health."""

from __future__ import annotations

import mimetypes
from base64 import b32encode
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import FileResponse, Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView

from members.models import MemberUnit

from . import services
from .access import access_alliance_by_slug, alliances_of, is_bureau_only
from .audit import record_event
from .filters import AuditEntryFilter, JobFilter
from .forms import GrantForm, LockoutForm, LoginForm, SecondFactorForm, attach_errors
from .generic import AllianceDetailView, AllianceListView, AlliancePageView, AllianceView
from .middleware import last_alliance
from .models import AuditEntry, Grant, Job, User
from .permissions import Action, PlatformRole
from .tenancy import unscoped


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        record_event(
            "account.password_changed", self.request.user, detail={"username": self.request.user.username}
        )
        return response


class TwoFactorView(LoginRequiredMixin, FormView):
    """Second factor for platform duties: enrol an authenticator app on the first login, then enter its code."""

    template_name = "registration/two_factor.html"
    form_class = SecondFactorForm

    def get_context_data(self, **kwargs):
        import segno

        context = super().get_context_data(**kwargs)
        user = self.request.user
        if services.confirmed_totp_device(user) is None:
            device = services.start_totp_enrolment(user) if self.request.method == "GET" else None
            device = (
                device
                or user.totpdevice_set.filter(confirmed=False).last()
                or services.start_totp_enrolment(user)
            )
            context["enrolling"] = True
            context["qr_code"] = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
            context["secret"] = b32encode(device.bin_key).decode()
        return context

    def form_valid(self, form):
        if not services.pass_second_factor(self.request, form.cleaned_data["token"]):
            form.add_error("token", _("The code is wrong or has expired. Enter the current code."))
            return self.form_invalid(form)
        target = self.request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()})
        return redirect(target if target and safe else "home")


class HomeView(LoginRequiredMixin, TemplateView):
    """After login: straight into the user's alliance, or a choice when there are several; a bureau official who
    holds no other role and oversees several alliances goes to the bureau portal.

    `?alliance=<slug>` (the switcher's links) enters that alliance at the first page the user's roles open.
    """

    template_name = "alliances/home.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        if user.platform_role == PlatformRole.AUDIT_ADMIN:
            return redirect("platform-audit")
        if user.platform_role == PlatformRole.SECURITY_ADMIN:
            return redirect("platform-security")
        alliances = alliances_of(user)
        if len(alliances) > 1 and not request.GET.get("alliance") and not request.GET.get("choose"):
            if is_bureau_only(user):
                return redirect("bureau-portal")  # an official's home: their alliances side by side
        wanted = request.GET.get("alliance") or last_alliance(request)
        chosen = next((a for a in alliances if a.slug == wanted), None)
        if chosen is None and len(alliances) == 1:
            chosen = alliances[0]
        if chosen is not None and not request.GET.get("choose"):
            return redirect(landing_page(access_alliance_by_slug(user, chosen.slug)))
        return self.render_to_response({"alliances": alliances})


def landing_page(membership) -> str:
    """The first page of an alliance that the user's roles open: the overview, or for auditors the audit log."""
    name = "dashboard" if membership.can(Action.VIEW_DASHBOARD) else "audit-log"
    return reverse(name, kwargs={"alliance_slug": membership.alliance.slug})


class DashboardView(AlliancePageView):
    """The alliance's home page: key figures and charts (reports/dashboard.py), each part only for the roles that may
    see it; the secretariat's pending work; a representative's own unit; recent jobs."""

    template_name = "alliances/dashboard.html"
    required_action = Action.VIEW_DASHBOARD

    def get_context_data(self, **kwargs):
        from reports.dashboard import dashboard_for
        from reports.visuals import dashboard_charts

        context = super().get_context_data(**kwargs)
        dashboard = dashboard_for(self.membership)
        context["dashboard"] = dashboard
        context["charts"] = dashboard_charts(dashboard)
        context["can_see_members"] = dashboard.members is not None
        if dashboard.members is not None:
            context["composition"] = [(item.label, item.count) for item in dashboard.members.by_kind]
            context["member_total"] = dashboard.members.total
        if self.membership.can(Action.MANAGE_MEMBERS):
            from members.services import pending_work

            context["pending"] = pending_work(self.alliance)
        if self.membership.member_unit_id:
            context["my_unit"] = MemberUnit.objects.filter(pk=self.membership.member_unit_id).first()
        context["recent_jobs"] = self._recent_jobs()
        return context

    def _recent_jobs(self):
        if not self.membership.can(Action.VIEW_JOBS):
            return []
        return JobListView.visible_jobs(self.request, self.membership)[:5]


class JobListView(AllianceListView):
    template_name = "alliances/job_list.html"
    required_action = Action.VIEW_JOBS
    filterset_class = JobFilter

    @staticmethod
    def visible_jobs(request, membership):
        """Secretariat and bureau see every job of the alliance; others see the jobs they asked for."""
        jobs = Job.objects.select_related("requested_by")
        if membership.can(Action.RUN_EXPORTS) or membership.can(Action.VIEW_REPORTS):
            return jobs
        return jobs.filter(requested_by=request.user)

    def get_queryset(self):
        self.queryset = self.visible_jobs(self.request, self.membership)
        return super().get_queryset()


class JobDetailView(AllianceDetailView):
    template_name = "alliances/job_detail.html"
    required_action = Action.VIEW_JOBS
    context_object_name = "job"

    def get_queryset(self):
        return JobListView.visible_jobs(self.request, self.membership)

    def get_template_names(self):
        if self.request.htmx:
            return ["alliances/partials/job_progress.html"]
        return [self.template_name]


class JobDownloadView(AllianceDetailView):
    """Download a job's result file; every download is audited."""

    required_action = Action.VIEW_JOBS

    def get_queryset(self):
        return JobListView.visible_jobs(self.request, self.membership)

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        if not job.result_file:
            raise Http404
        return audited_file_response(job.result_file, job)


def audited_file_response(
    field_file, obj, *, filename: str | None = None, content_type: str | None = None,
    action: str = "file.downloaded", detail: dict | None = None,
) -> FileResponse:
    """Serve a stored file as an attachment and record the download as `action` on `obj` (by default
    `file.downloaded` with the file's name). `filename` and `content_type` default to the stored file's."""
    name = Path(field_file.name or "").name
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # gone from storage, or no file at all
        raise Http404 from exc
    record_event(action, obj, detail={"file": name} if detail is None else detail)
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=filename or name, content_type=content_type)


def document_filename(document) -> str:
    """An uploaded document's download name: its title, with the stored file's suffix when the title lacks it."""
    suffix = Path(document.file.name).suffix
    return document.title if document.title.lower().endswith(suffix.lower()) else f"{document.title}{suffix}"


class AuditLogView(AllianceListView):
    """The alliance's audit log, for its auditors. Read-only: there is no way to change an entry."""

    template_name = "alliances/audit_log.html"
    required_action = Action.VIEW_AUDIT_LOG
    filterset_class = AuditEntryFilter
    paginate_by = 50

    def get_queryset(self):
        self.queryset = AuditEntry.objects.all()
        return super().get_queryset()


class GrantListView(AllianceListView):
    template_name = "alliances/grant_list.html"
    required_action = Action.MANAGE_GRANTS

    def get_queryset(self):
        self.queryset = Grant.objects.select_related("user", "member_unit", "granted_by").order_by(
            "user__username", "role"
        )
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or GrantForm()
        return context

    def post(self, request, *args, **kwargs):
        form = GrantForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():  # a new account and its role, or neither
                    one_time_password = None
                    if form.creates_account:
                        data = form.cleaned_data
                        form.user, one_time_password = services.create_account(
                            username=data["username"],
                            name=data["name"],
                            mobile=data["mobile"],
                            email=data["email"],
                        )
                    services.grant_role(
                        alliance=self.alliance,
                        user=form.user,
                        role=form.cleaned_data["role"],
                        member_unit=form.cleaned_data["member_unit"],
                        granted_by=request.user,
                    )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("The role was granted."))
                if one_time_password:
                    messages.warning(
                        request,
                        _(
                            "Account %(username)s was created with the one-time password %(password)s. Give it to "
                            "the person in a safe way; they must change it at their first login. It is not shown again."
                        )
                        % {"username": form.user.username, "password": one_time_password},
                    )
                return redirect("grant-list", alliance_slug=self.alliance.slug)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GrantRevokeView(AllianceView, View):
    required_action = Action.MANAGE_GRANTS

    def post(self, request, alliance_slug, grant_id):
        grant = Grant.objects.select_related("user").filter(pk=grant_id).first()
        if grant is None:
            raise Http404
        try:
            services.revoke_grant(grant=grant, revoked_by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The role was revoked."))
        return redirect("grant-list", alliance_slug=alliance_slug)


class PlatformRoleRequired(LoginRequiredMixin):
    platform_role: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.user.platform_role != self.platform_role:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PlatformAuditLogView(PlatformRoleRequired, ListView):
    """The whole platform's audit log, for audit administrators."""

    platform_role = PlatformRole.AUDIT_ADMIN
    template_name = "alliances/platform_audit_log.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        with unscoped("audit admin reads the platform audit log"):
            self.filterset = AuditEntryFilter(
                request.GET or None, queryset=AuditEntry.objects.select_related("alliance"), request=request
            )
            self.object_list = self.filterset.qs if self.filterset.is_valid() else self.filterset.queryset
            context = self.get_context_data()
            query = request.GET.copy()
            query.pop("page", None)
            context.update(filterset=self.filterset, query_without_page=query.urlencode())
            response = self.render_to_response(context)
            response.render()
        return response


class PlatformSecurityView(PlatformRoleRequired, FormView):
    """Accounts and lockouts, for security administrators."""

    platform_role = PlatformRole.SECURITY_ADMIN
    template_name = "alliances/platform_security.html"
    form_class = LockoutForm

    def get_context_data(self, **kwargs):
        from axes.models import AccessAttempt
        from django_otp.plugins.otp_totp.models import TOTPDevice

        context = super().get_context_data(**kwargs)
        context["lockouts"] = AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).order_by("-attempt_time")[:100]
        context["accounts"] = User.objects.order_by("username")[:500]
        context["enrolled"] = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
        return context

    def form_valid(self, form):
        services.clear_lockout(
            username=form.cleaned_data["username"], ip_address=form.cleaned_data["ip_address"] or ""
        )
        messages.success(self.request, _("The lockout was cleared."))
        return redirect("platform-security")


class SecondFactorResetView(PlatformRoleRequired, View):
    platform_role = PlatformRole.SECURITY_ADMIN

    def post(self, request, user_id):
        account = User.objects.filter(pk=user_id).first()
        if account is None:
            raise Http404
        services.reset_second_factor(user=account, reset_by=request.user)
        messages.success(request, _("The authenticator of %(user)s was reset.") % {"user": account})
        return redirect("platform-security")


class AccountActiveView(PlatformRoleRequired, View):
    platform_role = PlatformRole.SECURITY_ADMIN

    def post(self, request, user_id):
        account = User.objects.filter(pk=user_id).first()
        if account is None:
            raise Http404
        try:
            services.set_account_active(
                user=account, active=request.POST.get("active") == "1", changed_by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("platform-security")


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the Django admin)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@never_cache
def healthz(request):
    """Database, broker and worker status as JSON; 503 when the database does not answer."""
    report = {"database": _check_database(), "broker": _check_broker(), "worker": _check_worker()}
    healthy = report["database"]["ok"]
    report["status"] = "ok" if healthy else "error"
    return JsonResponse(report, status=200 if healthy else 503)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # health must answer, whatever failed
        return {"ok": False, "error": str(exc)[:200]}


def _check_broker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "inline"}
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return {"ok": True, "mode": "redis"}
    except Exception as exc:
        return {"ok": False, "mode": "redis", "error": str(exc)[:200]}


def _check_worker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "mode": "inline", "workers": 0}
    try:
        from config.celery import app

        replies = app.control.inspect(timeout=1.0).ping() or {}
        return {"ok": bool(replies), "mode": "celery", "workers": len(replies)}
    except Exception as exc:
        return {"ok": False, "mode": "celery", "error": str(exc)[:200]}

"""The public side of membership: the online application form of an alliance (no login, rate-limited) and
the page where an applicant answers the secretariat's request for more information."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django_ratelimit.decorators import ratelimit

from alliances.audit import acting_as
from alliances.forms import attach_errors
from alliances.governance_services import current_charter
from alliances.middleware import public_alliance_view
from alliances.net import client_address

from .. import services
from ..applications import unit_for_information_token
from ..forms import ApplicationForm, ProvideInformationForm
from ..models import MemberStatus

# Per address: a handful of applications an hour is plenty for a real applicant and stops a flood.
APPLY_RATE = "10/h"


def _client_ip(group, request):
    return client_address(request) or "unknown"


class ApplyView(View):
    template_name = "members/apply.html"

    def get(self, request, alliance_slug):
        return self._render(request, ApplicationForm())

    @method_decorator(ratelimit(key=_client_ip, rate=APPLY_RATE, method="POST", block=False))
    def post(self, request, alliance_slug):
        form = ApplicationForm(request.POST, request.FILES)
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many applications from your address. Please try again in an hour."))
            return self._render(request, form, status=429)
        if form.is_valid():
            try:
                # One transaction: the application and its specialties are stored together or not at all.
                with acting_as(None, client_address(request)), transaction.atomic():
                    unit = services.submit_application(
                        alliance=request.alliance, profile=form.profile_data(), contacts=form.contacts(),
                        documents=form.cleaned_data["documents"], statement=form.cleaned_data["statement"],
                    )  # fmt: skip
                    services.set_specialties(unit, form.cleaned_data.get("specialties") or [])
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                request.session["applied_unit_name"] = unit.name
                return redirect("member-apply-done", alliance_slug=alliance_slug)
        return self._render(request, form, status=200)

    def _render(self, request, form, status=200):
        charter = current_charter(request.alliance)
        articles = charter.articles.order_by("chapter_number", "article_number") if charter.pk else []
        return render(
            request, self.template_name,
            {"form": form, "alliance": request.alliance, "charter": charter, "articles": articles},
            status=status,
        )  # fmt: skip


# The class-level marker the middleware reads (method_decorator on dispatch does not reach the view function).
apply_view = public_alliance_view(ApplyView.as_view())


@public_alliance_view
def apply_done(request, alliance_slug):
    return render(
        request, "members/apply_done.html",
        {"alliance": request.alliance, "unit_name": request.session.get("applied_unit_name", "")},
    )  # fmt: skip


@method_decorator(ratelimit(key=_client_ip, rate="30/h", method="POST", block=False), name="post")
class ProvideInformationView(View):
    """Reached from the e-mail link; the signed token names the unit."""

    template_name = "members/apply_info.html"

    def _unit(self, request, token):
        unit = unit_for_information_token(token, request.alliance)
        return unit

    def get(self, request, alliance_slug, token):
        unit = self._unit(request, token)
        return self._render(request, unit, ProvideInformationForm())

    def post(self, request, alliance_slug, token):
        unit = self._unit(request, token)
        form = ProvideInformationForm(request.POST, request.FILES)
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many attempts from your address. Please try again in an hour."))
        elif unit is not None and unit.status == MemberStatus.INFO_REQUESTED and form.is_valid():
            try:
                with acting_as(None, client_address(request)):
                    services.provide_information(
                        unit, note=form.cleaned_data["note"], documents=form.cleaned_data["documents"]
                    )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return render(request, "members/apply_info.html", {"alliance": request.alliance, "done": True})
        return self._render(request, unit, form)

    def _render(self, request, unit, form):
        context = {"alliance": request.alliance, "unit": unit, "form": form}
        if unit is None:
            return render(request, self.template_name, {**context, "invalid": True}, status=404)
        if unit.status != MemberStatus.INFO_REQUESTED:
            context["not_waiting"] = True
        else:
            context["request_event"] = unit.events.filter(action="info_requested").order_by("-occurred_at").first()
        return render(request, self.template_name, context)


provide_information_view = public_alliance_view(ProvideInformationView.as_view())

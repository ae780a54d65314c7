"""Lifecycle actions of the secretariat (one page per transition) and the queue of open applications."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from alliances.forms import attach_errors
from alliances.generic import AllianceObjectMixin, AllianceView
from alliances.governance_services import current_charter
from alliances.permissions import Action

from .. import services
from ..forms import TransitionForm
from ..models import (
    OPEN_APPLICATION_STATUSES,
    MemberUnit,
    ProfileChangeRequest,
    RequestStatus,
    WithdrawalRequest,
)


def _run(name: str, unit: MemberUnit, data: dict):
    """Call the service of transition `name` with the inputs of its form."""
    reason, documents, resolution = data.get("reason", ""), data.get("documents") or [], data.get("resolution")
    match name:
        case "start_review":
            return services.start_review(unit)
        case "request_information":
            return services.request_information(unit, reason=reason)
        case "provide_information":
            return services.provide_information(unit, note=reason, documents=documents)
        case "admit":
            return services.admit_member(unit, resolution=resolution, council_role=data.get("council_role") or None)
        case "reject":
            return services.reject_application(unit, reason=reason, documents=documents)
        case "request_withdrawal":
            return services.request_withdrawal(
                unit, reason=reason, requested_on=data.get("requested_on"), effective_on=data.get("effective_on"),
                documents=documents,
            )  # fmt: skip
        case "approve_withdrawal":
            return services.approve_withdrawal(unit, resolution=resolution, documents=documents)
        case "decline_withdrawal":
            return services.decline_withdrawal(unit, reason=reason)
        case "cancel_withdrawal":
            return services.cancel_withdrawal(unit, reason=reason)
        case "complete_withdrawal":
            return services.complete_withdrawal(unit)
        case "suspend":
            return services.suspend_member(unit, reason=reason, documents=documents)
        case "reinstate":
            return services.reinstate_member(unit, reason=reason)
        case "expel":
            return services.expel_member(unit, resolution=resolution, reason=reason, documents=documents)
    raise ValueError(name)


TRANSITION_PAGES = [name for name in services.LIFECYCLE if name != "reapply"]


class MemberTransitionView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "members/transition.html"
    form_class = TransitionForm
    required_action = Action.MANAGE_MEMBERS
    transition_name: str = ""
    target_model, target_attribute = MemberUnit, "unit"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "transition_name": self.transition_name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit, transition = self.unit, services.LIFECYCLE[self.transition_name]
        charter = current_charter(self.alliance)
        context.update(
            unit=unit, transition=transition, transition_name=self.transition_name, charter=charter,
            possible=unit.status in transition.sources,
            earliest=services.earliest_withdrawal_date(unit, timezone.localdate())
            if self.transition_name == "request_withdrawal" else None,
            withdrawal=WithdrawalRequest.objects.filter(member_unit=unit, status__in=("pending", "approved")).first(),
        )  # fmt: skip
        return context

    def form_valid(self, form):
        try:
            _run(self.transition_name, self.unit, form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        self.unit.refresh_from_db()
        messages.success(
            self.request,
            _("Done: %(action)s. %(unit)s is now “%(status)s”.")
            % {"action": services.LIFECYCLE[self.transition_name].label, "unit": self.unit.name,
               "status": self.unit.get_status_display()},
        )  # fmt: skip
        return redirect("member-detail", alliance_slug=self.alliance.slug, memberunit_id=self.unit.pk)


class ApplicationQueueView(AllianceView, TemplateView):
    """What waits for the secretariat: open applications, pending withdrawals, pending profile changes."""

    template_name = "members/applications.html"
    required_action = Action.MANAGE_MEMBERS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["applications"] = MemberUnit.objects.filter(status__in=OPEN_APPLICATION_STATUSES).order_by(
            "applied_on", "pk"
        )
        context["withdrawals"] = (
            WithdrawalRequest.objects.filter(status__in=(RequestStatus.PENDING, RequestStatus.APPROVED))
            .select_related("member_unit", "resolution")
            .order_by("effective_on", "pk")
        )
        context["changes"] = ProfileChangeRequest.objects.filter(status=RequestStatus.PENDING).select_related(
            "member_unit"
        )
        return context

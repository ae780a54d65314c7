"""The secretariat's queue of profile change requests (a unit's new name or credit code) and the decision on one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from alliances.generic import AllianceDetailView, AllianceListView
from alliances.permissions import Action

from .. import services
from ..forms_self_service import ChangeDecisionForm
from ..models import ProfileChangeRequest, RequestStatus
from .self_service import field_label


def change_rows(change_request: ProfileChangeRequest) -> list[dict]:
    """[{label, before, after}] for each requested field, for the before → after display."""
    previous = change_request.previous or {}
    return [
        {"field": name, "label": field_label(name), "before": previous.get(name, ""), "after": after}
        for name, after in (change_request.changes or {}).items()
    ]


def change_requests():
    return ProfileChangeRequest.objects.select_related("member_unit", "requested_by", "decided_by")


class ChangeRequestListView(AllianceListView):
    """Pending requests first, then decided ones; newest first within each."""

    template_name = "members/change_request_list.html"
    required_action = Action.MANAGE_MEMBERS

    def get_queryset(self):
        self.queryset = change_requests().annotate(
            pending_first=Case(
                When(status=RequestStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        return super().get_queryset().order_by("pending_first", "-requested_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for change_request in context["object_list"]:
            change_request.rows = change_rows(change_request)
        context["pending_count"] = ProfileChangeRequest.objects.filter(status=RequestStatus.PENDING).count()
        return context


class ChangeRequestDecideView(AllianceDetailView):
    """Look at one request; approve it (the unit's name or code changes) or decline it with a note."""

    template_name = "members/change_request_detail.html"
    required_action = Action.MANAGE_MEMBERS
    context_object_name = "change_request"

    def get_queryset(self):
        return change_requests()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = change_rows(self.object)
        context["is_pending"] = self.object.status == RequestStatus.PENDING
        context.setdefault("form", ChangeDecisionForm() if context["is_pending"] else None)
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.status != RequestStatus.PENDING:
            messages.error(request, _("This change request has already been decided."))
            return redirect("member-change-request", alliance_slug=self.alliance.slug,
                            profilechangerequest_id=self.object.pk)  # fmt: skip
        form = ChangeDecisionForm(request.POST)
        if form.is_valid():
            try:
                services.decide_profile_change(
                    self.object, approve=form.approve, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                unit = self.object.member_unit.name
                if form.approve:
                    messages.success(
                        request, _("The change for %(unit)s was approved and applied.") % {"unit": unit}
                    )
                else:
                    messages.success(request, _("The change for %(unit)s was declined.") % {"unit": unit})
                return redirect("member-change-requests", alliance_slug=self.alliance.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)

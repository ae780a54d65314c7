"""Committees (专业委员会 / 产学合作委员会): list, create, edit, delete, and their member units."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from alliances.forms import attach_errors
from alliances.generic import AllianceDetailView, AllianceListView, AllianceObjectMixin, AllianceView
from alliances.permissions import Action

from .. import services
from ..models import CURRENT_MEMBER_STATUSES, Committee, MemberUnit


class CommitteeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    chair_unit = forms.ModelChoiceField(
        label=gettext_lazy("Chair unit"), required=False,
        queryset=MemberUnit.objects.filter(status__in=CURRENT_MEMBER_STATUSES).order_by("kind", "name"),
    )  # fmt: skip
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AddMembersForm(forms.Form):
    member_units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Units to add"),
        queryset=MemberUnit.objects.filter(status__in=CURRENT_MEMBER_STATUSES).order_by("kind", "name"),
    )


class CommitteeListView(AllianceListView):
    template_name = "members/committee_list.html"
    required_action = Action.VIEW_MEMBERS
    queryset = Committee.objects.select_related("chair_unit").annotate(member_count=Count("members")).order_by(
        "name", "pk"
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.membership.can(Action.MANAGE_MEMBERS)
        if context["can_manage"]:
            context["form"] = CommitteeForm()
        return context


class CommitteeCreateView(AllianceView, FormView):
    template_name = "members/committee_form.html"
    required_action = Action.MANAGE_MEMBERS
    form_class = CommitteeForm

    def form_valid(self, form):
        try:
            committee = services.create_committee(alliance=self.alliance, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Committee %(name)s created.") % {"name": committee.name})
        return redirect("committee-detail", alliance_slug=self.alliance.slug, committee_id=committee.pk)


class CommitteeDetailView(AllianceDetailView):
    template_name = "members/committee_detail.html"
    required_action = Action.VIEW_MEMBERS
    queryset = Committee.objects.select_related("chair_unit")
    context_object_name = "committee"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["units"] = MemberUnit.objects.filter(committees=self.object).order_by("kind", "name")
        context["can_manage"] = self.membership.can(Action.MANAGE_MEMBERS)
        if context["can_manage"]:
            add_form = AddMembersForm()
            add_form.fields["member_units"].queryset = add_form.fields["member_units"].queryset.exclude(
                committees=self.object
            )
            context["add_form"] = add_form
        return context


class CommitteeEditView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "members/committee_form.html"
    required_action = Action.MANAGE_MEMBERS
    form_class = CommitteeForm
    target_model, target_attribute = Committee, "committee"

    def get_initial(self):
        committee = self.committee
        return {"name": committee.name, "chair_unit": committee.chair_unit, "description": committee.description}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "committee": self.committee}

    def form_valid(self, form):
        try:
            services.update_committee(self.committee, form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The committee has been saved."))
        return redirect("committee-detail", alliance_slug=self.alliance.slug, committee_id=self.committee.pk)


class CommitteeDeleteView(AllianceView, AllianceObjectMixin, View):
    required_action = Action.MANAGE_MEMBERS
    target_model, target_attribute = Committee, "committee"

    def post(self, request, alliance_slug, committee_id):
        committee = self.committee
        services.delete_committee(committee)
        messages.success(request, _("Committee %(name)s deleted.") % {"name": committee.name})
        return redirect("committee-list", alliance_slug=alliance_slug)


class CommitteeAddMembersView(AllianceView, AllianceObjectMixin, View):
    required_action = Action.MANAGE_MEMBERS
    target_model, target_attribute = Committee, "committee"

    def post(self, request, alliance_slug, committee_id):
        committee = self.committee
        form = AddMembersForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                added = services.add_to_committee(form.cleaned_data["member_units"], committee)
                messages.success(request, _("%(count)d units added.") % {"count": added})
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
        return redirect("committee-detail", alliance_slug=alliance_slug, committee_id=committee.pk)


class CommitteeRemoveMemberView(AllianceView, AllianceObjectMixin, View):
    required_action = Action.MANAGE_MEMBERS
    target_model, target_attribute = Committee, "committee"

    def post(self, request, alliance_slug, committee_id, memberunit_id):
        committee = self.committee
        unit = MemberUnit.objects.filter(pk=memberunit_id).first()
        if unit is None or not services.remove_from_committee(unit, committee):
            raise Http404
        messages.success(request, _("%(unit)s left the committee.") % {"unit": unit.name})
        return redirect("committee-detail", alliance_slug=alliance_slug, committee_id=committee.pk)

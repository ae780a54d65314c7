"""The secretariat's member pages: the list (filters, sorting, bulk actions, export), the detail page with the
unit's timeline, registering and editing units with inline validation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from alliances.forms import attach_errors
from alliances.generic import AllianceDetailView, AllianceListView, AllianceObjectMixin, AllianceView
from alliances.jobs import enqueue_job
from alliances.permissions import Action

from .. import services
from ..filters import MemberUnitFilter
from ..forms import BulkActionForm, ContactFormSet, MemberProfileForm, RegisterMemberForm, contact_rows
from ..models import (
    CURRENT_MEMBER_STATUSES,
    OPEN_APPLICATION_STATUSES,
    MemberDocument,
    MemberKind,
    MembershipEvent,
    MemberUnit,
    WithdrawalRequest,
)


def composition(queryset) -> dict:
    """Current members by type, in one query: {"total": n, "by_kind": [(label, count), ...]}."""
    counts = queryset.filter(status__in=CURRENT_MEMBER_STATUSES).aggregate(
        total=Count("pk"), **{kind.value: Count("pk", filter=Q(kind=kind.value)) for kind in MemberKind}
    )
    return {
        "total": counts.pop("total"),
        "by_kind": [(MemberKind(kind).label, count) for kind, count in counts.items() if count],
    }


class MemberListView(AllianceListView):
    template_name = "members/member_list.html"
    required_action = Action.VIEW_MEMBERS
    filterset_class = MemberUnitFilter
    queryset = MemberUnit.objects.select_related("industry_division")
    ordering = ["kind", "name"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if not (self.filterset and self.filterset.is_bound and self.filterset.form.cleaned_data.get("sort")):
            queryset = queryset.order_by("kind", "name", "pk")
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["composition"] = composition(MemberUnit.objects.all())
        context["open_applications"] = MemberUnit.objects.filter(status__in=OPEN_APPLICATION_STATUSES).count()
        context["can_manage"] = self.membership.can(Action.MANAGE_MEMBERS)
        if context["can_manage"]:
            context["bulk_form"] = BulkActionForm(auto_id="bulk_%s")
        return context


class MemberDetailView(AllianceDetailView):
    template_name = "members/member_detail.html"
    required_action = Action.VIEW_MEMBERS
    context_object_name = "unit"

    def get_queryset(self):
        return MemberUnit.objects.select_related("industry_division__section").prefetch_related(
            "committees", "contacts", "specialties__specialty_class",
            Prefetch("events", queryset=MembershipEvent.objects.select_related("resolution__meeting")
                     .prefetch_related("documents")),
        )  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        context["documents"] = MemberDocument.objects.filter(member_unit=unit).order_by("-uploaded_at")
        context["withdrawal"] = (
            WithdrawalRequest.objects.filter(member_unit=unit, status__in=("pending", "approved"))
            .select_related("resolution")
            .first()
        )
        context["can_manage"] = self.membership.can(Action.MANAGE_MEMBERS)
        if context["can_manage"]:
            context["transitions"] = transition_links(unit, context["withdrawal"])
        return context


def transition_links(unit: MemberUnit, withdrawal) -> list[tuple[str, str, str]]:
    """(url, label, style) of the lifecycle actions open to the unit now."""
    from django.utils import timezone

    links = []
    for name in services.allowed_transitions(unit.status):
        if name == "reapply":
            continue  # applicants do this themselves through the public form
        if name == "approve_withdrawal" or name == "decline_withdrawal":
            if withdrawal is None or withdrawal.status != "pending":
                continue
        if name == "complete_withdrawal" and (
            withdrawal is None or withdrawal.status != "approved" or withdrawal.effective_on > timezone.localdate()
        ):
            continue
        transition = services.LIFECYCLE[name]
        style = "danger" if name in ("reject", "expel", "suspend", "decline_withdrawal") else ""
        url = reverse(f"member-{name.replace('_', '-')}", args=[unit.alliance.slug, unit.pk])
        links.append((url, str(transition.label).capitalize(), style))
    return links


class MemberFormMixin:
    """Profile form + contacts formset, shared by registering and editing."""

    form_class = MemberProfileForm

    def get_formset(self):
        initial = None
        if getattr(self, "unit", None) is not None:
            initial = list(self.unit.contacts.values("name", "title", "mobile", "email"))
        return ContactFormSet(self.request.POST or None, initial=initial, prefix="contacts")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "validate_url": reverse("member-validate", args=[self.alliance.slug])}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        formset = self.get_formset()
        if form.is_valid() and formset.is_valid():
            try:
                return self.save(form, contact_rows(formset))
            except ValidationError as exc:
                attach_errors(form, exc)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))



class MemberCreateView(AllianceView, MemberFormMixin, FormView):
    template_name = "members/member_form.html"
    required_action = Action.MANAGE_MEMBERS
    form_class = RegisterMemberForm
    unit = None

    def save(self, form, contacts):
        with transaction.atomic():
            unit = services.register_member_unit(
                alliance=self.alliance, profile=form.profile_data(), contacts=contacts,
                admitted_on=form.cleaned_data.get("admitted_on"), council_role=form.cleaned_data["council_role"],
            )  # fmt: skip
            services.set_specialties(unit, form.cleaned_data.get("specialties") or [])
        messages.success(self.request, _("%(unit)s has been registered.") % {"unit": unit.name})
        return redirect("member-detail", alliance_slug=self.alliance.slug, memberunit_id=unit.pk)


class MemberEditView(AllianceView, AllianceObjectMixin, MemberFormMixin, FormView):
    template_name = "members/member_form.html"
    required_action = Action.MANAGE_MEMBERS
    target_model, target_attribute = MemberUnit, "unit"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.unit}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "unit": self.unit}

    def save(self, form, contacts):
        changes = services.update_member_profile(
            self.unit, form.profile_data(), contacts=contacts, specialties=form.cleaned_data.get("specialties") or []
        )
        if changes:
            messages.success(self.request, _("The profile has been saved."))
        else:
            messages.info(self.request, _("Nothing was changed."))
        return redirect("member-detail", alliance_slug=self.alliance.slug, memberunit_id=self.unit.pk)


class MemberValidateFieldView(AllianceView, View):
    """Inline validation: htmx posts the form when a field changes; the field comes back with its errors."""

    required_action = Action.MANAGE_MEMBERS

    def post(self, request, alliance_slug):
        name = request.htmx.trigger_name if request.htmx else request.POST.get("_field")
        unit_id = request.POST.get("_unit", "")
        unit = MemberUnit.objects.filter(pk=unit_id).first() if unit_id.isdigit() else None
        validate_url = reverse("member-validate", args=[alliance_slug])
        form_class = RegisterMemberForm if unit is None else MemberProfileForm
        form = form_class(request.POST, instance=unit, validate_url=validate_url)
        if name not in form.fields:
            return render(request, "members/partials/empty.html")
        form.is_valid()
        field = form[name]
        # Uniqueness in the alliance, which the form leaves to the service.
        value = form.cleaned_data.get(name)
        if name in ("name", "credit_code") and value and not field.errors:
            clash = MemberUnit.objects.filter(**{name: value}).exclude(pk=unit.pk if unit else None).first()
            if clash is not None:
                form.add_error(name, _("Already registered: %(unit)s.") % {"unit": clash.name})
        return render(request, "partials/field.html", {"field": field, "inline_validation": True})


class MemberBulkActionView(AllianceView, View):
    """Apply one action to the units ticked on the list page."""

    required_action = Action.MANAGE_MEMBERS

    def post(self, request, alliance_slug):
        form = BulkActionForm(request.POST)
        back = reverse("member-list", args=[alliance_slug]) + ("?" + request.POST["_query"] if request.POST.get("_query") else "")
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        units = list(form.cleaned_data["units"])
        action = form.cleaned_data["action"]
        try:
            if action == "add_to_committee":
                committee = form.cleaned_data["committee"]
                joined = services.add_to_committee(units, committee)
                messages.success(request, _("%(count)d units added to %(committee)s.") % {"count": joined, "committee": committee.name})
            elif action == "set_council_role":
                with transaction.atomic():
                    changed = sum(services.set_council_role(u, form.cleaned_data["council_role"]) for u in units)
                messages.success(request, _("Council role changed for %(count)d units.") % {"count": changed})
            else:
                job, _created = enqueue_job(
                    alliance=self.alliance, kind="members.export_roster",
                    parameters={"filters": {}, "ids": sorted(u.pk for u in units)}, requested_by=request.user,
                )  # fmt: skip
                return redirect("job-detail", alliance_slug=alliance_slug, job_id=job.pk)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect(back)


class MemberExportView(AllianceView, View):
    """Start an export of the filtered list as a background job and show its progress."""

    required_action = Action.RUN_EXPORTS

    def post(self, request, alliance_slug):
        filters = {
            key: value
            for key, value in request.POST.items()
            if key in MemberUnitFilter.base_filters and value
        }
        job, created = enqueue_job(
            alliance=self.alliance,
            kind="members.export_roster",
            parameters={"filters": filters},
            requested_by=request.user,
        )
        if not created:
            messages.info(request, _("The same export is already running; here is its progress."))
        return redirect("job-detail", alliance_slug=alliance_slug, job_id=job.pk)

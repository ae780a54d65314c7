"""Pages of subsidy programs (versioned policy) and periods. Everyone with VIEW_SUBSIDIES reads them; a secretariat
administrator (MANAGE_PROGRAMS) creates programs, makes new versions, edits a version nothing uses yet, and
manages periods. The rules are in services/programs.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import FormView

from alliances.forms import attach_errors
from alliances.generic import AllianceDetailView, AllianceListView, AllianceObjectMixin, AllianceView
from alliances.permissions import Action

from ..filters import PeriodFilter, ProgramFilter
from ..forms.programs import PeriodForm, ProgramEditForm, ProgramForm, ProgramVersionForm, period_initial
from ..models import Period, Program, ProgramVersion
from ..services import programs as services

MONEY_FIELDS = {"rate", "secondary_rate", "cap_per_enterprise", "budget"}
PERCENT_FIELDS = {"max_intern_share", "min_host_share"}


def display_value(version: ProgramVersion, name: str) -> str:
    """A parameter as the program page shows it."""
    if name == "funding_shares":
        return services.funding_split_label(version.funding_shares.all()) or "—"
    value = getattr(version, name)
    if value is None or value == "":
        return "—"
    field = ProgramVersion._meta.get_field(name)
    if field.choices:
        return str(getattr(version, f"get_{name}_display")())
    if name in MONEY_FIELDS:
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if name in PERCENT_FIELDS:
        return f"{services._plain(value)}%"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _label(name: str) -> str:
    if name == "funding_shares":
        return _("Funding split")
    return capfirst(str(ProgramVersion._meta.get_field(name).verbose_name))


# --- programs --------------------------------------------------------------------------------------------------


class ProgramListView(AllianceListView):
    template_name = "subsidies/program_list.html"
    required_action = Action.VIEW_SUBSIDIES
    filterset_class = ProgramFilter

    def get_queryset(self):
        in_force = ProgramVersion.objects.filter(
            program=OuterRef("pk"), effective_from__lte=timezone.localdate()
        ).order_by("-effective_from", "-number")
        self.queryset = Program.objects.annotate(
            version_count=Count("versions", distinct=True),
            current_number=Subquery(in_force.values("number")[:1]),
            current_rate=Subquery(in_force.values("rate")[:1]),
            current_unit=Subquery(in_force.values("unit")[:1]),
            current_from=Subquery(in_force.values("effective_from")[:1]),
        ).order_by("code", "pk")
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        from ..models import RateUnit

        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.membership.can(Action.MANAGE_PROGRAMS)
        context["unit_labels"] = dict(RateUnit.choices)
        return context


class ProgramCreateView(AllianceView, FormView):
    template_name = "subsidies/program_form.html"
    required_action = Action.MANAGE_PROGRAMS
    form_class = ProgramForm

    def form_valid(self, form):
        try:
            program = services.create_program(self.alliance, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Program %(name)s created with the defaults of its kind as version 1.")
            % {"name": program.name},
        )
        return redirect("program-detail", alliance_slug=self.alliance.slug, program_id=program.pk)


class ProgramDetailView(AllianceDetailView):
    """The program and its versions side by side, each parameter marked where it changed from the version before."""

    template_name = "subsidies/program_detail.html"
    required_action = Action.VIEW_SUBSIDIES
    queryset = Program.objects.all()
    context_object_name = "program"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(
            ProgramVersion.objects.filter(program=self.object)
            .select_related("created_by")
            .prefetch_related("funding_shares")
            .annotate(claim_count=Count("claims", distinct=True), run_count=Count("runs", distinct=True))
            .order_by("number")
        )
        changed = services.version_differences(versions)
        today = timezone.localdate()
        in_force = max(
            (v for v in versions if v.effective_from <= today),
            key=lambda v: (v.effective_from, v.number),
            default=None,
        )
        rows = []
        for name in (*services.VERSION_FIELDS, "funding_shares"):
            rows.append({
                "name": name, "label": _label(name),
                "cells": [{"value": display_value(v, name), "changed": name in changed[v.pk]} for v in versions],
            })  # fmt: skip
        for version in versions:
            version.in_use = bool(version.claim_count or version.run_count)
            version.changes = [_label(name) for name in (*services.VERSION_FIELDS, "funding_shares")
                               if name in changed[version.pk]]  # fmt: skip
        context.update(
            versions=versions,
            rows=rows,
            in_force=in_force,
            can_manage=self.membership.can(Action.MANAGE_PROGRAMS),
        )
        return context


class ProgramEditView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "subsidies/program_edit.html"
    required_action = Action.MANAGE_PROGRAMS
    form_class = ProgramEditForm
    target_model, target_attribute = Program, "program"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Program.objects.get(pk=self.program.pk)  # the form's copy; the service saves
        return kwargs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "program": self.program}

    def form_valid(self, form):
        try:
            services.update_program(
                self.program,
                actor=self.request.user,
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The program has been saved."))
        return redirect("program-detail", alliance_slug=self.alliance.slug, program_id=self.program.pk)


def _shares_of(version: ProgramVersion | None) -> list[tuple[str, object]]:
    return [(share.payer, share.percent) for share in version.funding_shares.all()] if version else []


class ProgramVersionCreateView(AllianceView, AllianceObjectMixin, FormView):
    """A new version, starting from the latest version's values."""

    template_name = "subsidies/program_version_form.html"
    required_action = Action.MANAGE_PROGRAMS
    form_class = ProgramVersionForm
    target_model, target_attribute = Program, "program"

    def latest(self) -> ProgramVersion | None:
        if not hasattr(self, "_latest"):
            self._latest = (
                ProgramVersion.objects.filter(program=self.program)
                .prefetch_related("funding_shares")
                .order_by("-number")
                .first()
            )
        return self._latest

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        latest = self.latest()
        if latest is not None and self.request.method == "GET":
            kwargs["initial"] = {
                name: getattr(latest, name) for name in services.VERSION_FIELDS if name != "effective_from"
            }
        kwargs["shares"] = _shares_of(latest) if latest is not None else list(services.DEFAULT_FUNDING_SHARES)
        return kwargs

    def get_context_data(self, **kwargs):
        latest = self.latest()
        return {**super().get_context_data(**kwargs), "program": self.program, "base_version": latest}

    def form_valid(self, form):
        values = form.version_values()
        effective_from = values.pop("effective_from")
        try:
            version = services.create_program_version(
                self.program, effective_from=effective_from, funding_shares=form.cleaned_data["funding_shares"],
                actor=self.request.user, **values,
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Version %(number)d takes effect on %(date)s.")
            % {"number": version.number, "date": version.effective_from.isoformat()},
        )
        return redirect("program-detail", alliance_slug=self.alliance.slug, program_id=self.program.pk)


class ProgramVersionEditView(AllianceView, AllianceObjectMixin, FormView):
    """Edit a version in place — only while no claim and no calculation run uses it."""

    template_name = "subsidies/program_version_form.html"
    required_action = Action.MANAGE_PROGRAMS
    form_class = ProgramVersionForm
    target_model, target_attribute = Program, "program"

    def get_version(self) -> ProgramVersion:
        if not hasattr(self, "_version"):
            version = (
                ProgramVersion.objects.filter(pk=self.kwargs.get("programversion_id"), program=self.program)
                .prefetch_related("funding_shares")
                .first()
            )
            if version is None:
                raise Http404
            self._version = version
        return self._version

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        version = self.get_version()
        kwargs["instance"] = version
        kwargs["shares"] = _shares_of(version)
        return kwargs

    def get_context_data(self, **kwargs):
        version = self.get_version()
        return {
            **super().get_context_data(**kwargs), "program": self.program, "version": version,
            "in_use": services.version_in_use(version),
        }  # fmt: skip

    def form_valid(self, form):
        version = self.get_version()
        try:
            services.update_program_version(
                version, funding_shares=form.cleaned_data["funding_shares"], actor=self.request.user,
                **form.version_values(),
            )  # fmt: skip
        except services.InUse as exc:
            for message in exc.messages:
                messages.error(self.request, message)
            return redirect("program-detail", alliance_slug=self.alliance.slug, program_id=self.program.pk)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Version %(number)d has been saved.") % {"number": version.number})
        return redirect("program-detail", alliance_slug=self.alliance.slug, program_id=self.program.pk)


# --- periods ---------------------------------------------------------------------------------------------------


class PeriodListView(AllianceListView):
    template_name = "subsidies/period_list.html"
    required_action = Action.VIEW_SUBSIDIES
    filterset_class = PeriodFilter
    queryset = Period.objects.annotate(claim_count=Count("claims")).order_by("-starts_on", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.membership.can(Action.MANAGE_PROGRAMS)
        context["today"] = timezone.localdate()
        return context


class PeriodCreateView(AllianceView, FormView):
    template_name = "subsidies/period_form.html"
    required_action = Action.MANAGE_PROGRAMS
    form_class = PeriodForm

    def get_initial(self):
        today = timezone.localdate()
        return {"academic_year": today.year if today.month >= 8 else today.year - 1, "semester": 1}

    def form_valid(self, form):
        try:
            period = services.create_period(self.alliance, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Period %(name)s created: %(start)s – %(end)s, claims due by %(deadline)s.")
            % {"name": period.name, "start": period.starts_on.isoformat(), "end": period.ends_on.isoformat(),
               "deadline": period.claim_deadline.isoformat()},
        )  # fmt: skip
        return redirect("period-list", alliance_slug=self.alliance.slug)


class PeriodEditView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "subsidies/period_form.html"
    required_action = Action.MANAGE_PROGRAMS
    form_class = PeriodForm
    target_model, target_attribute = Period, "period"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["editing"] = True
        return kwargs

    def get_initial(self):
        return period_initial(self.period)

    def get_context_data(self, **kwargs):
        usage = services.period_usage(self.period)
        return {**super().get_context_data(**kwargs), "period": self.period, "usage": usage}

    def form_valid(self, form):
        try:
            services.update_period(self.period, actor=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Period %(name)s has been saved.") % {"name": self.period.name})
        return redirect("period-list", alliance_slug=self.alliance.slug)

"""Calculation-run pages: the list, starting a calculation (a background job whose progress the run page polls),
the run with its totals, disbursements and payer shares, its lines with the rule that decided each amount, the
steps finalise → approve → record payment, and the disbursement list (XLSX). Bureau officials use the same pages
to read and approve. The work is done by subsidies/services/runs.py and subsidies/calculation.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from django_htmx.http import HttpResponseClientRefresh

from alliances.forms import attach_errors
from alliances.generic import (
    PAGE_SIZE,
    AllianceDetailView,
    AllianceListView,
    AllianceObjectMixin,
    AllianceView,
)
from alliances.permissions import Action

from .. import disbursement as disbursement_list
from ..calculation import rule_label
from ..forms.runs import CalculateForm, FinaliseForm, PaymentForm, RunFilter, RunLineFilter
from ..models import CalculationRun, Disbursement, DisbursementShare, RunLine, RunStatus
from ..services import runs as services
from ..workflow import TransitionRefused


def runs():
    return CalculationRun.objects.select_related(
        "program", "period", "program_version", "job", "calculated_by", "finalised_by", "approved_by"
    )


def run_actions(run: CalculationRun, membership) -> dict:
    """Which steps the user may take on the run now (the pages show only these)."""
    calculating = services.calculation_in_progress(run)
    draft = run.status == RunStatus.DRAFT
    return {
        "calculating": calculating,
        "can_calculate": draft and not calculating and membership.can(Action.RUN_CALCULATIONS),
        "can_finalise": draft and not calculating and run.calculated_at is not None
        and membership.can(Action.FINALISE_RUNS),
        "can_approve": run.status == RunStatus.FINALISED and membership.can(Action.APPROVE_DISBURSEMENTS),
        "can_pay": run.status == RunStatus.BUREAU_APPROVED and membership.can(Action.FINALISE_RUNS),
        "can_reveal": membership.can(Action.REVEAL_PERSONAL_DATA),
    }  # fmt: skip


class RunListView(AllianceListView):
    template_name = "subsidies/run_list.html"
    required_action = Action.VIEW_DISBURSEMENTS
    filterset_class = RunFilter
    queryset = runs().order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_calculate"] = self.membership.can(Action.RUN_CALCULATIONS)
        return context


class RunCalculateView(AllianceView, FormView):
    """Choose a program and period; the calculation runs in the background and the run page shows its progress."""

    template_name = "subsidies/run_calculate.html"
    required_action = Action.RUN_CALCULATIONS
    form_class = CalculateForm

    def get_initial(self):
        return {key: self.request.GET.get(key) for key in ("program", "period") if self.request.GET.get(key)}

    def form_valid(self, form):
        try:
            run, _job = services.start_calculation(
                alliance=self.alliance, program=form.cleaned_data["program"], period=form.cleaned_data["period"],
                requested_by=self.request.user,
            )  # fmt: skip
        except TransitionRefused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.info(self.request, _("The calculation has started; this page shows how far it got."))
        return redirect("subsidy-run-detail", alliance_slug=self.alliance.slug, calculationrun_id=run.pk)


class RunDetailView(AllianceDetailView):
    """The run: totals, budget factor, per-enterprise disbursements with payer shares (paginated), the steps."""

    template_name = "subsidies/run_detail.html"
    required_action = Action.VIEW_DISBURSEMENTS
    context_object_name = "run"

    def get_queryset(self):
        return runs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        disbursements = (
            Disbursement.objects.filter(run=run)
            .select_related("enterprise", "claim")
            .prefetch_related(
                Prefetch("shares", queryset=DisbursementShare.objects.order_by("position", "pk"))
            )
            .order_by("enterprise__name", "enterprise_id")
        )
        paginator = Paginator(disbursements, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            run_actions(run, self.membership),
            payers=list(run.program_version.funding_shares.order_by("position", "pk")),
            disbursements=page.object_list,
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            query_without_page=query.urlencode(),
            finalise_form=FinaliseForm(initial={"token": run.token}),
        )
        return context


class RunProgressView(AllianceDetailView):
    """The progress of the run's calculation, polled by the run page; when the job ends the page reloads."""

    template_name = "subsidies/run_progress.html"
    required_action = Action.VIEW_DISBURSEMENTS
    context_object_name = "run"

    def get_queryset(self):
        return CalculationRun.objects.select_related("job")

    def get(self, request, *args, **kwargs):
        run = self.get_object()
        if not request.htmx:
            return redirect("subsidy-run-detail", alliance_slug=self.alliance.slug, calculationrun_id=run.pk)
        if not services.calculation_in_progress(run):
            return HttpResponseClientRefresh()
        self.object = run
        return self.render_to_response(self.get_context_data(object=run))


class RunLinesView(AllianceListView):
    """Every line of the run with its rule, explanation and amount."""

    template_name = "subsidies/run_lines.html"
    required_action = Action.VIEW_DISBURSEMENTS
    filterset_class = RunLineFilter
    paginate_by = 50

    def get_queryset(self):
        self.run = runs().filter(pk=self.kwargs["calculationrun_id"]).first()
        if self.run is None:
            raise Http404
        self.queryset = (
            RunLine.objects.filter(run=self.run)
            .select_related("enterprise", "claim_line__claim", "claim_line__school")
            .order_by("enterprise__name", "enterprise_id", "claim_line__position", "claim_line_id")
        )
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["run"] = self.run
        for line in context["object_list"]:
            line.rule_label = rule_label(line.rule)
        return context


class RunStepView(AllianceView, AllianceObjectMixin, FormView):
    """A confirmation page for one step of the run (finalise, approve, record payment)."""

    template_name = "subsidies/run_step.html"
    target_model = CalculationRun
    target_attribute = "run"
    step = ""
    title = ""
    form_class = FinaliseForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            run=self.run, step=self.step, title=self.title, **run_actions(self.run, self.membership)
        )
        return context

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.perform(form)
        except TransitionRefused as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        return redirect("subsidy-run-detail", alliance_slug=self.alliance.slug, calculationrun_id=self.run.pk)


class RunFinaliseView(RunStepView):
    required_action = Action.FINALISE_RUNS
    step = "finalise"

    title = gettext_lazy("Finalise the run")

    def get_initial(self):
        return {"token": self.run.token}

    def perform(self, form):
        services.finalise_run(self.run, actor=self.request.user, token=form.cleaned_data.get("token"))
        messages.success(self.request, _("The run is finalised; it now waits for the bureau's approval."))


class RunApproveView(RunStepView):
    required_action = Action.APPROVE_DISBURSEMENTS
    step = "approve"
    title = gettext_lazy("Approve the disbursement list")

    def perform(self, form):
        services.approve_run(self.run, actor=self.request.user)
        messages.success(self.request, _("The disbursement list is approved."))


class RunPayView(RunStepView):
    required_action = Action.FINALISE_RUNS
    step = "pay"
    form_class = PaymentForm
    title = gettext_lazy("Record the payment")

    def perform(self, form):
        services.record_payment(
            self.run, actor=self.request.user, reference=form.cleaned_data["payment_reference"],
            paid_on=form.cleaned_data["paid_on"],
        )  # fmt: skip
        messages.success(self.request, _("The payment is recorded."))


class RunDownloadView(AllianceDetailView):
    """The disbursement list (XLSX). Bank accounts in full only with `?accounts=full` for roles that may reveal
    personal data; every download is audited, with whether the accounts were revealed."""

    required_action = Action.VIEW_DISBURSEMENTS

    def get_queryset(self):
        return runs()

    def get(self, request, *args, **kwargs):
        run = self.get_object()
        reveal = request.GET.get("accounts") == "full" and self.membership.can(Action.REVEAL_PERSONAL_DATA)
        return disbursement_list.download_response(run, user=request.user, reveal_accounts=reveal)

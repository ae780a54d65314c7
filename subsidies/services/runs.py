"""Calculation runs: starting a calculation (a background job) and the run's way to payment.

    draft ──finalise──▶ finalised ──approve──▶ bureau_approved ──record payment──▶ paid
    (secretariat admin)            (bureau official)            (secretariat admin)

Who does what (separation of duties): secretariat staff and administrators calculate (Action.RUN_CALCULATIONS);
only an administrator finalises (FINALISE_RUNS); a bureau official approves the finalised list
(APPROVE_DISBURSEMENTS); the administrator then records the treasury's payment reference and date
(FINALISE_RUNS again: the secretariat receives the payment notice; bureau officials approve, they do not pay).

A draft can be calculated again as often as needed (it is replaced). Finalising freezes it, and from then on the
program and period cannot be calculated again: its approved claims are in that list, and a second list would pay
them twice. Finalising is refused while a calculation of the run is under way, when the run was calculated again
after the user opened it (the token they saw), and when claims were approved after the calculation (calculate
again first, so that no approved line is left out of the only list of the period).

Every step locks the run row, goes through `workflow.move_run` (which refuses a step the state machine does not
allow — the API answers 409) and is audited.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.audit import record_event
from alliances.jobs import enqueue_job

from ..calculation import approved_lines, version_in_force
from ..jobs import CALCULATION_JOB_KIND
from ..models import CalculationRun, Period, Program, RunStatus
from ..workflow import TransitionRefused, move_run


def _locked(run: CalculationRun) -> CalculationRun:
    return CalculationRun.objects.select_for_update(of=("self",)).select_related("job").get(pk=run.pk)


def _actor(user):
    return user if user is not None and user.is_authenticated else None


def frozen_run_of(program: Program, period: Period) -> CalculationRun | None:
    """The finalised (approved, paid) run of the program and period, if there is one."""
    return (
        CalculationRun.objects.filter(program=program, period=period)
        .exclude(status=RunStatus.DRAFT)
        .order_by("-pk")
        .first()
    )


def start_calculation(
    *, alliance, program: Program, period: Period, requested_by
) -> tuple[CalculationRun, object]:
    """Send the calculation of the program and period to the worker. Returns the draft run (created empty if
    there was none, so the page can show the progress) and the job; an identical calculation already queued or
    running is returned instead of a second one."""
    with transaction.atomic():
        Program.objects.select_for_update().get(pk=program.pk)
        frozen = frozen_run_of(program, period)
        if frozen is not None:
            raise TransitionRefused(
                _(
                    "%(program)s · %(period)s has a run that is “%(status)s”; its approved claims are in that "
                    "payment list and cannot be calculated again."
                )
                % {"program": program, "period": period, "status": frozen.get_status_display()}
            )
        version = version_in_force(program, period.starts_on)
        if version is None:
            raise ValidationError(
                {
                    "period": _(
                        "No version of %(program)s is in force on %(date)s, the first day of %(period)s."
                    )
                    % {"program": program, "date": period.starts_on.isoformat(), "period": period}
                }
            )
        run = (
            CalculationRun.objects.select_for_update()
            .filter(program=program, period=period, status=RunStatus.DRAFT)
            .order_by("pk")
            .first()
        )
        if run is None:
            run = CalculationRun.objects.create(
                alliance=alliance, program=program, period=period, program_version=version
            )
        job, _created = enqueue_job(
            alliance=alliance,
            kind=CALCULATION_JOB_KIND,
            parameters={"program": program.pk, "period": period.pk},
            requested_by=_actor(requested_by),
        )
        if run.job_id != job.pk:
            run.job = job
            run.save(update_fields=["job"])
    return run, job


def calculation_in_progress(run: CalculationRun) -> bool:
    return run.job_id is not None and run.job.is_active


def finalise_run(run: CalculationRun, *, actor, token=None) -> CalculationRun:
    """Freeze a calculated draft. `token` is the calculation the user looked at (refused if it changed since)."""
    with transaction.atomic():
        run = _locked(run)
        if run.status == RunStatus.DRAFT:
            if calculation_in_progress(run):
                raise TransitionRefused(
                    _("A calculation of this run is in progress; wait until it has finished.")
                )
            if run.calculated_at is None:
                raise TransitionRefused(_("This run has not been calculated yet."))
            if token and str(token) != str(run.token):
                raise TransitionRefused(
                    _(
                        "The run was calculated again after you opened it; check the new figures before finalising."
                    )
                )
            approved_now = approved_lines(run.program, run.period).count()
            if approved_now != run.lines_considered:
                raise TransitionRefused(
                    _(
                        "%(now)d lines are approved now but the calculation counted %(then)d: claims were "
                        "approved since. Calculate again before finalising."
                    )
                    % {"now": approved_now, "then": run.lines_considered}
                )
        move_run(run, RunStatus.FINALISED, finalised_at=timezone.now(), finalised_by=_actor(actor))
    return run


def approve_run(run: CalculationRun, *, actor) -> CalculationRun:
    """The bureau approves the finalised disbursement list."""
    with transaction.atomic():
        run = _locked(run)
        move_run(run, RunStatus.BUREAU_APPROVED, approved_at=timezone.now(), approved_by=_actor(actor))
    return run


def record_payment(run: CalculationRun, *, actor, reference: str, paid_on: datetime.date) -> CalculationRun:
    """The treasury paid the approved list: its payment reference and the date."""
    reference = (reference or "").strip()
    errors = {}
    if not reference:
        errors["payment_reference"] = _("Give the payment reference of the treasury's transfer.")
    if paid_on is None:
        errors["paid_on"] = _("Give the date of the payment.")
    elif paid_on > timezone.localdate():
        errors["paid_on"] = _("The payment date cannot be in the future.")
    with transaction.atomic():
        run = _locked(run)
        if run.status == RunStatus.BUREAU_APPROVED and paid_on and run.approved_at:
            if paid_on < timezone.localdate(run.approved_at):
                errors["paid_on"] = _("The payment date cannot be before the bureau's approval.")
        if errors and run.status == RunStatus.BUREAU_APPROVED:
            raise ValidationError(errors)
        move_run(run, RunStatus.PAID, payment_reference=reference, paid_on=paid_on)
        record_event(
            "subsidies.run.payment_recorded",
            run,
            detail={
                "payment_reference": reference[:100],
                "paid_on": paid_on.isoformat(),
                "total": str(run.total),
            },
        )
    return run

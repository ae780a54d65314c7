"""The claim state machine (design.md) and the run state machine, stated once.

Services lock the row (`select_for_update`), then call `move_claim` / `move_run`, which refuse a transition
the machine does not allow, write the history row and the audit entry, and save — all inside the
caller's transaction.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.audit import record_event

from .models import CalculationRun, Claim, ClaimStatus, ClaimTransition, RunStatus

S = ClaimStatus
CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.SCHOOL_CONFIRMATION, S.UNDER_REVIEW}),
    S.SCHOOL_CONFIRMATION: frozenset({S.UNDER_REVIEW}),
    S.UNDER_REVIEW: frozenset({S.RETURNED, S.APPROVED, S.REJECTED}),
    S.RETURNED: frozenset({S.SUBMITTED}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
}
# Statuses in which the enterprise may change lines and documents.
EDITABLE_CLAIM_STATUSES = frozenset({S.DRAFT, S.RETURNED})

R = RunStatus
RUN_TRANSITIONS: dict[str, frozenset[str]] = {
    R.DRAFT: frozenset({R.FINALISED}),
    R.FINALISED: frozenset({R.BUREAU_APPROVED}),
    R.BUREAU_APPROVED: frozenset({R.PAID}),
    R.PAID: frozenset(),
}


class TransitionRefused(Exception):
    """The object is not in a state that allows this step (the API answers 409)."""


def can_move_claim(claim: Claim, to_status: str) -> bool:
    return to_status in CLAIM_TRANSITIONS[claim.status]


def move_claim(claim: Claim, to_status: str, *, actor=None, reason: str = "") -> ClaimTransition:
    if not can_move_claim(claim, to_status):
        raise TransitionRefused(
            _("A claim that is “%(current)s” cannot become “%(target)s”.")
            % {"current": S(claim.status).label, "target": S(to_status).label}
        )
    previous = claim.status
    claim.status = to_status
    claim.revision += 1
    if to_status in (S.APPROVED, S.REJECTED):
        claim.decided_at = timezone.now()
    claim.save()
    transition = ClaimTransition.objects.create(
        alliance_id=claim.alliance_id, claim=claim, from_status=previous, to_status=to_status, reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )  # fmt: skip
    record_event(
        f"subsidies.claim.{to_status}",
        claim,
        detail={"from": previous, "to": to_status, "reason": reason[:500]},
    )
    return transition


def move_run(run: CalculationRun, to_status: str, **changes) -> None:
    if to_status not in RUN_TRANSITIONS[run.status]:
        raise TransitionRefused(
            _("A run that is “%(current)s” cannot become “%(target)s”.")
            % {"current": R(run.status).label, "target": R(to_status).label}
        )
    previous = run.status
    run.status = to_status
    for name, value in changes.items():
        setattr(run, name, value)
    run.save()
    record_event(f"subsidies.run.{to_status}", run, detail={"from": previous, "to": to_status})

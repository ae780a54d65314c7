"""School confirmation and the secretariat's review of a claim (design.md, Workflows):

    submitted → school_confirmation → under_review → (returned → submitted) → approved | rejected

- `start_confirmation` (called by `claims.submit_claim`): the claim waits for the schools whose students are on
  it and still need their decision, or goes straight to review when none does. Returned lines of a resubmitted
  claim are reviewed again.
- `confirm_students` / `confirm_all_students`: a school confirms or denies its own students' lines (a denial
  needs a note); when the last school has decided, the claim moves on to review by itself.
- `review_lines` / `approve_clean_lines`: the secretariat decides line by line. Each decision carries the
  line's `revision` the reviewer saw; if the line changed meanwhile the whole request is refused
  (`StaleRevision`) and nothing changes.
- `decide_claim`: approve, return for correction, or reject the whole claim.

Every service locks the claim row first (`select_for_update`), then the lines it touches in primary-key order,
inside one transaction: two reviewers acting at once are serialised on the claim row, so a claim is approved
once and no decision overwrites another unseen. A refused step raises `TransitionRefused` (a state conflict:
409 in the API), bad input a `ValidationError` (400).
"""

from __future__ import annotations

from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alliances.audit import record_event

from ..models import Claim, ClaimLine, ClaimStatus, LineReview, SchoolDecision
from ..workflow import TransitionRefused, move_claim

S = ClaimStatus
REVIEW_DECISIONS = (LineReview.APPROVED, LineReview.REJECTED, LineReview.RETURNED)
SCHOOL_DECISIONS = (SchoolDecision.CONFIRMED, SchoolDecision.DENIED)
REASON_MAX = ClaimLine._meta.get_field("review_reason").max_length
NOTE_MAX = ClaimLine._meta.get_field("school_note").max_length


class ClaimDecision(models.TextChoices):
    APPROVE = "approve", gettext_lazy("Approve the claim")
    RETURN = "return", gettext_lazy("Return it for correction")
    REJECT = "reject", gettext_lazy("Reject the whole claim")


DECISION_TARGETS = {
    ClaimDecision.APPROVE: S.APPROVED,
    ClaimDecision.RETURN: S.RETURNED,
    ClaimDecision.REJECT: S.REJECTED,
}


class StaleRevision(TransitionRefused):
    """A line (or the claim) changed after the user loaded it: nothing was changed, they must reload."""


@dataclass(frozen=True)
class SchoolDecisionResult:
    confirmed: int
    denied: int
    moved_to_review: bool


# --- helpers ---------------------------------------------------------------------------------------------


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock_claim(claim: Claim | int) -> Claim:
    """The claim row, locked until the end of the transaction, read afresh (never the caller's stale copy)."""
    pk = claim.pk if isinstance(claim, Claim) else claim
    return Claim.objects.select_for_update().get(pk=pk)


def _sync(target: Claim | int, fresh: Claim) -> None:
    """Let the caller's instance see what changed."""
    if isinstance(target, Claim) and target is not fresh:
        for name in ("status", "revision", "decided_at", "review_note", "updated_at"):
            setattr(target, name, getattr(fresh, name))


def _label(line: ClaimLine) -> str:
    return _("line %(position)s (%(name)s)") % {"position": line.position, "name": line.student_name}


def _as_int(value, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            _("%(what)s is not a number: %(value)s") % {"what": what, "value": value}
        ) from None


def lines_waiting_for_schools(claim: Claim):
    """Lines whose school still has to confirm or deny the student (a rejected line needs nobody any more)."""
    return ClaimLine.objects.filter(
        claim=claim, school__isnull=False, school_decision=SchoolDecision.PENDING
    ).exclude(review=LineReview.REJECTED)


def approval_obstacles(line: ClaimLine) -> list[str]:
    """Why this line cannot be approved now (empty when it can): the school's denial or silence, error findings."""
    obstacles = []
    if line.school_id is not None and line.school_decision == SchoolDecision.DENIED:
        obstacles.append(
            _("%(line)s: the school denied this student (%(note)s).")
            % {"line": _label(line), "note": line.school_note or _("no note")}
        )
    elif line.school_id is not None and line.school_decision == SchoolDecision.PENDING:
        obstacles.append(
            _("%(line)s: the school has not confirmed this student yet.") % {"line": _label(line)}
        )
    if line.has_errors:
        errors = [p for p in line.findings if p.get("severity") == "error"]  # in the reader's language
        findings = "; ".join(f"{p.get('code', '')}: {p.get('message', '')}" for p in errors) or _(
            "see the checks"
        )
        obstacles.append(
            _("%(line)s has findings that stop approval: %(findings)s")
            % {"line": _label(line), "findings": findings}
        )
    return obstacles


# --- school confirmation -----------------------------------------------------------------------------------


def start_confirmation(claim: Claim, actor=None) -> Claim:
    """A claim just submitted (or resubmitted) goes to the schools that still have to decide, else to review.

    Lines the secretariat had returned are reviewed again; the schools see only lines whose decision is pending
    (new lines, or lines the enterprise changed after a return). Schools are told by e-mail after commit.
    """
    with transaction.atomic():
        locked = _lock_claim(claim)
        if locked.status != S.SUBMITTED:
            raise TransitionRefused(
                _("Only a submitted claim goes to the schools; this one is “%(status)s”.")
                % {"status": locked.get_status_display()}
            )
        ClaimLine.objects.filter(claim=locked, review=LineReview.RETURNED).update(
            review=LineReview.PENDING, reviewed_at=None, reviewed_by=None, revision=F("revision") + 1
        )
        school_ids = sorted(set(lines_waiting_for_schools(locked).values_list("school_id", flat=True)))
        if school_ids:
            move_claim(locked, S.SCHOOL_CONFIRMATION, actor=actor)
            claim_id, alliance_id = locked.pk, locked.alliance_id
            transaction.on_commit(lambda: notify_schools(claim_id, alliance_id, school_ids))
        else:
            move_claim(locked, S.UNDER_REVIEW, actor=actor)
    _sync(claim, locked)
    return locked


def confirm_students(school, claim: Claim, decisions: dict, actor=None) -> SchoolDecisionResult:
    """`decisions`: {line_id: (decision, note)} with decision "confirmed" or "denied" (a denial needs a note).

    Only lines of `school` (the representative's own unit) on this claim; any other line refuses the request.
    """
    school_id = getattr(school, "pk", school)
    if not decisions:
        raise ValidationError(_("Choose at least one student."))
    wanted: dict[int, tuple[str, str]] = {}
    errors = []
    for line_id, (decision, note) in decisions.items():
        note = (note or "").strip()
        if decision not in SCHOOL_DECISIONS:
            errors.append(_("“%(value)s” is not a school decision.") % {"value": decision})
        elif decision == SchoolDecision.DENIED and not note:
            errors.append(_("Say why the student is denied."))
        if len(note) > NOTE_MAX:
            errors.append(_("A note has at most %(max)d characters.") % {"max": NOTE_MAX})
        wanted[_as_int(line_id, _("A line"))] = (decision, note)
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))
    with transaction.atomic():
        locked = _lock_claim(claim)
        _require_confirmation(locked)
        lines = list(ClaimLine.objects.select_for_update().filter(claim=locked, pk__in=wanted).order_by("pk"))
        foreign = sorted(set(wanted) - {line.pk for line in lines if line.school_id == school_id})
        if foreign:
            raise ValidationError(
                ngettext(
                    "Line %(lines)s is not a student of your school on this claim.",
                    "Lines %(lines)s are not students of your school on this claim.",
                    len(foreign),
                )
                % {"lines": ", ".join(map(str, foreign))}
            )
        result = _record_school_decisions(locked, school_id, lines, wanted, actor)
    _sync(claim, locked)
    return result


def confirm_all_students(school, claim: Claim, actor=None) -> SchoolDecisionResult:
    """Confirm every student of `school` on the claim that still waits for the school's decision."""
    school_id = getattr(school, "pk", school)
    with transaction.atomic():
        locked = _lock_claim(claim)
        _require_confirmation(locked)
        lines = list(
            ClaimLine.objects.select_for_update()
            .filter(claim=locked, school_id=school_id, school_decision=SchoolDecision.PENDING)
            .order_by("pk")
        )
        if not lines:
            raise TransitionRefused(_("No student of your school waits for your decision on this claim."))
        wanted = {line.pk: (SchoolDecision.CONFIRMED, "") for line in lines}
        result = _record_school_decisions(locked, school_id, lines, wanted, actor)
    _sync(claim, locked)
    return result


def _require_confirmation(claim: Claim) -> None:
    if claim.status != S.SCHOOL_CONFIRMATION:
        raise TransitionRefused(
            _("Schools confirm students only while the claim waits for them; this one is “%(status)s”.")
            % {"status": claim.get_status_display()}
        )


def _record_school_decisions(claim, school_id, lines, wanted, actor) -> SchoolDecisionResult:
    now = timezone.now()
    for line in lines:
        line.school_decision, line.school_note = wanted[line.pk]
        line.school_decided_at = now
        line.revision += 1
    ClaimLine.objects.bulk_update(lines, ["school_decision", "school_note", "school_decided_at", "revision"])
    confirmed = [line.pk for line in lines if line.school_decision == SchoolDecision.CONFIRMED]
    denied = [line.pk for line in lines if line.school_decision == SchoolDecision.DENIED]
    record_event(
        "subsidies.claim.school_decided",
        claim,
        detail={"school": school_id, "confirmed": confirmed, "denied": denied},
        user=_user(actor),
    )
    moved = not lines_waiting_for_schools(claim).exists()
    if moved:
        move_claim(claim, S.UNDER_REVIEW, actor=actor)
    return SchoolDecisionResult(confirmed=len(confirmed), denied=len(denied), moved_to_review=moved)


# --- e-mail to the schools ---------------------------------------------------------------------------------


def notify_schools(claim_id: int, alliance_id: int, school_ids: list[int]) -> None:
    send_confirmation_requests.delay(claim_id, alliance_id, list(school_ids))


@shared_task(acks_late=True, name="subsidies.send_confirmation_requests")
def send_confirmation_requests(claim_id: int, alliance_id: int, school_ids: list[int]) -> int:
    return send_confirmation_requests_now(claim_id, alliance_id, school_ids)


def school_addresses(school_ids) -> dict[int, list[str]]:
    """Each school's contact addresses (primary first) and its representatives' account addresses."""
    from alliances.models import Grant
    from alliances.permissions import Role
    from members.models import Contact

    addresses: dict[int, list[str]] = {pk: [] for pk in school_ids}
    contacts = (
        Contact.objects.filter(member_unit_id__in=school_ids)
        .exclude(email="")
        .order_by("member_unit_id", "-is_primary", "pk")
        .values_list("member_unit_id", "email")
    )
    representatives = (
        Grant.objects.filter(
            member_unit_id__in=school_ids, role=Role.MEMBER_REPRESENTATIVE, user__is_active=True
        )
        .exclude(user__email="")
        .order_by("member_unit_id", "pk")
        .values_list("member_unit_id", "user__email")
    )
    for unit_id, email in [*contacts, *representatives]:
        addresses[unit_id].append(email)
    return {pk: list(dict.fromkeys(emails)) for pk, emails in addresses.items()}


def send_confirmation_requests_now(claim_id: int, alliance_id: int, school_ids: list[int]) -> int:
    """One message per school with students waiting on the claim; returns how many were sent."""
    from django.core.mail import EmailMessage, get_connection
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    from alliances.models import Alliance
    from alliances.tenancy import scope
    from members.models import MemberUnit

    with scope(alliance_id), translation.override(settings.LANGUAGE_CODE):
        claim = Claim.objects.select_related("enterprise", "program", "period").filter(pk=claim_id).first()
        if claim is None or claim.status != S.SCHOOL_CONFIRMATION:
            return 0
        alliance = Alliance.objects.get(pk=alliance_id)
        waiting = dict(
            lines_waiting_for_schools(claim)
            .filter(school_id__in=school_ids)
            .order_by()
            .values_list("school_id")
            .annotate(n=Count("pk"))
        )
        schools = {unit.pk: unit for unit in MemberUnit.objects.filter(pk__in=waiting)}
        addresses = school_addresses(list(waiting))
        link = settings.SITE_URL + reverse(
            "claim-confirm", kwargs={"alliance_slug": alliance.slug, "claim_id": claim.pk}
        )
        messages = []
        for school_id, count in sorted(waiting.items()):
            if not addresses.get(school_id):
                continue
            context = {"alliance": alliance, "claim": claim, "school": schools[school_id], "count": count,
                       "link": link}  # fmt: skip
            subject = render_to_string("subsidies/confirm_email_subject.txt", context).strip()
            body = render_to_string("subsidies/confirm_email.txt", context)
            messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, addresses[school_id]))
        sent = 0
        if messages:
            with get_connection() as connection:
                sent = connection.send_messages(messages) or 0
        record_event(
            "subsidies.claim.schools_notified",
            claim,
            detail={"schools": sorted(waiting), "messages": sent},
        )
        return sent


# --- secretariat review ------------------------------------------------------------------------------------


def _require_review(claim: Claim) -> None:
    if claim.status != S.UNDER_REVIEW:
        raise TransitionRefused(
            _("Lines are reviewed only while the claim is under review; this one is “%(status)s”.")
            % {"status": claim.get_status_display()}
        )


def review_lines(claim: Claim, decisions: dict, actor=None) -> list[ClaimLine]:
    """`decisions`: {line_id: (review, reason, expected_revision)}, review ∈ approved / rejected / returned.

    All or nothing: a line that changed since the reviewer saw it (its revision differs) refuses the whole
    request with `StaleRevision`; a missing reason, a line the school denied, or a line with error findings
    refuses it with a `ValidationError`. Returns the changed lines.
    """
    if not decisions:
        raise ValidationError(_("Choose at least one line."))
    wanted: dict[int, tuple[str, str, int]] = {}
    for line_id, (review, reason, expected) in decisions.items():
        if review not in REVIEW_DECISIONS:
            raise ValidationError(_("“%(value)s” is not a review decision.") % {"value": review})
        reason = (reason or "").strip()
        if len(reason) > REASON_MAX:
            raise ValidationError(_("A reason has at most %(max)d characters.") % {"max": REASON_MAX})
        wanted[_as_int(line_id, _("A line"))] = (review, reason, _as_int(expected, _("A revision")))
    with transaction.atomic():
        locked = _lock_claim(claim)
        _require_review(locked)
        lines = list(ClaimLine.objects.select_for_update().filter(claim=locked, pk__in=wanted).order_by("pk"))
        missing = sorted(set(wanted) - {line.pk for line in lines})
        if missing:
            raise ValidationError(
                ngettext(
                    "Line %(lines)s is not on this claim.",
                    "Lines %(lines)s are not on this claim.",
                    len(missing),
                )
                % {"lines": ", ".join(map(str, missing))}
            )
        stale = [line for line in lines if line.revision != wanted[line.pk][2]]
        if stale:
            raise StaleRevision(
                _(
                    "%(lines)s changed by someone else since you opened it. Nothing was saved: reload and decide again."
                )
                % {
                    "lines": ", ".join(
                        _label(line) for line in sorted(stale, key=lambda ln: (ln.position, ln.pk))
                    )
                }
            )
        errors = []
        for line in sorted(lines, key=lambda ln: (ln.position, ln.pk)):
            review, reason, _revision = wanted[line.pk]
            if review != LineReview.APPROVED and not reason:
                errors.append(_("%(line)s: give a reason to reject or return it.") % {"line": _label(line)})
            if review == LineReview.APPROVED:
                errors.extend(approval_obstacles(line))
        if errors:
            raise ValidationError(errors)
        now, user = timezone.now(), _user(actor)
        for line in lines:
            line.review, line.review_reason, _revision = wanted[line.pk]
            if line.review == LineReview.APPROVED:
                line.review_reason = ""
            line.reviewed_at, line.reviewed_by = now, user
            line.revision += 1
        ClaimLine.objects.bulk_update(
            lines, ["review", "review_reason", "reviewed_at", "reviewed_by", "revision"]
        )
        record_event(
            "subsidies.claim.lines_reviewed",
            locked,
            detail={
                review: [line.pk for line in lines if line.review == review] for review in REVIEW_DECISIONS
            },
            user=user,
        )
    _sync(claim, locked)
    return lines


def approve_clean_lines(claim: Claim, actor=None) -> int:
    """Approve every line not yet reviewed that has no finding at all and that its school confirmed (or that
    names no school). Decisions already taken are never touched. Returns how many lines were approved."""
    with transaction.atomic():
        locked = _lock_claim(claim)
        _require_review(locked)
        candidates = ClaimLine.objects.select_for_update().filter(claim=locked, review=LineReview.PENDING)
        lines = [
            line
            for line in candidates.order_by("pk")
            if not line.problems and not line.has_errors and not approval_obstacles(line)
        ]
        if lines:
            now, user = timezone.now(), _user(actor)
            for line in lines:
                line.review, line.review_reason, line.reviewed_at, line.reviewed_by = (
                    LineReview.APPROVED, "", now, user,
                )  # fmt: skip
                line.revision += 1
            ClaimLine.objects.bulk_update(
                lines, ["review", "review_reason", "reviewed_at", "reviewed_by", "revision"]
            )
            record_event(
                "subsidies.claim.lines_reviewed",
                locked,
                detail={"approved": [line.pk for line in lines], "bulk": "without_findings"},
                user=user,
            )
    _sync(claim, locked)
    return len(lines)


def line_counts(claim: Claim) -> dict[str, int]:
    """How many lines of the claim are in each review state, in one query."""
    return ClaimLine.objects.filter(claim=claim).aggregate(
        total=Count("pk"),
        **{review.value: Count("pk", filter=Q(review=review)) for review in LineReview},
        approved_with_errors=Count("pk", filter=Q(review=LineReview.APPROVED, has_errors=True)),
    )


def decide_claim(
    claim: Claim, decision: str, reason: str = "", actor=None, *, expected_revision: int | None = None
) -> Claim:
    """Approve (every line approved or rejected, at least one approved), return for correction (at least one
    line returned), or reject the whole claim (a reason is required). Rejected lines stay rejected."""
    if decision not in ClaimDecision.values:
        raise ValidationError({"decision": _("“%(value)s” is not a claim decision.") % {"value": decision}})
    reason = (reason or "").strip()
    if decision == ClaimDecision.REJECT and not reason:
        raise ValidationError({"reason": _("Say why the claim is rejected.")})
    with transaction.atomic():
        locked = _lock_claim(claim)
        if expected_revision is not None and locked.revision != _as_int(expected_revision, _("A revision")):
            raise StaleRevision(
                _("The claim changed since you opened it (now “%(status)s”). Nothing was saved: reload it.")
                % {"status": locked.get_status_display()}
            )
        if locked.status != S.UNDER_REVIEW:
            raise TransitionRefused(
                _("Only a claim under review can be decided; this one is “%(status)s”.")
                % {"status": locked.get_status_display()}
            )
        counts = line_counts(locked)
        if decision == ClaimDecision.APPROVE:
            open_lines = counts[LineReview.PENDING] + counts[LineReview.RETURNED]
            if open_lines:
                raise TransitionRefused(
                    ngettext(
                        "Decide every line first: %(count)d line is not approved or rejected.",
                        "Decide every line first: %(count)d lines are not approved or rejected.",
                        open_lines,
                    )
                    % {"count": open_lines}
                )
            if not counts[LineReview.APPROVED]:
                raise TransitionRefused(_("No line is approved: reject the claim instead."))
            if counts["approved_with_errors"]:
                raise TransitionRefused(
                    _("An approved line now has findings that stop approval: reject or return it first.")
                )
        elif decision == ClaimDecision.RETURN and not counts[LineReview.RETURNED]:
            raise TransitionRefused(_("Return at least one line for correction first."))
        locked.review_note = reason
        move_claim(locked, DECISION_TARGETS[ClaimDecision(decision)], actor=actor, reason=reason)
    _sync(claim, locked)
    return locked


# --- reads: the review queue --------------------------------------------------------------------------------

QUEUE_ORDER = [S.UNDER_REVIEW, S.SCHOOL_CONFIRMATION, S.SUBMITTED, S.RETURNED, S.APPROVED, S.REJECTED]


def queue_queryset():
    """Claims with their line counts, in one query (no query per claim)."""
    return (
        Claim.objects.exclude(status=S.DRAFT)
        .select_related("enterprise", "program", "period")
        .annotate(
            line_total=Count("lines"),
            lines_pending=Count("lines", filter=Q(lines__review=LineReview.PENDING)),
            lines_approved=Count("lines", filter=Q(lines__review=LineReview.APPROVED)),
            lines_rejected=Count("lines", filter=Q(lines__review=LineReview.REJECTED)),
            lines_returned=Count("lines", filter=Q(lines__review=LineReview.RETURNED)),
            lines_with_errors=Count("lines", filter=Q(lines__has_errors=True)),
            lines_school_waiting=Count(
                "lines", filter=Q(lines__school__isnull=False, lines__school_decision=SchoolDecision.PENDING)
            ),
            lines_school_denied=Count("lines", filter=Q(lines__school_decision=SchoolDecision.DENIED)),
            queue_position=Case(
                *[When(status=status, then=Value(index)) for index, status in enumerate(QUEUE_ORDER)],
                default=Value(len(QUEUE_ORDER)),
                output_field=IntegerField(),
            ),
        )
        .order_by("queue_position", "submitted_at", "pk")
    )


def status_counts(program=None, period=None) -> list[tuple[str, str, int]]:
    """(status, label, claims) for the queue's tabs, in one query, within the chosen program and period."""
    queryset = Claim.objects.exclude(status=S.DRAFT)
    if program is not None:
        queryset = queryset.filter(program=program)
    if period is not None:
        queryset = queryset.filter(period=period)
    counts = queryset.aggregate(
        **{status.value: Count("pk", filter=Q(status=status)) for status in QUEUE_ORDER}
    )
    return [(status.value, status.label, counts[status.value]) for status in QUEUE_ORDER]

"""Pages of school confirmation (the school's inbox and its students on one claim) and of the secretariat's
review (the queue, and one claim line by line with htmx row updates). The rules are in services/review.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from alliances.forms import attach_errors, error_messages
from alliances.generic import AllianceListView, AllianceObjectMixin, AllianceView
from alliances.permissions import Action

from ..checks import refresh_claim_checks
from ..forms.review import (
    BulkLineReviewForm,
    ClaimDecisionForm,
    LineReviewForm,
    ReviewQueueFilter,
    SchoolDecisionForm,
)
from ..models import Claim, ClaimDocument, ClaimLine, ClaimStatus, ClaimTransition, LineReview, SchoolDecision
from ..services import review as services
from ..workflow import TransitionRefused

S = ClaimStatus
# Claims whose findings are refreshed when a reviewer opens them (decided claims are left as they were).
OPEN_STATUSES = (S.SUBMITTED, S.SCHOOL_CONFIRMATION, S.UNDER_REVIEW)


def _status_code(exc: Exception) -> int:
    return 409 if isinstance(exc, TransitionRefused) else 400


# --- the school's side ---------------------------------------------------------------------------------------


class ConfirmationInboxView(AllianceListView):
    """Claims with students of the representative's school: those waiting for the school first."""

    template_name = "subsidies/confirm_inbox.html"
    required_action = Action.CONFIRM_STUDENTS

    def get_queryset(self):
        unit_id = self.membership.member_unit_id
        self.show_all = self.request.GET.get("show") == "all"
        mine = Q(lines__school_id=unit_id)
        queryset = (
            Claim.objects.exclude(status=S.DRAFT)
            .select_related("enterprise", "program", "period")
            .annotate(
                students=Count("lines", filter=mine),
                waiting=Count("lines", filter=mine & Q(lines__school_decision=SchoolDecision.PENDING)),
                confirmed=Count("lines", filter=mine & Q(lines__school_decision=SchoolDecision.CONFIRMED)),
                denied=Count("lines", filter=mine & Q(lines__school_decision=SchoolDecision.DENIED)),
            )
            .filter(students__gt=0)
        )
        if not self.show_all:
            queryset = queryset.filter(status=S.SCHOOL_CONFIRMATION)
        self.queryset = queryset.annotate(
            waiting_first=Case(
                When(waiting__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        ).order_by("waiting_first", "submitted_at", "pk")
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "show_all": self.show_all}


class SchoolClaimMixin(AllianceView, AllianceObjectMixin):
    """One claim as a school sees it: only its own students' lines; a claim without any of them is 404."""

    required_action = Action.CONFIRM_STUDENTS
    target_model, target_attribute = Claim, "claim"

    def my_lines(self):
        return (
            ClaimLine.objects.filter(claim=self.claim, school_id=self.membership.member_unit_id)
            .select_related("order_class")
            .order_by("position", "pk")
        )

    def get_claim_lines(self) -> list[ClaimLine]:
        lines = list(self.my_lines())
        if not lines or self.claim.status == S.DRAFT:
            raise Http404
        return lines

    def page_url(self) -> str:
        return reverse(
            "claim-confirm", kwargs={"alliance_slug": self.alliance.slug, "claim_id": self.claim.pk}
        )

    def announce(self, result: services.SchoolDecisionResult) -> None:
        messages.success(
            self.request,
            _("Saved: %(confirmed)d confirmed, %(denied)d denied.")
            % {"confirmed": result.confirmed, "denied": result.denied},
        )
        if result.moved_to_review:
            messages.info(
                self.request, _("Every school has decided: the claim goes to the secretariat for review.")
            )


class ClaimConfirmView(SchoolClaimMixin, View):
    template_name = "subsidies/confirm_claim.html"

    def render_page(self, lines, form=None, status=200):
        claim = Claim.objects.select_related("enterprise", "program", "period").get(pk=self.claim.pk)
        can_decide = claim.status == S.SCHOOL_CONFIRMATION
        context = {
            "claim": claim, "lines": lines, "can_decide": can_decide,
            "waiting": sum(line.school_decision == SchoolDecision.PENDING for line in lines),
            "form": form or SchoolDecisionForm(line_ids=[line.pk for line in lines]),
        }  # fmt: skip
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_page(self.get_claim_lines())

    def post(self, request, *args, **kwargs):
        lines = self.get_claim_lines()
        form = SchoolDecisionForm(request.POST, line_ids=[line.pk for line in lines])
        if not form.is_valid():
            return self.render_page(lines, form, status=400)
        try:
            result = services.confirm_students(
                self.membership.member_unit_id, self.claim, form.decisions(), actor=request.user
            )
        except (ValidationError, TransitionRefused) as exc:
            form.add_error(None, error_messages(exc))
            return self.render_page(list(self.my_lines()), form, status=_status_code(exc))
        self.announce(result)
        return redirect(self.page_url())


class ClaimConfirmAllView(SchoolClaimMixin, View):
    def post(self, request, *args, **kwargs):
        self.get_claim_lines()
        try:
            result = services.confirm_all_students(
                self.membership.member_unit_id, self.claim, actor=request.user
            )
        except (ValidationError, TransitionRefused) as exc:
            for message in error_messages(exc):
                messages.error(request, message)
        else:
            self.announce(result)
        return redirect(self.page_url())


# --- the secretariat's queue ---------------------------------------------------------------------------------


class ReviewQueueView(AllianceListView):
    template_name = "subsidies/review_queue.html"
    required_action = Action.REVIEW_CLAIMS
    filterset_class = ReviewQueueFilter

    def get_queryset(self):
        self.queryset = services.queue_queryset()
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = (
            self.filterset.form.cleaned_data if self.filterset.is_bound and self.filterset.is_valid() else {}
        )
        context["status_counts"] = services.status_counts(chosen.get("program"), chosen.get("period"))
        context["current_status"] = chosen.get("status") or ""
        query = self.request.GET.copy()
        for key in ("status", "page"):
            query.pop(key, None)
        context["query_without_status"] = query.urlencode()
        return context


# --- one claim under review ----------------------------------------------------------------------------------


def review_lines_queryset(claim: Claim):
    return (
        ClaimLine.objects.filter(claim=claim)
        .select_related("school", "order_class", "reviewed_by")
        .order_by("position", "pk")
    )


def counts_of(lines) -> dict:
    """The review summary of a claim, from lines already loaded."""
    counts = {review.value: 0 for review in LineReview}
    for line in lines:
        counts[line.review] += 1
    counts["total"] = len(lines)
    counts["with_errors"] = sum(line.has_errors for line in lines)
    counts["school_denied"] = sum(line.school_decision == SchoolDecision.DENIED for line in lines)
    counts["school_waiting"] = sum(
        line.school_id is not None and line.school_decision == SchoolDecision.PENDING for line in lines
    )
    return counts


class ClaimReviewMixin(AllianceView, AllianceObjectMixin):
    required_action = Action.REVIEW_CLAIMS
    target_model, target_attribute = Claim, "claim"

    def review_url(self) -> str:
        return reverse(
            "claim-review", kwargs={"alliance_slug": self.alliance.slug, "claim_id": self.claim.pk}
        )

    def fresh_claim(self) -> Claim:
        return Claim.objects.select_related(
            "enterprise", "program", "period", "program_version", "created_by"
        ).get(pk=self.claim.pk)

    def line_context(self, claim: Claim, lines: list[ClaimLine]) -> dict:
        editable = claim.status == S.UNDER_REVIEW
        return {
            "claim": claim, "lines": lines, "counts": counts_of(lines), "editable": editable,
            "bulk_form": BulkLineReviewForm(line_ids=[line.pk for line in lines], auto_id="bulk_%s"),
        }  # fmt: skip

    def render_review(self, *, decision_form=None, bulk_form=None, errors=(), status=200):
        claim = self.fresh_claim()
        if claim.status in OPEN_STATUSES:
            refresh_findings(claim)
        lines = list(review_lines_queryset(claim))
        context = self.line_context(claim, lines)
        if bulk_form is not None:
            context["bulk_form"] = bulk_form
        context.update(
            decision_form=decision_form or ClaimDecisionForm(initial={"revision": claim.revision}),
            transitions=ClaimTransition.objects.filter(claim=claim)
            .select_related("actor")
            .order_by("at", "pk"),
            documents=ClaimDocument.objects.filter(claim=claim).order_by("pk"),
            section_errors=list(errors),
        )
        return render(self.request, "subsidies/review_claim.html", context, status=status)

    def render_section(self, *, bulk_form=None, errors=(), notice="", status=200):
        """The htmx answer to a bulk action: the lines section (and the counts, out of band)."""
        claim = self.fresh_claim()
        context = self.line_context(claim, list(review_lines_queryset(claim)))
        if bulk_form is not None:
            context["bulk_form"] = bulk_form
        context.update(section_errors=list(errors), section_notice=notice, oob=True)
        return render(self.request, "subsidies/review_lines.html", context, status=status)


def refresh_findings(claim: Claim) -> None:
    """Run the compliance checks again, so that reviewers see duplicates claimed by other enterprises since."""
    refresh_claim_checks(claim)


class ClaimReviewView(ClaimReviewMixin, View):
    def get(self, request, *args, **kwargs):
        return self.render_review()


class ReviewLineView(ClaimReviewMixin, View):
    """One row's decision. htmx gets the row back (with the error, if any); a plain form post is redirected."""

    def post(self, request, *args, **kwargs):
        line = ClaimLine.objects.filter(claim=self.claim, pk=kwargs.get("claimline_id")).first()
        if line is None:
            raise Http404
        form = LineReviewForm(request.POST)
        error = ""
        if not form.is_valid():
            error = " ".join(e for errors in form.errors.values() for e in errors)
        else:
            try:
                services.review_lines(self.claim, form.decisions(line.pk), actor=request.user)
            except (ValidationError, TransitionRefused) as exc:
                error = " ".join(error_messages(exc))
        if not request.htmx:
            if error:
                messages.error(request, error)
            else:
                messages.success(request, _("Saved: %(line)s.") % {"line": line.student_name})
            return redirect(self.review_url())
        claim = self.fresh_claim()
        fresh = review_lines_queryset(claim).get(pk=line.pk)
        lines = list(review_lines_queryset(claim))
        context = {
            **self.line_context(claim, lines), "line": fresh, "row_error": error, "oob": True,
            "row_saved": not error,
        }  # fmt: skip
        # htmx swaps only 2xx answers: the row carries the refusal, the status stays 200.
        return render(request, "subsidies/review_line_row.html", context)


class ReviewLinesView(ClaimReviewMixin, View):
    """The same decision for the ticked lines (all or nothing)."""

    def post(self, request, *args, **kwargs):
        line_ids = list(ClaimLine.objects.filter(claim=self.claim).values_list("pk", flat=True))
        form = BulkLineReviewForm(request.POST, line_ids=line_ids, auto_id="bulk_%s")
        errors, status, notice = [], 200, ""
        if form.is_valid():
            try:
                changed = services.review_lines(self.claim, form.decisions(), actor=request.user)
            except (ValidationError, TransitionRefused) as exc:
                errors, status = error_messages(exc), _status_code(exc)
            else:
                notice = ngettext("%(count)d line saved.", "%(count)d lines saved.", len(changed)) % {
                    "count": len(changed)
                }
                form = None
        else:
            status = 400
        if request.htmx:
            return self.render_section(bulk_form=form, errors=errors, notice=notice)
        if notice:
            messages.success(request, notice)
            return redirect(self.review_url())
        return self.render_review(bulk_form=form, errors=errors, status=status)


class ApproveCleanLinesView(ClaimReviewMixin, View):
    def post(self, request, *args, **kwargs):
        errors, notice = [], ""
        try:
            count = services.approve_clean_lines(self.claim, actor=request.user)
        except (ValidationError, TransitionRefused) as exc:
            errors = error_messages(exc)
        else:
            notice = (
                ngettext(
                    "%(count)d line without findings approved.",
                    "%(count)d lines without findings approved.",
                    count,
                )
                % {"count": count}
                if count
                else _("No line waits for review without findings.")
            )
        if request.htmx:
            return self.render_section(errors=errors, notice=notice)
        for message in errors:
            messages.error(request, message)
        if notice:
            messages.success(request, notice)
        return redirect(self.review_url())


class ClaimDecideView(ClaimReviewMixin, View):
    def post(self, request, *args, **kwargs):
        form = ClaimDecisionForm(request.POST)
        if not form.is_valid():
            return self.render_review(decision_form=form, status=400)
        data = form.cleaned_data
        try:
            claim = services.decide_claim(
                self.claim, data["decision"], data.get("reason", ""), actor=request.user,
                expected_revision=data.get("revision"),
            )  # fmt: skip
        except (ValidationError, TransitionRefused) as exc:
            if isinstance(exc, ValidationError):
                attach_errors(form, exc)
            else:
                form.add_error(None, error_messages(exc))
            return self.render_review(decision_form=form, status=_status_code(exc))
        messages.success(
            request,
            _("Claim %(number)s is now “%(status)s”.")
            % {"number": claim.number, "status": claim.get_status_display()},
        )
        return redirect(self.review_url())

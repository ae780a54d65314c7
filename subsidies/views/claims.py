"""Pages of the enterprise's online claim (its representative: Action.SUBMIT_CLAIMS) and the read-only claim pages
of the secretariat, the schools and the bureau (Action.VIEW_SUBSIDIES). The rules are in services/claims.py and
subsidies/imports.py; the compliance checks in subsidies/checks.py.

An enterprise sees only its own claims: another unit's claim answers 404, like a missing one. A school sees the
submitted claims with its students, and on them only its own students' lines. Resident ID numbers are shown masked;
secretariat staff may reveal one (Action.REVEAL_PERSONAL_DATA), and every reveal is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from alliances.audit import record_event
from alliances.forms import attach_errors, error_messages
from alliances.generic import AllianceListView, AllianceObjectMixin, AllianceView
from alliances.permissions import Action
from alliances.personal_data import decrypt
from alliances.spreadsheets import XLSX_CONTENT_TYPE
from alliances.views import audited_file_response
from members.models import MemberUnit

from ..filters import ClaimFilter
from ..forms.claims import ClaimCreateForm, ClaimDocumentForm, ClaimImportForm, ClaimLineForm, PaymentForm
from ..imports import MAX_FILE_BYTES, MAX_LINES, build_template, template_filename
from ..models import (
    CalculationRun,
    Claim,
    ClaimDocument,
    ClaimLine,
    ClaimStatus,
    ClaimTransition,
    Disbursement,
    LineReview,
    ProgramKind,
    RunStatus,
    SchoolDecision,
)
from ..services import claims as services
from ..workflow import EDITABLE_CLAIM_STATUSES, TransitionRefused

S = ClaimStatus
ERRORS_SHOWN = 500  # import problems on the page; the report has them all
LINES_PER_PAGE = 200


def claim_url(claim: Claim, slug: str) -> str:
    return reverse("claim-detail", kwargs={"alliance_slug": slug, "claim_id": claim.pk})


def with_line_counts(queryset):
    """Claims with their line counts, in the same query (no query per claim)."""
    return queryset.select_related("program", "period", "enterprise").annotate(
        line_total=Count("lines"),
        lines_with_errors=Count("lines", filter=Q(lines__has_errors=True)),
        lines_approved=Count("lines", filter=Q(lines__review=LineReview.APPROVED)),
        lines_school_waiting=Count(
            "lines", filter=Q(lines__school__isnull=False, lines__school_decision=SchoolDecision.PENDING)
        ),
    )


def summarise_lines(lines: list[ClaimLine]) -> dict:
    """The findings of a claim as stored on its lines (the claim's own findings are on every line: shown once),
    each message rendered in the reader's language (ClaimLine.findings)."""
    from ..checks import CLAIM_LEVEL_CODES

    claim_level: dict[str, dict] = {}
    errors = warnings = with_errors = 0
    error_lines = []  # where to look: the lines with errors, with the page of the list they are on
    for index, line in enumerate(lines):
        shown = line.findings
        own = [p for p in shown if p.get("code") not in CLAIM_LEVEL_CODES]
        line.own_problems = own
        for problem in shown:
            if problem.get("code") in CLAIM_LEVEL_CODES:
                claim_level.setdefault(problem["code"], problem)
        errors += sum(p.get("severity") == "error" for p in own)
        warnings += sum(p.get("severity") != "error" for p in own)
        if any(p.get("severity") == "error" for p in own):
            with_errors += 1
            error_lines.append(
                {"pk": line.pk, "position": line.position, "page": index // LINES_PER_PAGE + 1}
            )
    claim_findings = list(claim_level.values())
    errors += sum(p.get("severity") == "error" for p in claim_findings)
    warnings += sum(p.get("severity") != "error" for p in claim_findings)
    return {
        "errors": errors, "warnings": warnings, "lines": len(lines), "lines_with_errors": with_errors,
        "claim_findings": claim_findings, "error_lines": error_lines,
    }  # fmt: skip


# --- lists -------------------------------------------------------------------------------------------------------


class MyClaimsView(AllianceListView):
    """The representative's enterprise's claims, newest first, with their line counts."""

    template_name = "subsidies/claim_mine.html"
    required_action = Action.SUBMIT_CLAIMS

    def get_queryset(self):
        self.queryset = with_line_counts(
            Claim.objects.filter(enterprise_id=self.membership.member_unit_id)
        ).order_by("-created_at", "-pk")
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(today=timezone.localdate(), can_open=services.open_programs().exists())
        return context


class ClaimListView(AllianceListView):
    """Claims one may see (services.visible_claims), with the shared filters: the secretariat every claim, an
    enterprise its own, a school those with its students, the bureau the submitted ones."""

    template_name = "subsidies/claim_list.html"
    required_action = Action.VIEW_SUBSIDIES
    filterset_class = ClaimFilter

    def get_queryset(self):
        queryset = with_line_counts(services.visible_claims(self.membership))
        unit_id = self.membership.member_unit_id
        if unit_id and self.membership.can(Action.CONFIRM_STUDENTS):
            queryset = queryset.annotate(my_students=Count("lines", filter=Q(lines__school_id=unit_id)))
        self.queryset = queryset.order_by("-submitted_at", "-created_at", "-pk")
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = self.membership
        context.update(
            is_staff=membership.can(Action.REVIEW_CLAIMS),
            is_school=membership.can(Action.CONFIRM_STUDENTS),
            unit_id=membership.member_unit_id,
        )
        return context


# --- opening a claim ---------------------------------------------------------------------------------------------


class ClaimCreateView(AllianceView, FormView):
    template_name = "subsidies/claim_create.html"
    required_action = Action.SUBMIT_CLAIMS
    form_class = ClaimCreateForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["nothing_open"] = (
            not form.fields["program"].queryset.exists() or not form.fields["period"].queryset.exists()
        )
        return context

    def form_valid(self, form):
        enterprise = MemberUnit.objects.filter(pk=self.membership.member_unit_id).first()
        if enterprise is None:
            raise Http404
        try:
            claim = services.create_claim(
                enterprise, form.cleaned_data["program"], form.cleaned_data["period"], actor=self.request.user
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if claim.was_created:
            messages.success(
                self.request, _("Claim %(number)s opened: add its lines.") % {"number": claim.number}
            )
        else:
            messages.info(
                self.request,
                _("Your enterprise already has claim %(number)s for this program and period: here it is.")
                % {"number": claim.number},
            )
        return redirect(claim_url(claim, self.alliance.slug))


# --- one claim ---------------------------------------------------------------------------------------------------


class _ViewerCheck:
    """After the claim is looked up: who looks at it (404 when it is not theirs)."""

    viewers: tuple[str, ...] = ("enterprise",)

    def dispatch(self, request, *args, **kwargs):
        self.viewer = claim_viewer(self.membership, self.claim, self.required_action)
        if self.viewer not in self.viewers:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def claim_viewer(membership, claim: Claim, action) -> str | None:
    """Pages for the enterprise only (Action.SUBMIT_CLAIMS) are for its own claims; the others as services say."""
    if action == Action.SUBMIT_CLAIMS:
        unit_id = membership.member_unit_id
        return "enterprise" if unit_id and claim.enterprise_id == unit_id else None
    return services.claim_viewer(membership, claim)


class ClaimMixin(AllianceView, AllianceObjectMixin, _ViewerCheck):
    """One claim of the representative's own enterprise (Action.SUBMIT_CLAIMS)."""

    required_action = Action.SUBMIT_CLAIMS
    target_model, target_attribute = Claim, "claim"

    def detail_url(self) -> str:
        return claim_url(self.claim, self.alliance.slug)

    def fresh_claim(self) -> Claim:
        return Claim.objects.select_related("program", "period", "enterprise", "program_version").get(
            pk=self.claim.pk
        )

    def get_line(self, line_id) -> ClaimLine:
        line = (
            ClaimLine.objects.filter(claim=self.claim, pk=line_id)
            .select_related("school", "order_class")
            .first()
        )
        if line is None:
            raise Http404
        return line


def lines_of(claim: Claim, viewer: str, unit_id):
    lines = (
        ClaimLine.objects.filter(claim=claim)
        .select_related("school", "order_class")
        .order_by("position", "pk")
    )
    if viewer == "school":
        lines = lines.filter(school_id=unit_id)
    return lines


def status_notice(claim: Claim, viewer: str, membership, lines: list[ClaimLine], transitions: list) -> dict:
    """What the claim's page says about where the claim stands and what happens next, for its status: the lines
    still waiting for their school or the reviewer, the reviewer's note of a returned or rejected claim, and for an
    approved one the calculation run of its program and period (its status and this claim's amount, linked for
    those who may see runs). At most two queries (approved claims only)."""
    notice = {
        "lines": len(lines),
        "school_waiting": sum(line.school_id is not None and line.school_decision == SchoolDecision.PENDING
                              for line in lines),
        "decided": sum(line.review in (LineReview.APPROVED, LineReview.REJECTED) for line in lines),
        "approved": sum(line.review == LineReview.APPROVED for line in lines),
        "rejected": sum(line.review == LineReview.REJECTED for line in lines),
        "returned_lines": sum(line.review == LineReview.RETURNED for line in lines),
        "moved_at": next((t.at for t in reversed(transitions) if t.to_status == claim.status), None),
        "note": claim.review_note if claim.status in (S.RETURNED, S.APPROVED, S.REJECTED) else "",
        "can_see_runs": membership.can(Action.VIEW_DISBURSEMENTS),
    }  # fmt: skip
    if claim.status == S.APPROVED and viewer != "school":
        runs = list(
            CalculationRun.objects.filter(program_id=claim.program_id, period_id=claim.period_id).order_by(
                "-created_at", "-pk"
            )
        )
        run = next((run for run in runs if run.status != RunStatus.DRAFT), None)
        notice["run"] = run
        notice["calculating"] = run is None and bool(runs)
        notice["disbursement"] = (
            Disbursement.objects.filter(run=run, claim=claim).first() if run is not None else None
        )
    return notice


def detail_context(view, claim: Claim) -> dict:
    viewer = view.viewer
    membership = view.membership
    lines = list(lines_of(claim, viewer, membership.member_unit_id))
    summary = summarise_lines(lines)
    transitions = list(
        ClaimTransition.objects.filter(claim=claim).select_related("actor").order_by("at", "pk")
    )
    page = Paginator(lines, LINES_PER_PAGE).get_page(view.request.GET.get("page"))
    can_edit = viewer == "enterprise" and claim.status in EDITABLE_CLAIM_STATUSES
    for line in page.object_list:
        line.editable = can_edit and services.line_is_editable(claim, line)
    return {
        "claim": claim, "viewer": viewer, "lines": page.object_list, "lines_page": page, "summary": summary,
        "can_edit": can_edit,
        "can_reveal": viewer == "staff" and membership.can(Action.REVEAL_PERSONAL_DATA),
        "can_review": membership.can(Action.REVIEW_CLAIMS),
        "is_award": claim.program.kind == ProgramKind.QUALITY_SPECIALTY,
        "deadline_passed": services.deadline_passed(claim.period),
        "documents": list(ClaimDocument.objects.filter(claim=claim).order_by("pk")) if viewer != "school" else [],
        "transitions": transitions,
        "notice": status_notice(claim, viewer, membership, lines, transitions),
        "document_form": ClaimDocumentForm() if can_edit else None,
    }  # fmt: skip


class ClaimDetailView(ClaimMixin, View):
    """The claim: for its enterprise the working page (lines, import, documents, account, checks, submission); for
    the secretariat and for a school with students on it the same page read-only (a school sees its own students)."""

    required_action = Action.VIEW_SUBSIDIES
    viewers = ("enterprise", "staff", "school")

    def get(self, request, *args, **kwargs):
        claim = self.fresh_claim()
        return render(request, "subsidies/claim_detail.html", detail_context(self, claim))


class ClaimCheckView(ClaimMixin, View):
    """ "Check now": run the compliance checks and show the findings (htmx: the summary and the lines)."""

    def post(self, request, *args, **kwargs):
        claim = self.fresh_claim()
        if claim.status in EDITABLE_CLAIM_STATUSES:
            summary = services.check_claim_now(claim)
            notice = (
                _("Checked: no error, the claim can be submitted.")
                if summary.can_submit
                else _("Checked: %(errors)d errors and %(warnings)d warnings.")
                % {"errors": summary.errors, "warnings": summary.warnings}
            )
        else:
            notice = _(
                "The claim is “%(status)s”: its findings are kept as they were when it was submitted."
            ) % {"status": claim.get_status_display()}
        if not request.htmx:
            messages.info(request, notice)
            return redirect(self.detail_url())
        context = {**detail_context(self, claim), "check_notice": notice, "oob": True}
        return render(request, "subsidies/claim_findings.html", context)


# --- lines -------------------------------------------------------------------------------------------------------


class ClaimLineFormMixin(ClaimMixin):
    template_name = "subsidies/claim_line_form.html"
    line: ClaimLine | None = None

    def render_form(self, form, status=200, error=""):
        claim = self.fresh_claim()
        context = {
            "claim": claim, "form": form, "line": self.line, "error": error,
            "editable": claim.status in EDITABLE_CLAIM_STATUSES
            and (self.line is None or services.line_is_editable(claim, self.line)),
        }  # fmt: skip
        return render(self.request, self.template_name, context, status=status)

    def make_form(self, data=None):
        return ClaimLineForm(data, claim=self.fresh_claim(), line=self.line)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.make_form())

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            line = self.save(form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_form(form, status=400)
        except TransitionRefused as exc:
            return self.render_form(form, status=409, error=str(exc))
        messages.success(
            request,
            _("Line %(position)d (%(name)s) saved.") % {"position": line.position, "name": line.student_name},
        )
        if "save_and_add" in request.POST:
            return redirect("claim-line-add", alliance_slug=self.alliance.slug, claim_id=self.claim.pk)
        return redirect(f"{self.detail_url()}#line-{line.pk}")


class ClaimLineCreateView(ClaimLineFormMixin, View):
    def save(self, values):
        return services.add_claim_line(self.claim, values, actor=self.request.user)


class ClaimLineEditView(ClaimLineFormMixin, View):
    def get(self, request, *args, **kwargs):
        self.line = self.get_line(kwargs.get("claimline_id"))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.line = self.get_line(kwargs.get("claimline_id"))
        return super().post(request, *args, **kwargs)

    def save(self, values):
        return services.update_claim_line(self.line, values, actor=self.request.user)


class ClaimLineDeleteView(ClaimMixin, View):
    def post(self, request, *args, **kwargs):
        line = self.get_line(kwargs.get("claimline_id"))
        try:
            services.remove_claim_line(line, actor=request.user)
        except (ValidationError, TransitionRefused) as exc:
            for message in error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Line %(position)d (%(name)s) removed.")
                % {"position": line.position, "name": line.student_name},
            )
        return redirect(self.detail_url())


class ClaimLineValidateView(ClaimMixin, View):
    """Inline validation of the line form (htmx, on every change): the form's own errors and the compliance
    findings of the values typed so far. Nothing is saved."""

    line: ClaimLine | None = None

    def post(self, request, *args, **kwargs):
        line_id = request.POST.get("line") or ""
        self.line = self.get_line(line_id) if line_id.isdigit() else None
        claim = self.fresh_claim()
        form = ClaimLineForm(request.POST, claim=claim, line=self.line)
        form.is_valid()
        errors = [
            (form.fields[name].label if name in form.fields else "", error)
            for name, field_errors in form.errors.items()
            for error in field_errors
            if not (name in ("student_name", "resident_id") and not request.POST.get(name))
        ]
        findings = self.findings(claim, form)
        return render(request, "subsidies/claim_line_findings.html", {"errors": errors, "findings": findings})

    def findings(self, claim: Claim, form) -> list:
        from ..checks import KIND_CHECKS, check_line_values
        from ..services.programs import version_for_claim

        data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        resident_id = (form.data.get("resident_id") or "").strip()
        groups = set(KIND_CHECKS.get(claim.program.kind, ()))
        if not resident_id and self.line is not None:
            resident_id = decrypt(
                self.line.resident_id_encrypted
            )  # server side only: checked, never sent back
        if not resident_id:
            groups.discard("identity")
        values = {
            "resident_id": resident_id, "starts_on": data.get("starts_on"), "ends_on": data.get("ends_on"),
            "school": data.get("school"), "agreement_number": data.get("agreement_number", ""),
            "insurance_policy_number": data.get("insurance_policy_number", ""), "monthly_pay": data.get("monthly_pay"),
            "award_level": data.get("award_level", ""),
        }  # fmt: skip
        return check_line_values(
            **values, program_kind=claim.program.kind, version=version_for_claim(claim), period=claim.period,
            groups=groups, order_class=data.get("order_class"), enterprise_id=claim.enterprise_id,
        )  # fmt: skip


class ClaimLineRevealView(AllianceView, AllianceObjectMixin, View):
    """The full resident ID number of one line, for the secretariat (htmx swaps it in); every reveal is audited."""

    required_action = Action.REVEAL_PERSONAL_DATA
    target_model, target_attribute = Claim, "claim"

    def post(self, request, *args, **kwargs):
        line = ClaimLine.objects.filter(claim=self.claim, pk=kwargs.get("claimline_id")).first()
        if line is None:
            raise Http404
        number = decrypt(line.resident_id_encrypted)
        record_event(
            "subsidies.line.revealed", line,
            detail={"claim": self.claim.number, "position": line.position, "field": "resident_id"},
            user=request.user,
        )  # fmt: skip
        response = render(request, "subsidies/claim_revealed.html", {"number": number, "line": line})
        response["Cache-Control"] = "no-store"
        return response


# --- Excel template and upload -----------------------------------------------------------------------------------


class ClaimTemplateView(ClaimMixin, View):
    def get(self, request, *args, **kwargs):
        claim = self.fresh_claim()
        return HttpResponse(
            build_template(claim),
            content_type=XLSX_CONTENT_TYPE,
            headers={"Content-Disposition": content_disposition_header(True, template_filename(claim))},
        )


class ClaimImportView(ClaimMixin, View):
    template_name = "subsidies/claim_import.html"

    def render_page(self, form, *, result=None, status=200, error=""):
        claim = self.fresh_claim()
        errors = result.errors if result is not None and not result.file_error else []
        context = {
            "claim": claim, "form": form, "result": result, "errors": errors[:ERRORS_SHOWN],
            "error_count": len(errors), "errors_hidden": max(len(errors) - ERRORS_SHOWN, 0), "error": error,
            "editable": claim.status in EDITABLE_CLAIM_STATUSES, "max_lines": MAX_LINES, "max_bytes": MAX_FILE_BYTES,
        }  # fmt: skip
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_page(ClaimImportForm())

    def post(self, request, *args, **kwargs):
        form = ClaimImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form, status=400)
        try:
            result = services.import_claim_lines(self.claim, form.cleaned_data["file"], actor=request.user)
        except TransitionRefused as exc:
            return self.render_page(form, status=409, error=str(exc))
        if result.file_error:
            form.add_error("file", result.file_error)
            return self.render_page(form, result=result, status=400)
        if result.errors:
            return self.render_page(ClaimImportForm(), result=result, status=400)
        messages.success(request, _("%(count)d lines imported and checked.") % {"count": result.created})
        return redirect(self.detail_url())


# --- documents ---------------------------------------------------------------------------------------------------


class ClaimDocumentUploadView(ClaimMixin, View):
    def post(self, request, *args, **kwargs):
        form = ClaimDocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(f"{self.detail_url()}#documents")
        try:
            document = services.attach_claim_document(
                self.claim, form.cleaned_data["file"], form.cleaned_data.get("title", ""), actor=request.user
            )
        except (ValidationError, TransitionRefused) as exc:
            for message in error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Document “%(title)s” attached.") % {"title": document.title})
        return redirect(f"{self.detail_url()}#documents")


class ClaimDocumentDeleteView(ClaimMixin, View):
    def post(self, request, *args, **kwargs):
        document = ClaimDocument.objects.filter(claim=self.claim, pk=kwargs.get("claimdocument_id")).first()
        if document is None:
            raise Http404
        try:
            services.remove_claim_document(document, actor=request.user)
        except (ValidationError, TransitionRefused) as exc:
            for message in error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Document “%(title)s” removed.") % {"title": document.title})
        return redirect(f"{self.detail_url()}#documents")


class ClaimDocumentDownloadView(ClaimMixin, View):
    """A document of the claim, for its enterprise and the secretariat; every download is audited."""

    required_action = Action.VIEW_SUBSIDIES
    viewers = ("enterprise", "staff")

    def get(self, request, *args, **kwargs):
        document = ClaimDocument.objects.filter(claim=self.claim, pk=kwargs.get("claimdocument_id")).first()
        if document is None or not document.file:
            raise Http404
        return audited_file_response(document.file, document)


# --- payment account ---------------------------------------------------------------------------------------------


class ClaimPaymentView(ClaimMixin, View):
    template_name = "subsidies/claim_payment.html"

    def render_form(self, form, status=200, error=""):
        claim = self.fresh_claim()
        context = {
            "claim": claim,
            "form": form,
            "error": error,
            "editable": claim.status in EDITABLE_CLAIM_STATUSES,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(PaymentForm(claim=self.fresh_claim()))

    def post(self, request, *args, **kwargs):
        claim = self.fresh_claim()
        form = PaymentForm(request.POST, claim=claim)
        if not form.is_valid():
            return self.render_form(form, status=400)
        data = form.cleaned_data
        try:
            services.update_claim_payment(
                claim, data["payee_name"], data["bank_name"], data.get("bank_account"), actor=request.user
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.render_form(form, status=400)
        except TransitionRefused as exc:
            return self.render_form(form, status=409, error=str(exc))
        messages.success(request, _("Payment account saved."))
        return redirect(f"{self.detail_url()}#payment")


# --- submission --------------------------------------------------------------------------------------------------


class ClaimSubmitView(ClaimMixin, View):
    """A confirmation page (the checks run again, the findings that stop the submission listed), then the
    submission. Submitting twice is harmless: the second time the claim is found submitted already."""

    template_name = "subsidies/claim_submit.html"

    def render_page(self, *, findings=None, status=200, error=""):
        claim = self.fresh_claim()
        editable = claim.status in EDITABLE_CLAIM_STATUSES
        if findings is None and editable:
            summary = services.check_claim_now(claim)
            findings = services._payment_findings(claim) + services.blocking_findings(claim, summary)
        lines = list(ClaimLine.objects.filter(claim=claim).only("pk", "problems", "has_errors"))
        context = {
            "claim": claim, "findings": findings or [], "editable": editable, "error": error,
            "summary": summarise_lines(lines), "deadline_passed": services.deadline_passed(claim.period),
            "line_count": len(lines),
        }  # fmt: skip
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.render_page()

    def post(self, request, *args, **kwargs):
        before = self.claim.status
        try:
            claim = services.submit_claim(self.claim, actor=request.user)
        except services.SubmissionRefused as exc:
            return self.render_page(findings=exc.findings, status=400, error=exc.messages[0])
        except TransitionRefused as exc:
            return self.render_page(findings=[], status=409, error=str(exc))
        if before in EDITABLE_CLAIM_STATUSES:
            messages.success(
                request,
                _("Claim %(number)s submitted: it is now “%(status)s”.")
                % {"number": claim.number, "status": claim.get_status_display()},
            )
        else:
            messages.info(request, _("Claim %(number)s was submitted already.") % {"number": claim.number})
        return redirect(self.detail_url())

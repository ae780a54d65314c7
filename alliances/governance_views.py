"""Governance pages under /a/<alliance_slug>/governance/: the charter and its versions, council terms and
officers, meetings and their resolutions.

Everyone with `governance.view` reads (member representatives included); editing the charter needs
`alliance.manage_settings`, recording terms, meetings and resolutions `governance.manage`. Views stay thin:
the rules are in `governance_services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView

from . import governance_services as services
from .forms import attach_errors
from .generic import AllianceDetailView, AllianceListView, AllianceObjectMixin, AlliancePageView, AllianceView
from .governance import (
    Charter,
    CharterArticle,
    CharterStatus,
    CouncilOfficer,
    CouncilTerm,
    Meeting,
    Office,
    Resolution,
)
from .governance_forms import (
    CharterAdoptForm,
    CharterArticlesForm,
    CharterDraftForm,
    CharterParametersForm,
    CharterPickForm,
    CouncilOfficerFormSet,
    CouncilTermEndForm,
    CouncilTermForm,
    MeetingFilter,
    MeetingForm,
    ResolutionFilter,
    ResolutionForm,
    format_charter_text,
    officer_unit_queryset,
)
from .permissions import Action


def _chapters(articles) -> list[dict]:
    """Articles grouped by chapter, with the headings as the charter document writes them."""
    chapters: list[dict] = []
    for article in sorted(articles, key=lambda a: (a.chapter_number, a.article_number)):
        if not chapters or chapters[-1]["number"] != article.chapter_number:
            chapters.append({
                "number": article.chapter_number, "title": article.chapter_title,
                "heading": services.chapter_heading(article.chapter_number), "articles": [],
            })  # fmt: skip
        chapters[-1]["articles"].append({
            "number": article.article_number, "heading": services.article_heading(article.article_number),
            "paragraphs": [line for line in article.text.splitlines() if line.strip()],
        })  # fmt: skip
    return chapters


def _officer_order():
    order = {Office.CHAIR: 0, Office.VICE_CHAIR: 1, Office.SECRETARY_GENERAL: 2}
    return Case(
        *[When(office=office, then=Value(rank)) for office, rank in order.items()],
        output_field=IntegerField(),
    )


def _terms_with_officers():
    officers = CouncilOfficer.objects.select_related("member_unit").order_by(_officer_order(), "pk")
    return CouncilTerm.objects.prefetch_related(Prefetch("officers", queryset=officers)).annotate(
        meeting_count=Count("meetings")
    )


def _resolutions():
    return Resolution.objects.select_related("meeting", "charter")


def _with_counts(resolutions):
    """Attach the arithmetic of each resolution (no query: meeting and charter are selected)."""
    resolutions = list(resolutions)
    for resolution in resolutions:
        resolution.count = services.vote_count(resolution)
    return resolutions


class GovernanceMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit_charter"] = self.membership.can(Action.MANAGE_SETTINGS)
        context["can_manage"] = self.membership.can(Action.MANAGE_GOVERNANCE)
        return context


# --- overview -----------------------------------------------------------------------------------------------


class GovernanceOverviewView(GovernanceMixin, AlliancePageView):
    template_name = "alliances/governance/overview.html"
    required_action = Action.VIEW_GOVERNANCE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        charter = services.current_charter(self.alliance)
        term = services.current_council_term(self.alliance)
        if term is not None:
            term = _terms_with_officers().get(pk=term.pk)
        context.update(
            charter=charter if charter.pk else None,
            provisions=services.charter_provisions(charter),
            article_count=CharterArticle.objects.filter(charter=charter).count() if charter.pk else 0,
            drafts=Charter.objects.filter(status=CharterStatus.DRAFT).order_by("-version")
            if context["can_edit_charter"] else [],
            term=term,
            meetings=Meeting.objects.select_related("term").annotate(resolution_count=Count("resolutions"))
            .order_by("-held_on", "-pk")[:5],
            resolutions=_with_counts(_resolutions().order_by("-meeting__held_on", "-pk")[:5]),
        )  # fmt: skip
        return context


# --- charter ------------------------------------------------------------------------------------------------


class CharterCurrentView(GovernanceMixin, AlliancePageView):
    """The charter in force, typeset, with its parameters in words."""

    template_name = "alliances/governance/charter.html"
    required_action = Action.VIEW_GOVERNANCE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        charter = services.current_charter(self.alliance)
        if charter.pk:
            charter = Charter.objects.select_related("adopted_at_meeting").get(pk=charter.pk)
        context.update(
            charter=charter if charter.pk else None,
            provisions=services.charter_provisions(charter),
            chapters=_chapters(CharterArticle.objects.filter(charter=charter)) if charter.pk else [],
            resolution=services.adopting_resolution(charter) if charter.pk else None,
        )  # fmt: skip
        return context


class CharterListView(GovernanceMixin, AllianceListView):
    template_name = "alliances/governance/charter_list.html"
    required_action = Action.VIEW_GOVERNANCE

    def get_queryset(self):
        self.queryset = (
            Charter.objects.select_related("adopted_at_meeting", "created_by")
            .annotate(article_count=Count("articles"))
            .order_by("-version")
        )
        return super().get_queryset()


class CharterDetailView(GovernanceMixin, AllianceDetailView):
    template_name = "alliances/governance/charter_detail.html"
    required_action = Action.VIEW_GOVERNANCE
    context_object_name = "charter"

    def get_queryset(self):
        return Charter.objects.select_related("adopted_at_meeting", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        charter = self.object
        adopted = Charter.objects.filter(status=CharterStatus.ADOPTED).exclude(pk=charter.pk).first()
        context.update(
            chapters=_chapters(CharterArticle.objects.filter(charter=charter)),
            provisions=services.charter_provisions(charter),
            resolution=services.adopting_resolution(charter),
            compare_with=adopted,
            editable=charter.status == CharterStatus.DRAFT and context["can_edit_charter"],
        )  # fmt: skip
        return context


class CharterObjectMixin:
    """Loads `charter_id` through the scoped manager (404 when out of scope); drafts only for editing."""

    drafts_only = True

    def dispatch(self, request, *args, **kwargs):
        self.charter = None
        if getattr(request, "membership", None) is not None and "charter_id" in kwargs:
            self.charter = Charter.objects.filter(pk=kwargs["charter_id"]).first()
        return super().dispatch(request, *args, **kwargs)

    def refuse_unless_draft(self):
        if self.charter is None:
            raise Http404
        if self.drafts_only and self.charter.status != CharterStatus.DRAFT:
            messages.error(
                self.request,
                _(
                    "Version %(version)d is %(status)s and can no longer be changed. Create a new draft based on it."
                )
                % {"version": self.charter.version, "status": str(self.charter.get_status_display()).lower()},
            )
            return redirect(self.charter_url())
        return None

    def get(self, request, *args, **kwargs):
        return self.refuse_unless_draft() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refuse_unless_draft() or super().post(request, *args, **kwargs)

    def charter_url(self):
        return reverse(
            "governance-charter-detail",
            kwargs={"alliance_slug": self.alliance.slug, "charter_id": self.charter.pk},
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["charter"] = self.charter
        return context


class CharterCreateView(AllianceView, FormView):
    template_name = "alliances/governance/charter_create.html"
    required_action = Action.MANAGE_SETTINGS
    form_class = CharterDraftForm

    def get_initial(self):
        wanted = self.request.GET.get("based_on", "")
        based_on = Charter.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
        return {"based_on": based_on or Charter.objects.filter(status=CharterStatus.ADOPTED).first()}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            charter = services.create_charter_draft(
                self.alliance, based_on=data["based_on"], title=data["title"], notes=data["notes"],
                created_by=self.request.user,
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Draft version %(version)d created. Edit its articles and parameters, then adopt it at a meeting."
            )
            % {"version": charter.version},
        )
        return redirect("governance-charter-detail", alliance_slug=self.alliance.slug, charter_id=charter.pk)


class CharterEditView(CharterObjectMixin, AllianceView, FormView):
    """The title, notes and parameters of a draft."""

    template_name = "alliances/governance/charter_edit.html"
    required_action = Action.MANAGE_SETTINGS
    form_class = CharterParametersForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.charter}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["provisions"] = services.charter_provisions(self.charter)
        return context

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.update_charter_draft(self.charter, data)
        except ValidationError as exc:
            self.charter.refresh_from_db()
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The draft's parameters were saved."))
        return redirect(self.charter_url())


class CharterArticlesView(CharterObjectMixin, AllianceView, FormView):
    """The chapters and articles of a draft, as text in the charter's own layout."""

    template_name = "alliances/governance/charter_articles.html"
    required_action = Action.MANAGE_SETTINGS
    form_class = CharterArticlesForm

    def get_initial(self):
        return {"text": format_charter_text(CharterArticle.objects.filter(charter=self.charter))}

    def form_valid(self, form):
        try:
            saved = services.save_charter_articles(self.charter, form.articles)
        except ValidationError as exc:
            attach_errors(form, ValidationError(exc.messages))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Saved %(articles)d articles in %(chapters)d chapters.")
            % {"articles": len(saved), "chapters": len({article.chapter_number for article in saved})},
        )
        return redirect(self.charter_url())


class CharterAdoptView(CharterObjectMixin, AllianceView, FormView):
    template_name = "alliances/governance/charter_adopt.html"
    required_action = Action.MANAGE_SETTINGS
    form_class = CharterAdoptForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        in_force = Charter.objects.filter(status=CharterStatus.ADOPTED).first()
        context["in_force"] = in_force
        context["diff"] = services.charter_diff(in_force, self.charter) if in_force else None
        context["article_count"] = CharterArticle.objects.filter(charter=self.charter).count()
        return context

    def form_valid(self, form):
        try:
            charter = services.adopt_charter(
                self.charter, meeting=form.cleaned_data["meeting"], resolution=form.cleaned_data["resolution"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Version %(version)d is adopted and in force from %(date)s.")
            % {"version": charter.version, "date": charter.adopted_on.isoformat()},
        )
        return redirect("governance-charter", alliance_slug=self.alliance.slug)


class CharterDiffView(GovernanceMixin, AlliancePageView):
    """Compare any two versions; by default the newest draft with the version in force."""

    template_name = "alliances/governance/charter_diff.html"
    required_action = Action.VIEW_GOVERNANCE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        old, new = self._defaults()
        if "old" in self.request.GET or "new" in self.request.GET:
            form = CharterPickForm(self.request.GET)
            if form.is_valid():
                old, new = form.cleaned_data["old"], form.cleaned_data["new"]
            else:
                old = new = None
        else:
            form = CharterPickForm(initial={"old": old, "new": new})
        context["form"] = form
        if old is not None and new is not None:
            context["diff"] = services.charter_diff(old, new)
            context["swap_query"] = f"old={new.pk}&new={old.pk}"
        return context

    def _defaults(self):
        versions = list(Charter.objects.order_by("-version")[:50])
        adopted = next((c for c in versions if c.status == CharterStatus.ADOPTED), None)
        draft = next((c for c in versions if c.status == CharterStatus.DRAFT), None)
        if adopted and draft:
            return adopted, draft
        if adopted:
            superseded = next((c for c in versions if c.status == CharterStatus.SUPERSEDED), None)
            return (superseded, adopted) if superseded else (None, None)
        if len(versions) >= 2:
            return versions[1], versions[0]
        return None, None


# --- council terms ------------------------------------------------------------------------------------------


class CouncilTermListView(GovernanceMixin, AllianceListView):
    template_name = "alliances/governance/term_list.html"
    required_action = Action.VIEW_GOVERNANCE

    def get_queryset(self):
        self.queryset = _terms_with_officers().order_by("-number")
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = services.current_council_term(self.alliance)
        context["current_term_id"] = current.pk if current else None
        return context


class CouncilTermFormMixin:
    template_name = "alliances/governance/term_form.html"
    required_action = Action.MANAGE_GOVERNANCE
    form_class = CouncilTermForm
    term: CouncilTerm | None = None

    def get_formset(self):
        units = officer_unit_queryset(self.term)
        kwargs = {"form_kwargs": {"unit_queryset": units}, "prefix": "officers"}
        if self.request.method == "POST":
            return CouncilOfficerFormSet(self.request.POST, **kwargs)
        initial = []
        if self.term is not None:
            initial = [
                {"office": o.office, "person_name": o.person_name, "member_unit": o.member_unit_id}
                for o in CouncilOfficer.objects.filter(term=self.term).order_by(_officer_order(), "pk")
            ]
        return CouncilOfficerFormSet(initial=initial, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        context["term"] = self.term
        return context

    def post(self, request, *args, **kwargs):
        form, formset = self.get_form(), self.get_formset()
        if not (form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        officers = [officer for officer in (f.officer() for f in formset.forms) if officer is not None]
        try:
            with transaction.atomic():
                term = self.save_term(form.cleaned_data)
                services.set_council_officers(term, officers)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            officer_errors = errors.pop("officers", [])
            if errors:
                attach_errors(form, ValidationError(errors))
            if officer_errors:
                formset._non_form_errors = formset.error_class(officer_errors)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        for ended in getattr(term, "ended_terms", []):
            messages.info(
                request,
                _("Term %(number)d was ended on %(date)s, the day before the new term starts.")
                % {"number": ended.number, "date": ended.ends_on.isoformat()},
            )
        messages.success(request, _("Council term %(number)d saved.") % {"number": term.number})
        return redirect("governance-term-list", alliance_slug=self.alliance.slug)


class CouncilTermCreateView(CouncilTermFormMixin, AllianceView, FormView):
    def get_initial(self):
        return {"starts_on": timezone.localdate()}

    def save_term(self, data):
        return services.create_council_term(
            self.alliance, number=data["number"], starts_on=data["starts_on"], ends_on=data["ends_on"]
        )


class CouncilTermEditView(CouncilTermFormMixin, AllianceView, AllianceObjectMixin, FormView):
    target_model, target_attribute = CouncilTerm, "term"

    def get_initial(self):
        return {"number": self.term.number, "starts_on": self.term.starts_on, "ends_on": self.term.ends_on}

    def save_term(self, data):
        number = data["number"] or self.term.number
        return services.update_council_term(
            self.term, number=number, starts_on=data["starts_on"], ends_on=data["ends_on"]
        )


class CouncilTermEndView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "alliances/governance/term_end.html"
    required_action = Action.MANAGE_GOVERNANCE
    form_class = CouncilTermEndForm
    target_model, target_attribute = CouncilTerm, "term"

    def get_initial(self):
        return {"ends_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "term": self.term}

    def form_valid(self, form):
        try:
            services.end_council_term(self.term, ends_on=form.cleaned_data["ends_on"])
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Council term %(number)d ended.") % {"number": self.term.number})
        return redirect("governance-term-list", alliance_slug=self.alliance.slug)


# --- meetings and resolutions -------------------------------------------------------------------------------


class MeetingListView(GovernanceMixin, AllianceListView):
    template_name = "alliances/governance/meeting_list.html"
    required_action = Action.VIEW_GOVERNANCE
    filterset_class = MeetingFilter

    def get_queryset(self):
        self.queryset = (
            Meeting.objects.select_related("term")
            .annotate(
                resolution_count=Count("resolutions"),
                passed_count=Count("resolutions", filter=Q(resolutions__passed=True)),
            )
            .order_by("-held_on", "-pk")
        )
        return super().get_queryset()


class MeetingDetailView(GovernanceMixin, AllianceDetailView):
    template_name = "alliances/governance/meeting_detail.html"
    required_action = Action.VIEW_GOVERNANCE
    context_object_name = "meeting"

    def get_queryset(self):
        return Meeting.objects.select_related("term")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.object
        charter = services.current_charter(self.alliance)
        context.update(
            resolutions=_with_counts(_resolutions().filter(meeting=meeting).order_by("pk")),
            charter=charter,
            quorate_now=services.quorum_met(charter, present=meeting.present, seats=meeting.seats),
            minimum_present=services.minimum_present(charter, meeting.seats),
            adopted_charters=Charter.objects.filter(adopted_at_meeting=meeting).order_by("version"),
        )  # fmt: skip
        return context


class MeetingCreateView(AllianceView, FormView):
    template_name = "alliances/governance/meeting_form.html"
    required_action = Action.MANAGE_GOVERNANCE
    form_class = MeetingForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "alliance": self.alliance}

    def get_initial(self):
        return {"held_on": timezone.localdate(), "term": services.current_council_term(self.alliance)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        charter = services.current_charter(self.alliance)
        context["charter"] = charter
        context["quorum_figure"] = f"{charter.quorum_numerator}/{charter.quorum_denominator}"
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            meeting = services.record_meeting(
                alliance=self.alliance, body=data["body"], title=data["title"], held_on=data["held_on"],
                present=data["present"], seats=data["seats"], location=data["location"], minutes=data["minutes"],
                term=data["term"],
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        charter = services.current_charter(self.alliance)
        if services.quorum_met(charter, present=meeting.present, seats=meeting.seats):
            messages.success(
                self.request,
                _(
                    "Meeting recorded: %(present)d of %(seats)d members present, quorate. Record its resolutions below."
                )
                % {"present": meeting.present, "seats": meeting.seats},
            )
        else:
            messages.warning(
                self.request,
                _("Meeting recorded: %(present)d of %(seats)d members present is below the quorum of %(quorum)s; "
                  "its resolutions will not pass.")
                % {"present": meeting.present, "seats": meeting.seats,
                   "quorum": f"{charter.quorum_numerator}/{charter.quorum_denominator}"},
            )  # fmt: skip
        return redirect("governance-meeting-detail", alliance_slug=self.alliance.slug, meeting_id=meeting.pk)


class ResolutionCreateView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "alliances/governance/resolution_form.html"
    required_action = Action.MANAGE_GOVERNANCE
    form_class = ResolutionForm
    target_model, target_attribute = Meeting, "meeting"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting, charter = self.meeting, services.current_charter(self.alliance)
        context.update(
            meeting=meeting, charter=charter,
            quorum_figure=f"{charter.quorum_numerator}/{charter.quorum_denominator}",
            threshold_figure=f"{charter.pass_numerator}/{charter.pass_denominator}",
            quorate=services.quorum_met(charter, present=meeting.present, seats=meeting.seats),
            minimum_present=services.minimum_present(charter, meeting.seats),
            minimum_votes=services.minimum_votes_for(charter, meeting.present),
            bodies=[(label, services.GoverningBody(getattr(charter, f"{subject}_body")).label)
                    for subject, label in (("admission", _("Admission")), ("withdrawal", _("Withdrawal")),
                                           ("expulsion", _("Expulsion")))],
        )  # fmt: skip
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            resolution = services.record_resolution(
                meeting=self.meeting, number=data["number"], subject=data["subject"], title=data["title"],
                text=data["text"], votes_for=data["votes_for"], votes_against=data["votes_against"],
                votes_abstaining=data["votes_abstaining"], recorded_by=self.request.user,
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        resolution.meeting = self.meeting
        explanation = services.vote_count(resolution).explanation
        message = _("Resolution %(number)s recorded: %(explanation)s.") % {
            "number": resolution.number,
            "explanation": explanation,
        }
        (messages.success if resolution.passed else messages.warning)(self.request, message)
        return redirect(
            "governance-resolution-detail", alliance_slug=self.alliance.slug, resolution_id=resolution.pk
        )


class ResolutionListView(GovernanceMixin, AllianceListView):
    template_name = "alliances/governance/resolution_list.html"
    required_action = Action.VIEW_GOVERNANCE
    filterset_class = ResolutionFilter

    def get_queryset(self):
        self.queryset = _resolutions().order_by("-meeting__held_on", "-pk")
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object_list"] = _with_counts(context["object_list"])
        return context


class ResolutionDetailView(GovernanceMixin, AllianceDetailView):
    template_name = "alliances/governance/resolution_detail.html"
    required_action = Action.VIEW_GOVERNANCE
    context_object_name = "resolution"

    def get_queryset(self):
        return Resolution.objects.select_related("meeting", "meeting__term", "charter", "recorded_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["count"] = services.vote_count(self.object)
        return context

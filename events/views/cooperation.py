"""Cooperation records between member schools and enterprises: the list (filters shared with the API), a record's
page with its documents and status, recording (also from the event where the agreement was signed) and editing.

The secretariat and bureau read every record; a member representative reads those of their own unit only (any
other answers 404). Changes need Action.MANAGE_EVENTS and go through events/services/cooperation.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from alliances.forms import attach_errors
from alliances.generic import AllianceDetailView, AllianceListView, AllianceObjectMixin, AllianceView
from alliances.permissions import Action
from alliances.views import audited_file_response, document_filename

from ..filters import CooperationFilter
from ..forms.cooperation import CooperationDocumentForm, CooperationForm, CooperationStatusForm
from ..models import CooperationDocument, CooperationKind, CooperationRecord, Event
from ..services import cooperation as services


def _detail(alliance_slug: str, record: CooperationRecord):
    return redirect("cooperation-detail", alliance_slug=alliance_slug, cooperationrecord_id=record.pk)


class CooperationListView(AllianceListView):
    template_name = "events/cooperation_list.html"
    required_action = Action.VIEW_EVENTS
    filterset_class = CooperationFilter

    def get_queryset(self):
        self.queryset = services.visible_records(
            self.membership,
            CooperationRecord.objects.select_related("school", "enterprise", "event", "specialty").order_by(
                "-signed_on", "-starts_on", "-pk"
            ),
        )
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sees_all = services.sees_every_record(self.membership)
        hidden = set(CooperationFilter.HIDDEN_ON_PAGE) | (set() if sees_all else {"school", "enterprise"})
        context["filter_fields"] = [field for field in self.filterset.form if field.name not in hidden]
        classes = Q(kind__in=CooperationKind.class_kinds())
        context["totals"] = self.object_list.order_by().aggregate(
            records=Count("pk"),
            order_classes=Count("pk", filter=classes),
            students=Sum("students", filter=classes),
            employed=Sum("graduates_employed", filter=classes),
            participants=Sum("participants"),
        )
        context["can_manage"] = self.membership.can(Action.MANAGE_EVENTS)
        context["sees_all"] = sees_all
        return context


class CooperationDetailView(AllianceDetailView):
    template_name = "events/cooperation_detail.html"
    required_action = Action.VIEW_EVENTS
    context_object_name = "record"

    def get_queryset(self):
        return services.visible_records(
            self.membership,
            CooperationRecord.objects.select_related(
                "school", "enterprise", "event", "specialty", "created_by"
            ).prefetch_related("documents"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        context["can_manage"] = self.membership.can(Action.MANAGE_EVENTS)
        context["is_class"] = record.kind in CooperationKind.class_kinds()
        if context["is_class"]:
            # Order classes feed the order-class subsidy: the claims whose lines name this class.
            from subsidies.services.claims import order_class_claims

            context["class_claims"] = order_class_claims(self.membership, record)
        if context["can_manage"]:
            allowed = services.allowed_statuses(record.status)
            context["status_form"] = CooperationStatusForm(allowed=allowed) if allowed else None
            context["document_form"] = CooperationDocumentForm()
        return context


class CooperationFormMixin:
    """Record a cooperation (optionally at an event); the service checks the rules."""

    template_name = "events/cooperation_form.html"
    form_class = CooperationForm
    event: Event | None = None
    record: CooperationRecord | None = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["event"] = self.event
        if self.record is not None:
            kwargs["instance"] = self.record
        return kwargs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "event": self.event, "record": self.record}

    def form_valid(self, form):
        try:
            record = self.save(form)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        return _detail(self.alliance.slug, record)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def save(self, form):
        data = form.record_data()
        if self.event is not None:
            data["event"] = self.event
        record = services.record_cooperation(
            alliance=self.alliance, data=data, status=form.cleaned_data["status"],
            documents=form.cleaned_data.get("documents") or [],
        )  # fmt: skip
        messages.success(
            self.request, _("The cooperation “%(title)s” was recorded.") % {"title": record.title}
        )
        return record


class CooperationCreateView(AllianceView, CooperationFormMixin, FormView):
    required_action = Action.MANAGE_EVENTS


class CooperationCreateAtEventView(AllianceView, AllianceObjectMixin, CooperationFormMixin, FormView):
    """Record an agreement signed at this event: the event is fixed."""

    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = Event, "event"


class CooperationEditView(AllianceView, AllianceObjectMixin, CooperationFormMixin, FormView):
    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = CooperationRecord, "record"

    def save(self, form):
        changes = services.update_cooperation(self.record, form.record_data())
        if changes:
            messages.success(self.request, _("The cooperation record was saved."))
        else:
            messages.info(self.request, _("Nothing was changed."))
        return self.record


class CooperationStatusView(AllianceView, AllianceObjectMixin, View):
    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = CooperationRecord, "record"

    def post(self, request, alliance_slug, cooperationrecord_id):
        form = CooperationStatusForm(request.POST, allowed=services.allowed_statuses(self.record.status))
        if not form.is_valid():
            messages.error(request, _("Choose one of the statuses offered."))
            return _detail(alliance_slug, self.record)
        try:
            services.change_cooperation_status(
                self.record, form.cleaned_data["status"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The cooperation is now “%(status)s”.") % {"status": self.record.get_status_display()},
            )
        return _detail(alliance_slug, self.record)


class CooperationDocumentsView(AllianceView, AllianceObjectMixin, View):
    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = CooperationRecord, "record"

    def post(self, request, alliance_slug, cooperationrecord_id):
        form = CooperationDocumentForm(request.POST, request.FILES)
        try:
            if not form.is_valid():
                raise ValidationError(_("Choose at least one file."))
            documents = services.attach_cooperation_documents(self.record, form.cleaned_data["documents"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(count)d documents attached.") % {"count": len(documents)})
        return _detail(alliance_slug, self.record)


class CooperationDocumentView(AllianceView, View):
    """Download a document of a record the user may read (audited); any other document is 404."""

    required_action = Action.VIEW_EVENTS

    def get(self, request, alliance_slug, cooperationdocument_id):
        document = (
            CooperationDocument.objects.filter(
                pk=cooperationdocument_id,
                record__in=services.visible_records(self.membership).values("pk"),
            )
            .select_related("record")
            .first()
        )
        if document is None:
            raise Http404
        return audited_file_response(
            document.file, document.record, filename=document_filename(document),
            content_type=document.content_type, action="events.cooperation.document_downloaded",
            detail={"document": document.pk, "title": document.title[:200]},
        )  # fmt: skip

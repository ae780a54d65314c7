"""Event pages: the list (filters shared with the API), an event's page (agenda, attachments and photos,
attendance, the council meeting's resolutions), creating and editing, the status steps (publish, finish,
cancel), minutes, the agenda editor (htmx), attachments, and linking a council meeting to its governance record.

Everyone who may see events sees published, finished and cancelled ones; staff who manage events see drafts too
(a draft is 404 for anyone else). Changes need Action.MANAGE_EVENTS and go through events/services/events.py.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from alliances.forms import attach_errors
from alliances.generic import AllianceDetailView, AllianceListView, AllianceObjectMixin, AllianceView
from alliances.permissions import Action
from alliances.personal_data import mask_mobile
from alliances.views import audited_file_response

from ..filters import EventFilter
from ..forms.events import (
    AgendaItemForm,
    AttachmentForm,
    CancelEventForm,
    EventForm,
    LinkMeetingForm,
    MinutesForm,
    RecordMeetingForm,
)
from ..models import (
    PLACE_HOLDING_STATUSES,
    AgendaItem,
    AttachmentKind,
    Event,
    EventAttachment,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from ..services import events as services
from ..services import registrations as registration_services


def message_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def to_event(alliance_slug: str, event_id: int, anchor: str = ""):
    response = redirect("event-detail", alliance_slug=alliance_slug, event_id=event_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# --- List and page ------------------------------------------------------------------------------------------


class EventListView(AllianceListView):
    template_name = "events/event_list.html"
    required_action = Action.VIEW_EVENTS
    filterset_class = EventFilter

    def get_queryset(self):
        unit_id = self.membership.member_unit_id
        counts = {
            "places_taken": Count(
                "registrations", filter=Q(registrations__status__in=PLACE_HOLDING_STATUSES)
            ),
            "waitlisted": Count(
                "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
            ),
        }
        if unit_id:
            counts["mine"] = Count(
                "registrations",
                filter=Q(registrations__member_unit_id=unit_id)
                & ~Q(registrations__status=RegistrationStatus.CANCELLED),
            )
        self.queryset = services.visible_events(
            self.membership,
            Event.objects.select_related("host_unit").annotate(**counts).order_by("-starts_at", "-pk"),
        )
        return super().get_queryset()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.membership.can(Action.MANAGE_EVENTS)
        if not services.sees_drafts(self.membership):
            form = self.filterset.form
            form.fields["status"].choices = [
                choice for choice in form.fields["status"].choices if choice[0] != EventStatus.DRAFT
            ]
        return context


def _registration_rows(registrations, membership) -> list[Registration]:
    for registration in registrations:
        registration.display_mobile = (
            registration.mobile
            if registration_services.shows_mobile(membership, registration)
            else mask_mobile(registration.mobile)
        )
    return registrations


class EventDetailView(AllianceDetailView):
    template_name = "events/event_detail.html"
    required_action = Action.VIEW_EVENTS
    context_object_name = "event"

    def get_queryset(self):
        return services.visible_events(
            self.membership,
            Event.objects.select_related("host_unit", "meeting", "meeting__term", "created_by"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event, membership = self.object, self.membership
        can_manage = membership.can(Action.MANAGE_EVENTS)
        attachments = list(event.attachments.order_by("kind", "pk"))
        closed = registration_services.registration_closed_reason(event)
        sees_all = registration_services.sees_every_registration(membership)
        context.update(
            can_manage=can_manage,
            organisers=list(event.organisers.order_by("name")),
            agenda=list(event.agenda.order_by("position", "starts_at", "pk")),
            documents=[a for a in attachments if a.kind == AttachmentKind.DOCUMENT],
            photos=[a for a in attachments if a.kind == AttachmentKind.PHOTO],
            counts=registration_services.attendance_counts(event),
            statuses=list(RegistrationStatus),
            closed_reason=closed,
            can_register=membership.can(Action.REGISTER_FOR_EVENTS) and closed is None,
            sees_all=sees_all,
            body=services.governing_body(event),
            resolutions=services.meeting_resolutions(event),
        )  # fmt: skip
        counts = context["counts"]
        context["places_taken"] = sum(counts[s] for s in PLACE_HOLDING_STATUSES)
        context["count_rows"] = [
            (status.value, status.label, counts[status.value]) for status in RegistrationStatus
        ]
        if sees_all:
            by_unit = registration_services.attendance_by_unit(event)
            for row in by_unit:
                row["cells"] = [row["counts"][status.value] for status in RegistrationStatus]
            context["by_unit"] = by_unit
            context["registrations"] = _registration_rows(
                list(
                    event.registrations.select_related("member_unit").order_by(
                        "member_unit__name", "created_at", "pk"
                    )
                ),
                membership,
            )
        if membership.member_unit_id:
            context["my_registrations"] = _registration_rows(
                list(event.registrations.filter(member_unit_id=membership.member_unit_id).order_by("created_at", "pk")),
                membership,
            )  # fmt: skip
        if can_manage:
            context["attachment_form"] = AttachmentForm()
            if context["body"] and not event.meeting_id and event.status != EventStatus.CANCELLED:
                context["record_meeting_form"] = RecordMeetingForm(
                    initial={"present": counts["checked_in"] or None}
                )
                linkable = services.linkable_meetings(event)
                context["link_meeting_form"] = (
                    LinkMeetingForm(meetings=linkable) if linkable.exists() else None
                )
        return context


# --- Creating and editing -----------------------------------------------------------------------------------


class EventCreateView(AllianceView, FormView):
    template_name = "events/event_form.html"
    required_action = Action.MANAGE_EVENTS
    form_class = EventForm

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind} if kind else {}

    def form_valid(self, form):
        try:
            event = services.create_event(
                alliance=self.alliance, data=form.event_data(), organisers=form.cleaned_data["organisers"],
                created_by=self.request.user,
            )  # fmt: skip
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Event saved as a draft. Add its agenda, then publish it."))
        return to_event(self.alliance.slug, event.pk)


class EventEditView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "events/event_form.html"
    required_action = Action.MANAGE_EVENTS
    form_class = EventForm
    target_model, target_attribute = Event, "event"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.event}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "event": self.event}

    def form_valid(self, form):
        try:
            services.update_event(self.event, form.event_data(), organisers=form.cleaned_data["organisers"])
        except services.EventConflict as exc:
            message_errors(self.request, exc)
            return to_event(self.alliance.slug, self.event.pk)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The event has been saved."))
        return to_event(self.alliance.slug, self.event.pk)


class EventStepView(AllianceView, AllianceObjectMixin, View):
    """A status step without input (publish, finish): POST, then back to the event's page."""

    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = Event, "event"
    step = None
    done_message = ""

    def post(self, request, alliance_slug, event_id):
        try:
            type(self).step(self.event)
        except ValidationError as exc:
            message_errors(request, exc)
        else:
            messages.success(request, self.done_message)
        return to_event(alliance_slug, event_id)


class EventPublishView(EventStepView):
    step = staticmethod(services.publish_event)

    @property
    def done_message(self):
        return _("The event is published: member units are told by e-mail and may register.")


class EventFinishView(EventStepView):
    step = staticmethod(services.finish_event)

    @property
    def done_message(self):
        return _("The event is finished. Registrants who did not check in are recorded as not attending.")


class EventCancelView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "events/event_cancel.html"
    required_action = Action.MANAGE_EVENTS
    form_class = CancelEventForm
    target_model, target_attribute = Event, "event"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "event": self.event}

    def form_valid(self, form):
        try:
            services.cancel_event(self.event, reason=form.cleaned_data["reason"])
        except services.EventConflict as exc:
            message_errors(self.request, exc)
            return to_event(self.alliance.slug, self.event.pk)
        except ValidationError as exc:
            attach_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The event is cancelled; its registrants are told by e-mail."))
        return to_event(self.alliance.slug, self.event.pk)


class EventMinutesView(AllianceView, AllianceObjectMixin, FormView):
    template_name = "events/event_minutes.html"
    required_action = Action.MANAGE_EVENTS
    form_class = MinutesForm
    target_model, target_attribute = Event, "event"

    def get_initial(self):
        return {"minutes": self.event.minutes}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "event": self.event}

    def form_valid(self, form):
        try:
            services.record_minutes(self.event, form.cleaned_data["minutes"])
        except ValidationError as exc:
            message_errors(self.request, exc)
            return to_event(self.alliance.slug, self.event.pk)
        messages.success(self.request, _("The minutes have been saved."))
        return to_event(self.alliance.slug, self.event.pk, "minutes")


class EventMeetingView(AllianceView, AllianceObjectMixin, View):
    """POST: record the council meeting this event was (`present`, `seats`, `term`), or link one already recorded
    (`meeting`). Back to the event's page, where its resolutions are listed."""

    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = Event, "event"

    def get(self, request, alliance_slug, event_id):
        return to_event(alliance_slug, event_id, "meeting")

    def post(self, request, alliance_slug, event_id):
        event = self.event
        try:
            if "meeting" in request.POST:
                form = LinkMeetingForm(request.POST, meetings=services.linkable_meetings(event))
                if form.is_valid():
                    services.link_meeting(event, form.cleaned_data["meeting"])
                    messages.success(request, _("The event is linked to the meeting record."))
            else:
                form = RecordMeetingForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    meeting = services.record_meeting_for_event(
                        event, present=data["present"], seats=data["seats"], term=data["term"]
                    )
                    messages.success(
                        request,
                        _("Meeting recorded (%(present)d of %(seats)d present). Record its resolutions now.")
                        % {"present": meeting.present, "seats": meeting.seats},
                    )
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
        except ValidationError as exc:
            message_errors(request, exc)
        return to_event(alliance_slug, event_id, "meeting")


# --- Agenda (htmx) --------------------------------------------------------------------------------------------


class AgendaMixin:
    panel_template = "events/event_agenda_panel.html"

    def agenda_context(self, event, *, form=None, editing=None, edit_form=None) -> dict:
        return {
            "event": event,
            "agenda": list(event.agenda.order_by("position", "starts_at", "pk")),
            "form": form or AgendaItemForm(),
            "editing": editing,
            "edit_form": edit_form,
        }

    def respond(self, event, **kwargs):
        context = self.agenda_context(event, **kwargs)
        if self.request.htmx:
            return render(self.request, self.panel_template, context)
        if kwargs.get("form") is None and kwargs.get("edit_form") is None:
            return redirect("event-agenda", alliance_slug=self.alliance.slug, event_id=event.pk)
        return render(self.request, "events/event_agenda.html", context)


class EventAgendaView(AllianceView, AllianceObjectMixin, AgendaMixin, View):
    """The agenda editor: GET the page; POST adds an item (the panel comes back to htmx)."""

    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = Event, "event"

    def get(self, request, alliance_slug, event_id):
        template = self.panel_template if request.htmx else "events/event_agenda.html"
        return render(request, template, self.agenda_context(self.event))

    def post(self, request, alliance_slug, event_id):
        form = AgendaItemForm(request.POST)
        if form.is_valid():
            try:
                services.add_agenda_item(self.event, form.cleaned_data)
                return self.respond(self.event)
            except ValidationError as exc:
                attach_errors(form, exc)
        return self.respond(self.event, form=form)


class AgendaItemMixin(AllianceView, AllianceObjectMixin, AgendaMixin, View):
    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = AgendaItem, "item"


class AgendaItemEditView(AgendaItemMixin):
    """GET: the item as a form in the panel; POST: save it."""

    def get(self, request, alliance_slug, agendaitem_id):
        item = self.item
        return self.respond_editing(item, AgendaItemForm(instance=item))

    def respond_editing(self, item, edit_form):
        context = self.agenda_context(item.event, editing=item.pk, edit_form=edit_form)
        template = self.panel_template if self.request.htmx else "events/event_agenda.html"
        return render(self.request, template, context)

    def post(self, request, alliance_slug, agendaitem_id):
        item = self.item
        form = AgendaItemForm(request.POST, instance=AgendaItem.objects.get(pk=item.pk))
        if form.is_valid():
            try:
                services.update_agenda_item(item, form.cleaned_data)
                return self.respond(item.event)
            except ValidationError as exc:
                attach_errors(form, exc)
        return self.respond_editing(item, form)


class AgendaItemDeleteView(AgendaItemMixin):
    def post(self, request, alliance_slug, agendaitem_id):
        event = self.item.event
        try:
            services.remove_agenda_item(self.item)
        except ValidationError as exc:
            message_errors(request, exc)
        return self.respond(event)


class AgendaItemMoveView(AgendaItemMixin):
    """POST `direction` = up | down."""

    def post(self, request, alliance_slug, agendaitem_id):
        offset = -1 if request.POST.get("direction") == "up" else 1
        try:
            services.move_agenda_item(self.item, offset)
        except ValidationError as exc:
            message_errors(request, exc)
        return self.respond(self.item.event)


# --- Attachments and photos -------------------------------------------------------------------------------------


class EventAttachmentsView(AllianceView, AllianceObjectMixin, View):
    """POST: attach documents or photos (checked by content)."""

    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = Event, "event"

    def post(self, request, alliance_slug, event_id):
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                added = services.add_attachments(
                    self.event, form.cleaned_data["files"], kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"], uploaded_by=request.user,
                )  # fmt: skip
                messages.success(request, _("%(count)d files attached.") % {"count": len(added)})
            except ValidationError as exc:
                message_errors(request, exc)
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return to_event(alliance_slug, event_id, "attachments")


class EventAttachmentView(AllianceView, AllianceObjectMixin, View):
    """Download a document (audited), or show a photo (`?inline=1`, for the gallery). Same visibility as the
    event: a draft's files are for staff only."""

    required_action = Action.VIEW_EVENTS
    target_model, target_attribute = EventAttachment, "attachment"

    def get(self, request, alliance_slug, eventattachment_id):
        attachment = self.attachment
        if attachment.event.status == EventStatus.DRAFT and not services.sees_drafts(self.membership):
            raise Http404
        if attachment.kind == AttachmentKind.PHOTO and request.GET.get("inline"):
            try:
                handle = attachment.file.open("rb")
            except FileNotFoundError as exc:
                raise Http404 from exc
            response = FileResponse(handle, content_type=attachment.content_type)
            response["Content-Disposition"] = content_disposition_header(
                False, Path(attachment.file.name).name
            )
            response["Cache-Control"] = "private, max-age=3600"
            return response
        return audited_file_response(attachment.file, attachment)


class EventAttachmentDeleteView(AllianceView, AllianceObjectMixin, View):
    required_action = Action.MANAGE_EVENTS
    target_model, target_attribute = EventAttachment, "attachment"

    def post(self, request, alliance_slug, eventattachment_id):
        event_id = self.attachment.event_id
        services.remove_attachment(self.attachment)
        messages.success(request, _("Attachment removed."))
        return to_event(alliance_slug, event_id, "attachments")

"""Registration pages: a representative registers people of their own unit (or staff register a unit on its
behalf), sees the registration with its QR check-in code (inline SVG, PNG to download) and cancels it; staff
confirm, cancel and check in by hand, and export the attendance (CSV or Excel).

A registration is visible to staff and to its own unit's representative; anyone else gets 404. The mobile
number is shown to the registrant's own unit only and masked for everyone else on screen; the export shows it in
full to roles that may reveal personal data (and the export is audited).
"""

from __future__ import annotations

import csv
import io

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from django.views.generic import FormView, TemplateView

from alliances.audit import record_event
from alliances.forms import attach_errors
from alliances.generic import AllianceObjectMixin, AllianceView
from alliances.permissions import Action
from alliances.personal_data import mask_mobile
from alliances.spreadsheets import XLSX_CONTENT_TYPE, safe_cell
from members.models import MemberUnit

from ..forms.events import RegistrationForm, StaffRegistrationForm
from ..models import Event, EventStatus, Registration, RegistrationStatus
from ..services import events as event_services
from ..services import registrations as services
from .events import message_errors, to_event


def check_in_url(request, registration: Registration) -> str:
    """What the QR code encodes: the staff scan page of the event, with the registration's token."""
    path = reverse(
        "event-check-in", kwargs={"alliance_slug": request.alliance.slug, "event_id": registration.event_id}
    )
    return request.build_absolute_uri(f"{path}?code={registration.check_in_token}")


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error="m")


class VisibleEventObjectMixin:
    """After AllianceView's check: the event as `self.event`; a draft is 404 for those who do not manage events."""

    def dispatch(self, request, *args, **kwargs):
        event = Event.objects.select_related("host_unit").filter(pk=kwargs.get("event_id")).first()
        if event is None or (
            event.status == EventStatus.DRAFT and not event_services.sees_drafts(request.membership)
        ):
            raise Http404
        self.event = event
        return super().dispatch(request, *args, **kwargs)


class OwnRegistrationMixin:
    """After the lookup: staff act for every registration, a representative for their own unit's (else 404)."""

    def dispatch(self, request, *args, **kwargs):
        if not services.acts_for(self.membership, self.registration):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


# --- Registering -------------------------------------------------------------------------------------------


class RegisterMixin:
    template_name = "events/registration_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.event
        context.update(
            event=event,
            places=services.places(event),
            closed_reason=services.registration_closed_reason(event),
        )
        return context

    def register(self, form, unit: MemberUnit):
        data = form.cleaned_data
        try:
            return services.register(
                self.event, member_unit=unit, person_name=data["person_name"], person_title=data["person_title"],
                mobile=data["mobile"], registered_by=self.request.user,
            )  # fmt: skip
        except services.RegistrationConflict as exc:
            form.add_error(None, exc.messages)
        except ValidationError as exc:
            attach_errors(form, exc)
        return None

    def registered_message(self, registration: Registration) -> str:
        if registration.status == RegistrationStatus.WAITLISTED:
            return _(
                "%(name)s is on the waiting list: the event or your unit's places are full. You will be told by "
                "e-mail if a place frees up."
            ) % {"name": registration.person_name}
        return _("%(name)s is registered.") % {"name": registration.person_name}


class EventRegisterView(AllianceView, VisibleEventObjectMixin, RegisterMixin, FormView):
    """A representative registers a person of their own unit."""

    required_action = Action.REGISTER_FOR_EVENTS
    form_class = RegistrationForm

    def form_valid(self, form):
        unit = MemberUnit.objects.filter(pk=self.membership.member_unit_id).first()
        if unit is None:
            raise Http404
        registration = self.register(form, unit)
        if registration is None:
            return self.form_invalid(form)
        messages.success(self.request, self.registered_message(registration))
        return redirect(
            "registration-detail", alliance_slug=self.alliance.slug, registration_id=registration.pk
        )


class EventRegisterUnitView(AllianceView, VisibleEventObjectMixin, RegisterMixin, FormView):
    """Staff register a person on behalf of a member unit."""

    required_action = Action.MANAGE_EVENTS
    form_class = StaffRegistrationForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "on_behalf": True}

    def form_valid(self, form):
        registration = self.register(form, form.cleaned_data["member_unit"])
        if registration is None:
            return self.form_invalid(form)
        messages.success(self.request, self.registered_message(registration))
        return to_event(self.alliance.slug, self.event.pk, "attendees")


# --- One registration ----------------------------------------------------------------------------------------


class RegistrationObjectMixin(AllianceObjectMixin, OwnRegistrationMixin):
    target_model, target_attribute = Registration, "registration"


class RegistrationDetailView(AllianceView, RegistrationObjectMixin, TemplateView):
    template_name = "events/registration_detail.html"
    required_action = Action.VIEW_EVENTS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registration = (
            Registration.objects.select_related("event", "event__host_unit", "member_unit", "checked_in_by")
            .get(pk=self.registration.pk)
        )  # fmt: skip
        event = registration.event
        url = check_in_url(self.request, registration)
        own_unit = registration.member_unit_id == self.membership.member_unit_id
        registration.display_mobile = registration.mobile if own_unit else mask_mobile(registration.mobile)
        context.update(
            registration=registration, event=event, check_in_url=url,
            qr_svg=qr_code(url).svg_inline(scale=5, svgclass="qr-code", lineclass=None, light="#fff"),
            can_cancel=(own_unit and self.membership.can(Action.REGISTER_FOR_EVENTS)
                        and registration.status in services.ACTIVE_STATUSES
                        and event.status in (EventStatus.DRAFT, EventStatus.PUBLISHED)),
            can_manage=self.membership.can(Action.MANAGE_EVENTS),
        )  # fmt: skip
        return context


class RegistrationQRView(AllianceView, RegistrationObjectMixin, View):
    """The QR check-in code as a PNG (to print or keep on a phone)."""

    required_action = Action.VIEW_EVENTS

    def get(self, request, alliance_slug, registration_id):
        buffer = io.BytesIO()
        qr_code(check_in_url(request, self.registration)).save(buffer, kind="png", scale=8, border=4)
        response = HttpResponse(buffer.getvalue(), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="check-in-{self.registration.pk}.png"'
        return response


class RegistrationStepView(AllianceView, RegistrationObjectMixin, View):
    step = None
    done_message = ""

    def run(self, registration):
        return type(self).step(registration)

    def post(self, request, alliance_slug, registration_id):
        try:
            result = self.run(self.registration)
        except ValidationError as exc:
            message_errors(request, exc)
        else:
            messages.success(request, self.message_for(result))
        return self.back()

    def message_for(self, result) -> str:
        return self.done_message % {"name": self.registration.person_name}

    def back(self):
        return to_event(self.alliance.slug, self.registration.event_id, "attendees")


class RegistrationCancelView(RegistrationStepView):
    """The representative cancels their own unit's registration; its place goes to the waiting list."""

    required_action = Action.REGISTER_FOR_EVENTS
    step = staticmethod(services.cancel_registration)

    def message_for(self, result) -> str:
        return _("The registration of %(name)s is cancelled.") % {"name": self.registration.person_name}

    def back(self):
        return redirect(
            "registration-detail", alliance_slug=self.alliance.slug, registration_id=self.registration.pk
        )


class RegistrationSecretariatCancelView(RegistrationStepView):
    required_action = Action.MANAGE_EVENTS
    step = staticmethod(services.cancel_registration)

    def message_for(self, result) -> str:
        message = _("The registration of %(name)s is cancelled.") % {"name": self.registration.person_name}
        if result.promoted:
            message += " " + _("Moved up from the waiting list: %(names)s.") % {
                "names": pgettext("list separator", ", ").join(r.person_name for r in result.promoted)
            }
        return message


class RegistrationConfirmView(RegistrationStepView):
    required_action = Action.MANAGE_EVENTS
    step = staticmethod(services.confirm_registration)

    @property
    def done_message(self):
        return _("%(name)s is confirmed.")


class RegistrationCheckInView(RegistrationStepView):
    """Check-in by hand from the attendee list."""

    required_action = Action.MANAGE_EVENTS

    def run(self, registration):
        return services.check_in(registration, by=self.request.user)

    def message_for(self, result) -> str:
        if result.already:
            return _("%(name)s was already checked in.") % {"name": self.registration.person_name}
        return _("%(name)s is checked in.") % {"name": self.registration.person_name}


# --- Attendance export -------------------------------------------------------------------------------------------


class EventAttendanceExportView(AllianceView, VisibleEventObjectMixin, View):
    """The attendance list as CSV (`?format=csv`) or Excel (default)."""

    required_action = Action.MANAGE_EVENTS

    def get(self, request, alliance_slug, event_id):
        event = self.event
        reveal = self.membership.can(Action.REVEAL_PERSONAL_DATA)
        headers = [_("Member unit"), _("Name"), _("Title or position"), _("Mobile"), _("Status"),
                   _("Registered at"), _("Checked in at")]  # fmt: skip
        rows = []
        for r in event.registrations.select_related("member_unit").order_by(
            "member_unit__name", "created_at", "pk"
        ):
            rows.append([
                r.member_unit.name, r.person_name, r.person_title, r.mobile if reveal else mask_mobile(r.mobile),
                r.get_status_display(), _local(r.created_at), _local(r.checked_in_at),
            ])  # fmt: skip
        record_event(
            "events.attendance.exported", event,
            detail={"rows": len(rows), "format": request.GET.get("format") or "xlsx", "mobile_revealed": reveal},
        )  # fmt: skip
        stem = f"attendance-{event.pk}"
        if request.GET.get("format") == "csv":
            buffer = io.StringIO()
            buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly with a BOM
            writer = csv.writer(buffer)
            writer.writerow(headers)
            writer.writerows([[safe_cell(value) for value in row] for row in rows])
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
            return response
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Attendance")[:31]
        sheet.append([safe_cell(event.title)])
        sheet.append(headers)
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
        for column, width in zip("ABCDEFG", (30, 12, 16, 14, 10, 18, 18), strict=True):
            sheet.column_dimensions[column].width = width
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return response


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

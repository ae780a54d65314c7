"""The staff check-in desk of an event: a text field that takes what a barcode scanner types (the address the
QR code encodes, then Enter) or a typed code, checks the person in and shows who it was (htmx swaps the panel,
the field is empty and focused again for the next scan; without JavaScript the form posts as usual).

Opening the address the QR code encodes (`…/events/<id>/check-in/?code=<token>`, e.g. with a phone's camera)
shows the person first, with a button to check them in. Everything is served from our origin, so the desk
keeps working on an intranet without internet access. A code of another event or alliance is answered
"not a registration of this event".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import render
from django.views import View

from alliances.generic import AllianceView
from alliances.permissions import Action

from ..forms.events import CheckInForm
from ..models import PLACE_HOLDING_STATUSES, Registration, RegistrationStatus
from ..services import registrations as services
from .registrations import VisibleEventObjectMixin

RECENT = 10


@dataclass
class ScanResult:
    ok: bool
    registration: Registration | None = None
    already: bool = False
    preview: bool = False  # looked up, not checked in yet (the QR address opened directly)
    message: str = ""
    code: str = ""


class EventCheckInView(AllianceView, VisibleEventObjectMixin, View):
    required_action = Action.MANAGE_EVENTS
    page_template = "events/checkin_scan.html"
    panel_template = "events/checkin_panel.html"

    def context(self, result: ScanResult | None = None) -> dict:
        event = self.event
        registrations = Registration.objects.filter(event=event)
        figures = registrations.aggregate(
            checked_in=Count("pk", filter=Q(status=RegistrationStatus.CHECKED_IN)),
            expected=Count("pk", filter=Q(status__in=PLACE_HOLDING_STATUSES)),
        )
        recent = list(
            registrations.filter(status=RegistrationStatus.CHECKED_IN)
            .select_related("member_unit")
            .order_by("-checked_in_at", "-pk")[:RECENT]
        )
        return {"event": event, "form": CheckInForm(), "result": result, "figures": figures, "recent": recent}

    def respond(self, result: ScanResult | None = None):
        template = self.panel_template if self.request.htmx else self.page_template
        return render(self.request, template, self.context(result))

    def get(self, request, alliance_slug, event_id):
        code = request.GET.get("code", "").strip()
        if not code:
            return self.respond()
        try:
            registration = services.find_registration(self.event, code)
        except ValidationError as exc:
            return self.respond(ScanResult(ok=False, message=" ".join(exc.messages)))
        return self.respond(
            ScanResult(ok=True, registration=registration, preview=True,
                       already=registration.status == RegistrationStatus.CHECKED_IN, code=code)
        )  # fmt: skip

    def post(self, request, alliance_slug, event_id):
        form = CheckInForm(request.POST)
        code = form.data.get("code", "").strip()[:500]
        try:
            done = services.check_in_by_code(self.event, code, by=request.user)
        except ValidationError as exc:
            return self.respond(ScanResult(ok=False, message=" ".join(exc.messages), code=code))
        return self.respond(ScanResult(ok=True, registration=done.registration, already=done.already))

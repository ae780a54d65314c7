"""The member representative's pages: their own unit (profile, status, history), profile editing, the
withdrawal request; and downloads of member documents and the membership certificate (staff and representative).

The representative's unit is always `request.membership.member_unit_id`, looked up through the scoped
queryset: no page here takes a unit id from the user.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View

from alliances.audit import record_event
from alliances.forms import attach_errors
from alliances.generic import AllianceDetailView, AllianceView
from alliances.governance_services import current_charter
from alliances.permissions import Action
from alliances.views import audited_file_response, document_filename

from .. import services
from ..certificates import (
    CertificateUnavailable,
    certificate_filename,
    certificate_refusal,
    render_certificate,
)
from ..forms_self_service import ContactFormSet, OwnProfileForm, WithdrawalRequestForm, contact_initial
from ..models import (
    MemberDocument,
    MembershipEvent,
    MemberSpecialty,
    MemberStatus,
    MemberUnit,
    ProfileChangeRequest,
    RequestStatus,
    WithdrawalRequest,
)

S = MemberStatus

# What each status means for the unit, and what can happen next, in plain words.
STATUS_EXPLANATIONS = {
    S.APPLIED: (
        gettext_lazy("The secretariat has received the unit's application."),
        gettext_lazy("The secretariat starts the review; it may ask for more information."),
    ),
    S.UNDER_REVIEW: (
        gettext_lazy("The secretariat is reviewing the application."),
        gettext_lazy(
            "The council decides on admission at one of its meetings. The secretariat may ask for more "
            "information first."
        ),
    ),  # fmt: skip
    S.INFO_REQUESTED: (
        gettext_lazy("The secretariat has asked for more information about the unit."),
        gettext_lazy("Answer through the link in the e-mail the unit received; the review then continues."),
    ),
    S.ADMITTED: (
        gettext_lazy("The unit is a member of the alliance, with the rights and duties the charter gives."),
        gettext_lazy(
            "Keep the profile up to date and download the membership certificate. To leave, request "
            "withdrawal in writing: it takes effect after the notice period the charter sets, once the "
            "standing council approves."
        ),
    ),  # fmt: skip
    S.REJECTED: (
        gettext_lazy("The application was not accepted."),
        gettext_lazy("The unit may apply again; the secretariat can explain the reasons."),
    ),
    S.WITHDRAWAL_REQUESTED: (
        gettext_lazy("The unit has asked to leave. It remains a member until the withdrawal takes effect."),
        gettext_lazy(
            "The standing council decides on the request. If it approves, the unit leaves on the "
            "effective date. The request can be cancelled while it is open."
        ),
    ),  # fmt: skip
    S.WITHDRAWN: (
        gettext_lazy("The unit has left the alliance."),
        gettext_lazy("The unit may apply to join again."),
    ),
    S.SUSPENDED: (
        gettext_lazy("The unit's membership is suspended: it remains a member but takes no part for now."),
        gettext_lazy("The secretariat can reinstate the unit; contact the secretariat about the conditions."),
    ),
    S.EXPELLED: (
        gettext_lazy("The unit was removed from the alliance by a council resolution."),
        gettext_lazy("Contact the secretariat for the resolution and its reasons."),
    ),
}

# Units whose representative may still keep the profile up to date.
EDITABLE_STATUSES = (
    S.APPLIED,
    S.UNDER_REVIEW,
    S.INFO_REQUESTED,
    S.ADMITTED,
    S.WITHDRAWAL_REQUESTED,
    S.SUSPENDED,
)


def field_label(name: str) -> str:
    if name == "contacts":
        return _("contacts")
    try:
        return str(MemberUnit._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # an unknown key in stored detail is shown as it is
        return name


class OwnUnitMixin(AllianceView):
    """The representative's own unit, through the scoped queryset (404 when the grant names no unit)."""

    def get_unit(self, queryset=None) -> MemberUnit:
        unit_id = self.membership.member_unit_id
        if unit_id is None:
            raise Http404
        queryset = queryset if queryset is not None else MemberUnit.objects.all()
        unit = queryset.filter(pk=unit_id).first()
        if unit is None:
            raise Http404
        return unit

    def my_unit_url(self) -> str:
        return reverse("my-unit", kwargs={"alliance_slug": self.alliance.slug})


def open_withdrawal(unit: MemberUnit) -> WithdrawalRequest | None:
    return (
        WithdrawalRequest.objects.filter(
            member_unit=unit, status__in=(RequestStatus.PENDING, RequestStatus.APPROVED)
        )
        .select_related("resolution")
        .first()
    )


class MyUnitView(OwnUnitMixin, View):
    required_action = Action.EDIT_OWN_UNIT
    template_name = "members/my_unit.html"

    def get(self, request, alliance_slug):
        unit = self.get_unit(
            MemberUnit.objects.select_related("industry_division__section").prefetch_related(
                "contacts", "committees"
            )
        )
        events = list(
            MembershipEvent.objects.filter(member_unit=unit)
            .select_related("resolution", "actor")
            .prefetch_related(Prefetch("documents", queryset=MemberDocument.objects.order_by("uploaded_at")))
            .order_by("-occurred_at", "-pk")
        )
        for event in events:
            changes = (event.detail or {}).get("changes") or {}
            event.changed_fields = [field_label(name) for name in changes]
            event.committee_names = (event.detail or {}).get("committees") or []
        meaning, next_steps = STATUS_EXPLANATIONS.get(unit.status, ("", ""))
        context = {
            "unit": unit,
            "specialties": (
                MemberSpecialty.objects.filter(member_unit=unit)
                .select_related("specialty__specialty_class")
                .order_by("specialty__code")
                if unit.is_school
                else []
            ),
            "status_meaning": meaning,
            "status_next": next_steps,
            "notice_months": current_charter(self.alliance).withdrawal_notice_months,
            "events": events,
            "documents": MemberDocument.objects.filter(member_unit=unit).order_by("-uploaded_at"),
            "withdrawal": open_withdrawal(unit),
            "change_request": ProfileChangeRequest.objects.filter(
                member_unit=unit, status=RequestStatus.PENDING
            ).first(),
            "certificate_available": certificate_refusal(unit) is None,
            "can_edit": unit.status in EDITABLE_STATUSES,
            "can_request_withdrawal": self.membership.can(Action.REQUEST_WITHDRAWAL),
        }
        return render(request, self.template_name, context)


class MyUnitEditView(OwnUnitMixin, View):
    """Edit the unit's profile. An htmx request from one field answers with that field, checked, and saves nothing."""

    required_action = Action.EDIT_OWN_UNIT
    template_name = "members/my_unit_edit.html"

    def _unit(self) -> MemberUnit | None:
        unit = self.get_unit(MemberUnit.objects.prefetch_related("contacts"))
        if unit.status not in EDITABLE_STATUSES:
            messages.error(
                self.request,
                _("The profile of a unit that is “%(status)s” can no longer be changed here.")
                % {"status": unit.get_status_display()},
            )
            return None
        return unit

    def _forms(self, unit, data=None):
        self.change_request = ProfileChangeRequest.objects.filter(
            member_unit=unit, status=RequestStatus.PENDING
        ).first()
        url = reverse("my-unit-edit", kwargs={"alliance_slug": self.alliance.slug})
        form = OwnProfileForm(
            data, unit=unit, validate_url=url, identity_locked=self.change_request is not None
        )
        formset = ContactFormSet(data, prefix="contacts", initial=contact_initial(unit))
        return form, formset

    def _render(self, unit, form, formset, status=200):
        context = {"unit": unit, "form": form, "formset": formset, "change_request": self.change_request}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, alliance_slug):
        unit = self._unit()
        if unit is None:
            return redirect(self.my_unit_url())
        return self._render(unit, *self._forms(unit))

    def post(self, request, alliance_slug):
        unit = self._unit()
        if unit is None:
            return redirect(self.my_unit_url())
        form, formset = self._forms(unit, request.POST)
        trigger = request.htmx.trigger_name if request.htmx else None
        if trigger and trigger in form.fields:
            form.is_valid()  # inline validation of one field: check, answer with the field, save nothing
            return render(request, "partials/field.html", {"field": form[trigger]})
        if form.is_valid() and formset.is_valid():
            contacts = formset.rows()
            if contacts == contact_initial(unit):
                contacts = None  # unchanged: leave the rows (and the timeline) alone
            specialties = form.specialties_or_none()
            try:
                changes, change_request = services.update_own_profile(
                    unit, form.profile_data(), contacts=contacts, specialties=specialties,
                    reason=form.cleaned_data.get("reason", ""),
                )  # fmt: skip
            except ValidationError as exc:
                attach_errors(form, exc)
                form.add_error(None, _("Nothing was saved; correct the form and save again."))
            else:
                self._tell(form, bool(changes) or specialties is not None, change_request)
                return redirect(self.my_unit_url())
        return self._render(unit, form, formset, status=400)

    def _tell(self, form, changed: bool, change_request):
        if changed:
            messages.success(self.request, _("The profile was saved; the changes apply at once."))
        if change_request is not None:
            messages.info(
                self.request,
                _("The change of %(fields)s was sent to the secretariat. It takes effect only when the secretariat "
                  "approves it; until then the unit keeps its registered name and credit code.")
                % {"fields": pgettext("list separator", ", ").join(form.identity_changes())},
            )  # fmt: skip
        if not changed and change_request is None:
            messages.info(self.request, _("Nothing was changed."))


class MyUnitWithdrawView(OwnUnitMixin, View):
    """Request withdrawal (退会申请) in writing, or see the open request and cancel it."""

    required_action = Action.REQUEST_WITHDRAWAL
    template_name = "members/my_unit_withdraw.html"

    def _form(self, unit, data=None, files=None):
        earliest = services.earliest_withdrawal_date(unit, timezone.localdate())
        months = current_charter(self.alliance).withdrawal_notice_months
        return WithdrawalRequestForm(data, files, earliest=earliest, notice_months=months)

    def _render(self, unit, form, status=200):
        withdrawal = open_withdrawal(unit)
        context = {
            "unit": unit,
            "withdrawal": withdrawal,
            "form": form if withdrawal is None and unit.status == S.ADMITTED else None,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, alliance_slug):
        unit = self.get_unit()
        return self._render(unit, self._form(unit))

    def post(self, request, alliance_slug):
        unit = self.get_unit()
        here = reverse("my-unit-withdraw", kwargs={"alliance_slug": alliance_slug})
        if open_withdrawal(unit) is not None:
            messages.error(request, _("The unit already has an open withdrawal request."))
            return redirect(here)
        if unit.status != S.ADMITTED:
            messages.error(
                request,
                _("Only an admitted member can request withdrawal; the unit is “%(status)s”.")
                % {"status": unit.get_status_display()},
            )
            return redirect(here)
        form = self._form(unit, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                withdrawal = services.request_withdrawal(
                    unit,
                    reason=data["reason"],
                    effective_on=data["effective_on"],
                    documents=data["documents"],
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The withdrawal request was sent to the secretariat. If the standing council approves it, "
                      "the unit leaves on %(date)s.") % {"date": withdrawal.effective_on.isoformat()},
                )  # fmt: skip
                return redirect(here)
        return self._render(unit, form, status=400)


class MyUnitWithdrawCancelView(OwnUnitMixin, View):
    required_action = Action.REQUEST_WITHDRAWAL

    def post(self, request, alliance_slug):
        unit = self.get_unit()
        try:
            services.cancel_withdrawal(unit, reason=(request.POST.get("reason") or "").strip()[:2000])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The withdrawal request was cancelled; the unit remains a member."))
        return redirect("my-unit-withdraw", alliance_slug=alliance_slug)


# --- Certificate and documents --------------------------------------------------------------------------


def certificate_response(request, unit: MemberUnit):
    try:
        pdf = render_certificate(unit)
    except CertificateUnavailable as refusal:
        return render(
            request,
            "members/certificate_unavailable.html",
            {"unit": unit, "message": refusal.message},
            status=404,
        )
    record_event("member.certificate_downloaded", unit, detail={"member_number": unit.member_number})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, certificate_filename(unit))
    return response


class MemberCertificateView(AllianceDetailView):
    """The secretariat (or a bureau official) downloads a unit's certificate."""

    required_action = Action.VIEW_MEMBERS
    queryset = MemberUnit.objects.select_related("alliance")

    def get(self, request, *args, **kwargs):
        return certificate_response(request, self.get_object())


class MyUnitCertificateView(OwnUnitMixin, View):
    required_action = Action.EDIT_OWN_UNIT

    def get(self, request, alliance_slug):
        return certificate_response(request, self.get_unit(MemberUnit.objects.select_related("alliance")))


def document_response(document: MemberDocument) -> FileResponse:
    """Serve a member document as an attachment with its stored content type; audited."""
    return audited_file_response(
        document.file, document, filename=document_filename(document), content_type=document.content_type,
        action="member.document_downloaded",
        detail={"member_unit": document.member_unit_id, "title": document.title[:200]},
    )  # fmt: skip


class MemberDocumentView(AllianceDetailView):
    required_action = Action.VIEW_MEMBERS
    queryset = MemberDocument.objects.all()

    def get(self, request, *args, **kwargs):
        return document_response(self.get_object())


class MyUnitDocumentView(OwnUnitMixin, View):
    """A document of the representative's own unit; any other document is 404."""

    required_action = Action.EDIT_OWN_UNIT

    def get(self, request, alliance_slug, memberdocument_id):
        if self.membership.member_unit_id is None:
            raise Http404
        document = MemberDocument.objects.filter(
            pk=memberdocument_id, member_unit_id=self.membership.member_unit_id
        ).first()
        if document is None:
            raise Http404
        return document_response(document)

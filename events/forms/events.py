"""Forms of the event, agenda, attachment, registration and check-in pages. They check the shape of the input;
the rules (capacity, quota, deadlines, states) are in events/services/."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliances.governance import CouncilTerm, Meeting
from alliances.models import mobile_validator
from members.forms import MultipleFileField
from members.models import CURRENT_MEMBER_STATUSES, MemberUnit

from ..models import AgendaItem, AttachmentKind, Event
from ..services.events import FIELDS


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class UnitsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def current_units():
    # Declared at import: the tenant queryset is scoped when the choices are read, per request.
    return MemberUnit.objects.filter(status__in=CURRENT_MEMBER_STATUSES).order_by("name")


_EventFields = type(
    "_EventFields",
    (forms.Form,),
    forms.fields_for_model(
        Event,
        fields=[name for name in FIELDS if name != "host_unit"],
        widgets={
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "registration_deadline": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        },
        help_texts={
            "registration_deadline": _("Empty: registration closes when the event starts."),
            "quota_per_unit": _("How many people each member unit may register; empty for no limit."),
        },
    ),
)


class EventForm(_EventFields):
    """Create or edit an event. The service checks the rules (end after start, quota within capacity…)."""

    host_unit = UnitChoiceField(label=_("Host unit"), queryset=current_units(), required=False)
    organisers = UnitsChoiceField(
        label=_("Organisers"), queryset=current_units(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Member units that organise the event with the secretariat."),
    )  # fmt: skip
    field_order = ["kind", "title", "starts_at", "ends_at", "venue", "host_unit", "organisers", "description",
                   "capacity", "quota_per_unit", "registration_opens", "registration_deadline"]  # fmt: skip

    def __init__(self, *args, instance: Event | None = None, **kwargs):
        if instance is not None and not kwargs.get("data"):
            initial = {field: getattr(instance, field) for field in FIELDS}
            initial["organisers"] = list(instance.organisers.all())
            kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        if instance is not None:
            # Keep units already on the event choosable even if they are no longer current members.
            keep = [pk for pk in [instance.host_unit_id] if pk] + [
                unit.pk for unit in instance.organisers.all()
            ]
            units = MemberUnit.objects.filter(
                Q(status__in=CURRENT_MEMBER_STATUSES) | Q(pk__in=keep)
            ).order_by("name")
            self.fields["host_unit"].queryset = units
            self.fields["organisers"].queryset = units

    def event_data(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in FIELDS}


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone registered or on the waiting list is told by e-mail."),
    )  # fmt: skip


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 12}))


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["starts_at", "topic", "speaker", "speaker_unit"]
        widgets = {"starts_at": TimeInput()}


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices, initial=AttachmentKind.DOCUMENT)
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the file's name.")
    )
    files = MultipleFileField(
        label=_("Files (PDF, JPEG or PNG, at most 10 MB each; photos JPEG or PNG)"), required=True
    )


class RecordMeetingForm(forms.Form):
    """Record the governance meeting this event was; the body and date come from the event."""

    present = forms.IntegerField(label=_("Members present"), min_value=0)
    seats = forms.IntegerField(
        label=_("Members of the body"), min_value=1, required=False,
        help_text=_("Empty: the number of units sitting on the body now."),
    )  # fmt: skip
    term = forms.ModelChoiceField(
        label=_("Term"), queryset=CouncilTerm.objects.order_by("-number"), required=False,
        help_text=_("Empty: the term running on the day of the meeting."),
    )  # fmt: skip


class LinkMeetingForm(forms.Form):
    meeting = forms.ModelChoiceField(label=_("Meeting already recorded"), queryset=Meeting.objects.none())

    def __init__(self, *args, meetings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if meetings is not None:
            self.fields["meeting"].queryset = meetings


class RegistrationForm(forms.Form):
    person_name = forms.CharField(label=_("Name"), max_length=50)
    person_title = forms.CharField(label=_("Title or position"), max_length=50, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=11, required=False, validators=[mobile_validator])


class StaffRegistrationForm(RegistrationForm):
    member_unit = UnitChoiceField(label=_("Member unit"), queryset=current_units())
    field_order = ["member_unit", "person_name", "person_title", "mobile"]


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Scanned code"), max_length=500,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false",
                                      "data-testid": "check-in-code"}),
        help_text=_("Scan the QR code (the scanner types its address and Enter), or type the code."),
    )  # fmt: skip

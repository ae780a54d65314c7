"""Forms of the cooperation-record pages and the dormant-members page. They check the shape of the input; the
rules (a school and an enterprise, both current members; graduates employed within the students…) are in
events/services/cooperation.py."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.forms import DateInput, MultipleFileField
from members.models import CURRENT_MEMBER_STATUSES, MemberKind, MemberUnit, Specialty

from ..activity import DORMANT_MONTHS
from ..models import CooperationRecord, CooperationStatus, Event, EventKind, EventStatus
from ..services.cooperation import FIELDS

DOCUMENTS_LABEL = _("Documents (PDF, JPEG or PNG, at most 10 MB each)")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from django.utils import timezone

        return f"{timezone.localdate(obj.starts_at):%Y-%m-%d} {obj.title}"


_PLAIN_FIELDS = [name for name in FIELDS if name not in ("school", "enterprise", "event", "specialty")]

# The record's own fields as the model describes them (labels, limits); a plain form, so that the rules are checked
# once, by the service, with its messages.
_RecordFields = type(
    "_RecordFields",
    (forms.Form,),
    forms.fields_for_model(
        CooperationRecord,
        fields=_PLAIN_FIELDS,
        widgets={
            "signed_on": DateInput(),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        },
        help_texts={
            "graduates_employed": _("Order and named classes: graduates who joined the enterprise under the "
                                    "agreement (the order-class subsidy counts them)."),
            "participants": _("Apprentices, teachers on placement, trainees…: how many people take part."),
        },
    ),
)  # fmt: skip


class CooperationForm(_RecordFields):
    """Record or edit a cooperation. The school and enterprise lists offer current member schools and enterprises
    (and, when editing, the parties already on the record). `event` is fixed when recording from an event."""

    school = UnitChoiceField(label=_("School"), queryset=MemberUnit.objects.none())
    enterprise = UnitChoiceField(label=_("Enterprise"), queryset=MemberUnit.objects.none())
    event = EventChoiceField(
        label=_("Signed at event"), queryset=Event.objects.none(), required=False,
        help_text=_("Signing and award ceremonies; for another kind of event, record the agreement from its page."),
    )  # fmt: skip
    specialty = forms.ModelChoiceField(
        label=_("Specialty"), queryset=Specialty.objects.order_by("code"), required=False,
        help_text=_("Order and named classes: the specialty of the 2021 catalogue the class studies."),
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("Status"), choices=CooperationStatus.choices, initial=CooperationStatus.ACTIVE
    )
    documents = MultipleFileField(label=DOCUMENTS_LABEL, required=False)
    field_order = [*FIELDS, "status", "documents"]

    def __init__(
        self, *args, instance: CooperationRecord | None = None, event: Event | None = None, **kwargs
    ):
        if instance is not None:
            kwargs.setdefault("initial", forms.model_to_dict(instance, fields=FIELDS))
        super().__init__(*args, **kwargs)
        record = instance
        current = Q(status__in=CURRENT_MEMBER_STATUSES)
        keep_school = Q(pk=record.school_id) if record else Q(pk__in=[])
        keep_enterprise = Q(pk=record.enterprise_id) if record else Q(pk__in=[])
        self.fields["school"].queryset = MemberUnit.objects.filter(
            (current & Q(kind__in=MemberKind.school_kinds())) | keep_school
        ).order_by("name")
        self.fields["enterprise"].queryset = MemberUnit.objects.filter(
            (current & Q(kind=MemberKind.ENTERPRISE)) | keep_enterprise
        ).order_by("name")
        offered = Q(kind=EventKind.CEREMONY) & ~Q(status=EventStatus.CANCELLED)
        if record and record.event_id:
            offered |= Q(pk=record.event_id)
        if event is not None:
            offered |= Q(pk=event.pk)
        self.fields["event"].queryset = Event.objects.filter(offered).order_by("-starts_at", "-pk")
        if event is not None:
            self.fields["event"].initial = event.pk
            self.fields["event"].disabled = True
            self.fields["event"].help_text = ""
        if record is not None:  # status and documents have their own steps on the record's page
            del self.fields["status"]
            del self.fields["documents"]

    def record_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in FIELDS if name in self.cleaned_data}


class CooperationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=())
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the cooperation is terminated."),
    )  # fmt: skip

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(value, CooperationStatus(value).label) for value in allowed]


class CooperationDocumentForm(forms.Form):
    documents = MultipleFileField(label=DOCUMENTS_LABEL)


class DormantForm(forms.Form):
    months = forms.IntegerField(
        label=_("Months without activity"), min_value=1, max_value=120, initial=DORMANT_MONTHS, required=False
    )
    include_new = forms.BooleanField(label=_("Include units admitted within that time"), required=False)

    def values(self) -> tuple[int, bool]:
        if not self.is_bound or not self.is_valid():
            return DORMANT_MONTHS, False
        return self.cleaned_data.get("months") or DORMANT_MONTHS, bool(self.cleaned_data.get("include_new"))

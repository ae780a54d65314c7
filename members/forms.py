"""Forms of the secretariat's member pages and of the public application. Rules stay in services."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliances.governance import Resolution
from alliances.models import mobile_validator

from .identifiers import credit_code_problem, normalise_credit_code
from .models import (
    Committee,
    CouncilRole,
    Division,
    IndustryDivision,
    MemberKind,
    MemberUnit,
    Specialty,
)
from .services import LIFECYCLE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several documents in one input; each is checked by content in the service (alliances/uploads.py)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _known_division(code: str) -> bool:
    return Division.objects.filter(code=code).exists()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


PROFILE_FORM_FIELDS = [
    "kind", "name", "short_name", "credit_code", "legal_representative", "division_code", "address", "website",
    "industry_division", "employee_count", "above_designated_size", "ownership", "school_level", "enrolment",
    "teacher_count",
]  # fmt: skip


class MemberProfileForm(forms.ModelForm):
    """A unit's profile. Enterprise and school fields are shown for every type and cleared when they do not apply."""

    website = forms.URLField(label=_("website"), required=False, assume_scheme="https", max_length=200)
    specialties = forms.ModelMultipleChoiceField(
        label=_("Specialties offered"), queryset=Specialty.objects.select_related("specialty_class"),
        required=False, help_text=_("Schools: the specialties of the 2021 catalogue they offer."),
    )  # fmt: skip

    class Meta:
        model = MemberUnit
        fields = PROFILE_FORM_FIELDS
        widgets = {"address": forms.TextInput(attrs={"size": 60})}

    # Fields checked on the server as soon as they change (htmx), before the whole form is sent.
    INLINE_VALIDATION = ("name", "credit_code", "division_code", "website", "employee_count", "enrolment",
                         "teacher_count")  # fmt: skip

    def __init__(self, *args, validate_url: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if validate_url:
            for name in self.INLINE_VALIDATION:
                self.fields[name].widget.attrs.update({
                    "hx-post": validate_url, "hx-trigger": "change", "hx-target": "closest .field",
                    "hx-swap": "outerHTML", "hx-include": "closest form", "hx-encoding": "application/x-www-form-urlencoded",
                })  # fmt: skip
        self.fields["industry_division"].queryset = IndustryDivision.objects.select_related("section")
        self.fields["credit_code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["division_code"].help_text = _("6 digits of GB/T 2260, e.g. 370303 for 淄博市张店区.")
        if self.instance.pk:
            self.initial["specialties"] = list(self.instance.specialties.values_list("code", flat=True))

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data.get("credit_code", ""))
        problem = credit_code_problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code

    def clean_division_code(self):
        code = (self.cleaned_data.get("division_code") or "").strip()
        if code and not _known_division(code):
            raise forms.ValidationError(_("%(code)s is not a known division code.") % {"code": code})
        return code

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and kind != MemberKind.ENTERPRISE:
            for field in ("industry_division", "employee_count", "ownership"):
                cleaned[field] = None if field != "ownership" else ""
            cleaned["above_designated_size"] = False
        if kind and kind not in MemberKind.school_kinds():
            cleaned["school_level"], cleaned["enrolment"], cleaned["teacher_count"] = "", None, None
            cleaned["specialties"] = Specialty.objects.none()
        return cleaned

    def _post_clean(self):
        # Uniqueness and the rest are checked by the service, which knows the alliance.
        pass

    def profile_data(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in PROFILE_FORM_FIELDS}


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Contact name"), max_length=50, required=False)
    title = forms.CharField(label=_("Position"), max_length=50, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=11, required=False, validators=[mobile_validator])
    email = forms.EmailField(label=_("E-mail"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("name") and (cleaned.get("mobile") or cleaned.get("email")):
            self.add_error("name", _("Give the contact's name."))
        return cleaned


ContactFormSet = formset_factory(ContactForm, extra=1, max_num=5, validate_max=True)


def contact_rows(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.cleaned_data.get("name")]


class RegisterMemberForm(MemberProfileForm):
    """The secretariat registers a unit: an existing member (with its admission date) or a paper application."""

    admitted_on = forms.DateField(
        label=_("Member since"), required=False, widget=DateInput(),
        help_text=_("For units that are already members (founding members, records moved from paper). "
                    "Leave empty to register a paper application, which then goes through review."),
    )  # fmt: skip
    council_role = forms.ChoiceField(label=_("Council role"), choices=CouncilRole.choices, initial=CouncilRole.MEMBER)

    def clean_admitted_on(self):
        value = self.cleaned_data.get("admitted_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The admission date cannot be in the future."))
        return value


class TransitionForm(forms.Form):
    """The form of one lifecycle transition; it shows only the inputs that transition needs."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    resolution = forms.ModelChoiceField(label=_("Resolution"), queryset=Resolution.objects.none(), required=False)
    requested_on = forms.DateField(label=_("Written request received on"), required=False, widget=DateInput())
    effective_on = forms.DateField(label=_("Effective on"), required=False, widget=DateInput())
    council_role = forms.ChoiceField(label=_("Council role"), choices=CouncilRole.choices, required=False)
    documents = MultipleFileField(label=_("Documents (PDF, JPEG or PNG, at most 10 MB each)"))

    def __init__(self, *args, transition_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = LIFECYCLE[transition_name]
        subject = self.transition.resolution_subject
        if subject:
            self.fields["resolution"].required = True
            self.fields["resolution"].queryset = Resolution.objects.filter(
                subject=subject, passed=True
            ).select_related("meeting")
            self.fields["resolution"].help_text = _("Passed resolutions on this subject. Record the meeting and its "
                                                    "resolution first if it is not listed.")  # fmt: skip
        else:
            del self.fields["resolution"]
        self.fields["reason"].required = self.transition.reason_required
        if transition_name != "request_withdrawal":
            del self.fields["requested_on"], self.fields["effective_on"]
        else:
            self.fields["requested_on"].initial = timezone.localdate()
            self.fields["effective_on"].help_text = _("Empty: the earliest date the charter allows.")
        if transition_name != "admit":
            del self.fields["council_role"]
        if transition_name in ("start_review", "reinstate", "cancel_withdrawal", "complete_withdrawal"):
            del self.fields["documents"]


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("add_to_committee", _("Add to committee")),
        ("set_council_role", _("Set council role")),
        ("export", _("Export selected (Excel)")),
    ]
    action = forms.ChoiceField(label=_("With the selected units"), choices=ACTIONS)
    units = forms.ModelMultipleChoiceField(queryset=MemberUnit.objects.all())
    committee = forms.ModelChoiceField(label=_("Committee"), queryset=Committee.objects.all(), required=False)
    council_role = forms.ChoiceField(label=_("Council role"), choices=[("", "—"), *CouncilRole.choices], required=False)

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "add_to_committee" and not cleaned.get("committee"):
            self.add_error("committee", _("Choose the committee."))
        if action == "set_council_role" and not cleaned.get("council_role"):
            self.add_error("council_role", _("Choose the council role."))
        return cleaned


class ApplicationForm(MemberProfileForm):
    """The public online application (no login)."""

    contact_name = forms.CharField(label=_("Contact name"), max_length=50)
    contact_title = forms.CharField(label=_("Contact's title"), max_length=50, required=False)
    contact_mobile = forms.CharField(label=_("Contact's mobile"), max_length=11, validators=[mobile_validator])
    contact_email = forms.EmailField(label=_("Contact's e-mail"))
    statement = forms.CharField(
        label=_("About the unit and why it wants to join"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000,
        help_text=_("A true account of the unit: what it does, its size, the cooperation it seeks."),
    )  # fmt: skip
    documents = MultipleFileField(
        label=_("Documents"), help_text=_("Business licence or registration certificate, application letter: "
                                          "PDF, JPEG or PNG, at most 10 MB each."),
    )  # fmt: skip
    accepts_charter = forms.BooleanField(label=_("The unit has read the charter and accepts it."))

    class Meta(MemberProfileForm.Meta):
        fields = [f for f in PROFILE_FORM_FIELDS]

    def contacts(self) -> list[dict]:
        c = self.cleaned_data
        return [{"name": c["contact_name"], "title": c.get("contact_title", ""), "mobile": c["contact_mobile"],
                 "email": c["contact_email"]}]  # fmt: skip


class ProvideInformationForm(forms.Form):
    note = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000)
    documents = MultipleFileField(label=_("Documents (PDF, JPEG or PNG, at most 10 MB each)"))

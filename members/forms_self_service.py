"""Forms of the member representative's pages (own unit, withdrawal) and of the secretariat's change-request queue.

Rules stay in members/services.py; these forms check input field by field so that errors show next to the
field (also one field at a time, through htmx, when the user leaves it).
"""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from alliances.uploads import check_documents

from .forms import ContactForm, DateInput, MultipleFileField
from .identifiers import credit_code_problem, normalise_credit_code
from .models import Division, IndustryDivision, MemberSpecialty, MemberUnit, Specialty
from .services import IDENTITY_FIELDS

# --- Grouped selects -----------------------------------------------------------------------------------


class GroupedModelChoiceIterator(ModelChoiceIterator):
    """Choices in <optgroup>s: consecutive objects with the same `field.group_label(obj)` form one group."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for label, objects in groupby(self.queryset, key=self.field.group_label):
            yield (label, [self.choice(obj) for obj in objects])


class GroupedModelChoiceField(forms.ModelChoiceField):
    iterator = GroupedModelChoiceIterator

    def __init__(self, queryset, *, group_label, **kwargs):
        self.group_label = group_label
        super().__init__(queryset, **kwargs)


class GroupedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = GroupedModelChoiceIterator

    def __init__(self, queryset, *, group_label, **kwargs):
        self.group_label = group_label
        super().__init__(queryset, **kwargs)


def _industry_group(division: IndustryDivision) -> str:
    return str(division.section)


def _specialty_group(specialty: Specialty) -> str:
    specialty_class = specialty.specialty_class
    return f"{specialty_class} · {specialty_class.get_level_display()}"


# --- The representative's profile form ---------------------------------------------------------------

COMMON_FIELDS = [
    "name",
    "short_name",
    "credit_code",
    "legal_representative",
    "division_code",
    "address",
    "website",
]
ENTERPRISE_FIELDS = ["industry_division", "employee_count", "above_designated_size", "ownership"]
SCHOOL_FIELDS = ["school_level", "enrolment", "teacher_count"]
# Fields checked one at a time when the user leaves them (htmx); the rest are checked on saving.
INLINE_VALIDATED = [*COMMON_FIELDS, "employee_count", "enrolment", "teacher_count"]


class OwnProfileForm(forms.ModelForm):
    """A member representative's view of the unit's profile. The fields shown depend on the kind of unit.

    The form never writes to the unit: `members.services.update_own_profile` does, and decides that name and
    credit code changes wait for the secretariat.
    """

    specialties = GroupedModelMultipleChoiceField(
        Specialty.objects.select_related("specialty_class").order_by("specialty_class__code", "code"),
        group_label=_specialty_group, required=False, label=_("Specialties offered"),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )  # fmt: skip
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")
    reason = forms.CharField(
        label=_("Reason for the change of name or credit code"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed when the name or the credit code changes, e.g. “renamed by the market "
                    "regulator on 1 March”."),
    )  # fmt: skip

    class Meta:
        model = MemberUnit
        fields = [*COMMON_FIELDS, *ENTERPRISE_FIELDS, *SCHOOL_FIELDS]
        widgets = {"address": forms.TextInput(attrs={"size": 60})}

    def __init__(
        self,
        *args,
        unit: MemberUnit,
        validate_url: str | None = None,
        identity_locked: bool = False,
        **kwargs,
    ):
        self.unit = unit
        super().__init__(*args, instance=unit, **kwargs)
        if not unit.is_enterprise:
            for name in ENTERPRISE_FIELDS:
                del self.fields[name]
        else:
            self.fields["industry_division"] = GroupedModelChoiceField(
                IndustryDivision.objects.select_related("section").order_by("section__code", "code"),
                group_label=_industry_group, required=False, label=_("Industry (GB/T 4754 division)"),
                initial=unit.industry_division_id,
            )  # fmt: skip
        if not unit.is_school:
            for name in SCHOOL_FIELDS:
                del self.fields[name]
            del self.fields["specialties"]
        else:
            self.initial["specialties"] = list(
                MemberSpecialty.objects.filter(member_unit=unit).values_list("specialty_id", flat=True)
            )
        for name in IDENTITY_FIELDS:
            self.fields[name].help_text = _(
                "A change is sent to the secretariat and takes effect when they approve it."
            )
            if identity_locked:  # one request at a time: these wait until the open one is decided
                self.fields[name].disabled = True
                self.fields[name].help_text = _("A change is waiting for the secretariat.")
        if identity_locked:
            del self.fields["reason"]
        self.fields["credit_code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["division_code"].help_text = _("6 digits of GB/T 2260, e.g. 370303 for 淄博市张店区.")
        if validate_url:
            for name in INLINE_VALIDATED:
                if name in self.fields:
                    self.fields[name].widget.attrs.update(
                        {"hx-post": validate_url, "hx-trigger": "blur changed", "hx-target": "closest .field",
                         "hx-swap": "outerHTML", "hx-sync": "closest form:abort"}
                    )  # fmt: skip

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if (
            name
            and name != self.unit.name
            and MemberUnit.objects.filter(name=name).exclude(pk=self.unit.pk).exists()
        ):
            raise ValidationError(_("A unit with this name is already registered in this alliance."))
        return name

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data.get("credit_code") or "")
        problem = credit_code_problem(code)
        if problem:
            raise ValidationError(problem)
        if code != self.unit.credit_code and (
            MemberUnit.objects.filter(credit_code=code).exclude(pk=self.unit.pk).exists()
        ):
            raise ValidationError(_("A unit with this credit code is already registered in this alliance."))
        return code

    def clean_division_code(self):
        code = (self.cleaned_data.get("division_code") or "").strip()
        # Checked against the division list when it is loaded; the 6-digit form is checked by the model field.
        if code and Division.objects.exists() and not Division.objects.filter(code=code).exists():
            raise ValidationError(_("%(code)s is not a known division code.") % {"code": code})
        return code

    def _post_clean(self):
        # Leave the unit untouched: the service compares the submitted values with the stored ones.
        pass

    def profile_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields if name in self.fields}

    def identity_changes(self) -> list[str]:
        """Labels of the identity fields (name, credit code) whose value the user changed."""
        return [
            str(self.fields[name].label)
            for name in IDENTITY_FIELDS
            if name in self.cleaned_data and self.cleaned_data[name] != getattr(self.unit, name)
        ]

    def specialties_or_none(self):
        """The chosen specialties, or None when they are not part of this form or did not change."""
        if "specialties" not in self.fields:
            return None
        chosen = list(self.cleaned_data.get("specialties") or [])
        if {s.pk for s in chosen} == set(self.initial.get("specialties") or []):
            return None
        return chosen


class BaseContactFormSet(forms.BaseFormSet):
    """Every row is cleaned, also rows equal to their initial values: the rows submitted are the full list."""

    def _construct_form(self, i, **kwargs):
        return super()._construct_form(i, empty_permitted=False, **kwargs)

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        if not self.rows():
            raise ValidationError(_("Give at least one contact, so that the secretariat can reach the unit."))

    def rows(self) -> list[dict]:
        """Named contacts in the order given (the first is the primary contact)."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if (data.get("name") or "").strip():
                rows.append(
                    {key: (data.get(key) or "").strip() for key in ("name", "title", "mobile", "email")}
                )
        return rows


MAX_CONTACTS = 5
ContactFormSet = formset_factory(
    ContactForm, formset=BaseContactFormSet, extra=1, max_num=MAX_CONTACTS, validate_max=True,
    absolute_max=MAX_CONTACTS,
)  # fmt: skip


def contact_initial(unit: MemberUnit) -> list[dict]:
    return [
        {"name": c.name, "title": c.title, "mobile": c.mobile, "email": c.email} for c in unit.contacts.all()
    ]


# --- Withdrawal ---------------------------------------------------------------------------------------


class WithdrawalRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for leaving"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    effective_on = forms.DateField(label=_("Requested effective date"), widget=DateInput())
    documents = MultipleFileField(
        label=_("Written request and other documents"),
        help_text=_("The signed and stamped letter (退会申请): PDF, JPEG or PNG, at most 10 MB each."),
    )

    def __init__(self, *args, earliest, notice_months: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest = earliest
        self.notice_months = notice_months
        field = self.fields["effective_on"]
        field.initial = earliest
        field.widget.attrs["min"] = earliest.isoformat()
        field.help_text = _(
            "The charter asks for %(months)d months' notice: the earliest possible date is %(date)s."
        ) % {"months": notice_months, "date": earliest.isoformat()}

    def clean_effective_on(self):
        value = self.cleaned_data["effective_on"]
        if value < self.earliest:
            raise ValidationError(
                _("Under the charter a withdrawal takes effect at the earliest %(months)d months after the "
                  "written request, i.e. on or after %(date)s.")
                % {"months": self.notice_months, "date": self.earliest.isoformat()}
            )  # fmt: skip
        return value

    def clean_documents(self):
        documents = self.cleaned_data.get("documents") or []
        check_documents(documents)  # raises a ValidationError naming each bad file
        return documents


# --- The secretariat's decision on a change request ----------------------------------------------------


class ChangeDecisionForm(forms.Form):
    APPROVE, DECLINE = "approve", "decline"
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(APPROVE, _("Approve")), (DECLINE, _("Decline"))],
        widget=forms.RadioSelect,
    )  # fmt: skip
    note = forms.CharField(
        label=_("Note to the unit"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when declining: say why, so that the unit can correct the request."),
    )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.DECLINE and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the change is declined."))
        return cleaned

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE

"""Forms of the enterprise's claim: opening one, its lines, the payment account, the Excel upload and documents.
The rules are in services/claims.py; the forms only collect and type the values."""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliances.spreadsheets import XLSX_CONTENT_TYPE
from members.models import CURRENT_MEMBER_STATUSES, MemberKind, MemberUnit

from ..imports import MAX_FILE_BYTES, MAX_LINES
from ..models import Claim, ClaimLine, Period, ProgramKind, SpecialtyLevelAward
from ..services.claims import enterprise_order_classes, open_programs


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClaimCreateForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=open_programs(), empty_label=None)
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.none(), empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Periods still open for claims, decided when the form is made (not at import time).
        self.fields["period"].queryset = Period.objects.filter(
            claim_deadline__gte=timezone.localdate()
        ).order_by("starts_on", "pk")
        self.fields["period"].label_from_instance = lambda period: (
            _("%(name)s (claims due by %(deadline)s)")
            % {"name": period.name, "deadline": period.claim_deadline.isoformat()}
        )


def order_class_label(record) -> str:
    """How a class is offered: its name, school and graduation year."""
    if record.graduation_year:
        return _("%(class)s · %(school)s · graduating %(year)s") % {
            "class": record.class_label, "school": record.school.name,
            "year": record.graduation_year,
        }  # fmt: skip
    return _("%(class)s · %(school)s") % {
        "class": record.class_label,
        "school": record.school.name,
    }


def school_choices(current=None):
    """The alliance's current member schools (and the line's own school, should it have left since)."""
    queryset = MemberUnit.objects.filter(
        kind__in=MemberKind.school_kinds(), status__in=CURRENT_MEMBER_STATUSES
    )
    if current is not None:
        queryset = MemberUnit.objects.filter(kind__in=MemberKind.school_kinds()).filter(
            pk__in=list(queryset.values_list("pk", flat=True)) + [current.pk]
        )
    return queryset.order_by("name")


class ClaimLineForm(forms.Form):
    """One line. On a new line the resident ID number is required; on an existing one an empty field keeps it."""

    student_name = forms.CharField(label=_("Student's name"), max_length=50)
    resident_id = forms.CharField(
        label=_("Resident ID number"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
        help_text=_("18 characters: 17 digits and a check digit or X. Shown masked once saved."),
    )  # fmt: skip
    order_class = forms.ModelChoiceField(
        label=_("Order or named class"), queryset=MemberUnit.objects.none(), required=False,
        help_text=_("One of your enterprise's order or named classes in the alliance's cooperation records; the "
                    "graduate's school is the class's."),
    )  # fmt: skip
    school = forms.ModelChoiceField(label=_("School"), queryset=MemberUnit.objects.none(), required=False)
    specialty = forms.CharField(label=_("Specialty"), max_length=60, required=False)
    post = forms.CharField(label=_("Post"), max_length=60, required=False)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())
    agreement_number = forms.CharField(label=_("Tripartite agreement number"), max_length=60, required=False)
    insurance_policy_number = forms.CharField(
        label=_("Insurance policy number"), max_length=60, required=False
    )
    monthly_pay = forms.DecimalField(
        label=_("Monthly pay (CNY)"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    award_level = forms.ChoiceField(
        label=_("Award level"), choices=[("", "—"), *SpecialtyLevelAward.choices], required=False
    )

    def __init__(self, *args, claim: Claim, line: ClaimLine | None = None, **kwargs):
        if line is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(line, name) for name in (
                    "student_name", "school", "order_class", "specialty", "post", "starts_on", "ends_on",
                    "agreement_number", "insurance_policy_number", "monthly_pay", "award_level",
                )
            }  # fmt: skip
        super().__init__(*args, **kwargs)
        self.claim, self.line = claim, line
        self.fields["school"].queryset = school_choices(
            line.school if line is not None and line.school_id else None
        )
        if line is None:
            self.fields["resident_id"].required = True
        else:
            self.fields["resident_id"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it; type the whole number to change it."
            ) % {"masked": line.resident_id_masked}
        if claim.program.kind != ProgramKind.QUALITY_SPECIALTY:
            del self.fields["award_level"]
        if claim.program.kind == ProgramKind.ORDER_CLASS:
            # The graduate comes from one of the enterprise's classes, whose school is the line's school.
            field = self.fields["order_class"]
            field.queryset = enterprise_order_classes(
                claim.enterprise_id,
                usable_only=True,
                include=line.order_class_id if line is not None else None,
            )
            field.label_from_instance = order_class_label
            field.empty_label = _("— choose the class —")
            del self.fields["school"]
        else:
            del self.fields["order_class"]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        if self.line is not None and not (data.get("resident_id") or "").strip():
            data.pop("resident_id", None)
        return data


class PaymentForm(forms.Form):
    payee_name = forms.CharField(label=_("Account holder"), max_length=200)
    bank_name = forms.CharField(label=_("Bank and branch"), max_length=100)
    bank_account = forms.CharField(
        label=_("Bank account number"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("8 to 30 digits. Stored encrypted and shown masked."),
    )  # fmt: skip

    def __init__(self, *args, claim: Claim, **kwargs):
        kwargs.setdefault("initial", {"payee_name": claim.payee_name, "bank_name": claim.bank_name})
        super().__init__(*args, **kwargs)
        if claim.bank_account_masked:
            self.fields["bank_account"].help_text = _(
                "Stored: %(masked)s. Leave empty to keep it; type the whole number to change it."
            ) % {"masked": claim.bank_account_masked}
        else:
            self.fields["bank_account"].required = True


class ClaimImportForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in template (.xlsx)"),
        allow_empty_file=True,  # an empty file gets the import's own message
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("At most %(lines)d lines and %(size)s.") % {
            "lines": MAX_LINES, "size": filesizeformat(MAX_FILE_BYTES),
        }  # fmt: skip


class ClaimDocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False,
        help_text=_("e.g. 三方协议（扫描件）; the file name when left empty."),
    )  # fmt: skip
    file = forms.FileField(
        label=_("Document (PDF, JPEG or PNG, at most 10 MB)"), allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )  # fmt: skip

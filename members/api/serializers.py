"""Serializers of the members API. They check the shape of the input; the rules stay in members/services.py.

Every related field is limited to the active scope: its queryset comes from a tenant model's default manager,
so an id of another alliance's row is answered "does not exist", as if it were never there.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alliances.api.serializers import JobSerializer
from alliances.governance import Resolution
from alliances.models import mobile_validator
from alliances.permissions import Action

from .. import services
from ..identifiers import normalise_credit_code
from ..models import (
    Committee,
    Contact,
    CouncilRole,
    Division,
    IndustryDivision,
    MemberDocument,
    MemberKind,
    MembershipEvent,
    MemberUnit,
    ProfileChangeRequest,
    RequestStatus,
    Specialty,
    WithdrawalRequest,
)

# The profile as the services know it (members.services.PROFILE_FIELDS), in a stable order.
PROFILE_FIELDS = list(services.PROFILE_FIELDS)
ENTERPRISE_FIELDS = {
    "industry_division": None,
    "employee_count": None,
    "ownership": "",
    "above_designated_size": False,
}
SCHOOL_FIELDS = {"school_level": "", "enrolment": None, "teacher_count": None}


def masked_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[7:]}" if mobile else ""


# --- Small nested representations ----------------------------------------------------------------------


class CommitteeBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Committee
        fields = ["id", "name"]
        read_only_fields = fields


class SpecialtyBriefSerializer(serializers.ModelSerializer):
    specialty_class = serializers.CharField(source="specialty_class_id", read_only=True)

    class Meta:
        model = Specialty
        fields = ["code", "name", "specialty_class"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    """A contact person of a unit (flat route /contacts/). `member_unit` is given on creation only."""

    member_unit = serializers.PrimaryKeyRelatedField(queryset=MemberUnit.objects.all())

    class Meta:
        model = Contact
        fields = ["id", "member_unit", "name", "title", "mobile", "email", "is_primary"]
        read_only_fields = ["id"]

    def validate_name(self, value):
        value = (value or "").strip()
        if not value:
            raise serializers.ValidationError(_("Give the contact's name."))
        return value

    def validate_member_unit(self, value):
        if self.instance is not None and value.pk != self.instance.member_unit_id:
            raise serializers.ValidationError(_("A contact cannot be moved to another unit."))
        return value


class ContactReadSerializer(serializers.ModelSerializer):
    """A contact inside a unit's detail. The mobile number is masked for roles that may not reveal it."""

    mobile = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "name", "title", "mobile", "email", "is_primary"]
        read_only_fields = fields

    def get_mobile(self, contact) -> str:
        membership = getattr(self.context.get("request"), "membership", None)
        if membership is not None and membership.can(Action.REVEAL_PERSONAL_DATA):
            return contact.mobile
        return masked_mobile(contact.mobile)


class ContactInputSerializer(serializers.Serializer):
    """A contact in a unit's profile (creation or update); the first one is the primary contact."""

    name = serializers.CharField(max_length=50)
    title = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    mobile = serializers.CharField(
        max_length=11, required=False, allow_blank=True, default="", validators=[mobile_validator]
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")


# --- Member units --------------------------------------------------------------------------------------


class MemberUnitSerializer(serializers.ModelSerializer):
    """A unit in the list."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    council_role_display = serializers.CharField(source="get_council_role_display", read_only=True)
    committees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = MemberUnit
        fields = ["id", "member_number", "name", "short_name", "kind", "kind_display", "credit_code", "status",
                  "status_display", "council_role", "council_role_display", "legal_representative",
                  "division_code", "address", "website", "industry_division", "admitted_on", "updated_at",
                  "committees"]  # fmt: skip
        read_only_fields = fields


class TransitionLinkSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("Name of the transition in members.services.LIFECYCLE."))
    label = serializers.CharField()
    url = serializers.URLField(help_text=_("POST here to take the action."))


class OpenWithdrawalSerializer(serializers.ModelSerializer):
    class Meta:
        model = WithdrawalRequest
        fields = ["id", "status", "requested_on", "earliest_effective_on", "effective_on", "resolution"]
        read_only_fields = fields


class MemberUnitDetailSerializer(serializers.ModelSerializer):
    """One unit with its profile, contacts, specialties, committees and the lifecycle actions open to it now."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    council_role_display = serializers.CharField(source="get_council_role_display", read_only=True)
    ownership_display = serializers.CharField(source="get_ownership_display", read_only=True)
    school_level_display = serializers.CharField(source="get_school_level_display", read_only=True)
    contacts = ContactReadSerializer(many=True, read_only=True)
    specialties = SpecialtyBriefSerializer(many=True, read_only=True)
    committees = CommitteeBriefSerializer(many=True, read_only=True)
    open_withdrawal = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = MemberUnit
        fields = ["id", "member_number", "kind", "kind_display", "name", "short_name", "credit_code", "status",
                  "status_display", "council_role", "council_role_display", "legal_representative",
                  "division_code", "address", "website", "industry_division", "employee_count",
                  "above_designated_size", "ownership", "ownership_display", "school_level", "school_level_display",
                  "enrolment", "teacher_count", "applied_on", "admitted_on", "left_on", "created_at", "updated_at",
                  "contacts", "specialties", "committees", "open_withdrawal", "allowed_transitions"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenWithdrawalSerializer(allow_null=True))
    def get_open_withdrawal(self, unit):
        requests = [
            r
            for r in unit.withdrawal_requests.all()
            if r.status in (RequestStatus.PENDING, RequestStatus.APPROVED)
        ]
        return OpenWithdrawalSerializer(requests[0]).data if requests else None

    @extend_schema_field(TransitionLinkSerializer(many=True))
    def get_allowed_transitions(self, unit):
        """The transitions the unit's status allows (services.allowed_transitions), with their API routes.
        `reapply` is left out: applicants apply again through the public form."""
        request = self.context.get("request")
        links = []
        for name in services.allowed_transitions(unit.status):
            if name == "reapply":
                continue
            slug = request.alliance.slug if request else unit.alliance.slug
            url = reverse(
                f"api:member-{name.replace('_', '-')}",
                kwargs={"alliance_slug": slug, "memberunit_id": unit.pk},
            )
            links.append({
                "name": name, "label": str(services.LIFECYCLE[name].label),
                "url": request.build_absolute_uri(url) if request else url,
            })  # fmt: skip
        return links


class MemberProfileSerializer(serializers.ModelSerializer):
    """The profile fields of a unit, with its contacts and specialties. Used to register and to edit (PATCH).

    As on the page, fields that do not apply to the type of unit (enterprise or school fields) are cleared.
    """

    industry_division = serializers.PrimaryKeyRelatedField(
        queryset=IndustryDivision.objects.all(), required=False, allow_null=True,
        help_text=_("GB/T 4754 division code, e.g. \"34\"."),
    )  # fmt: skip
    contacts = ContactInputSerializer(
        many=True, required=False, help_text=_("Replaces all contacts; the first one is the primary contact.")
    )
    specialties = serializers.PrimaryKeyRelatedField(
        queryset=Specialty.objects.all(), many=True, required=False,
        help_text=_("Codes of the specialties a school offers (2021 catalogue); replaces the list."),
    )  # fmt: skip

    class Meta:
        model = MemberUnit
        fields = [*PROFILE_FIELDS, "contacts", "specialties"]
        extra_kwargs = {
            "kind": {"required": True},
            "name": {"required": True},
            "credit_code": {"required": True},
        }

    def validate_credit_code(self, value):
        return normalise_credit_code(value)

    def validate_name(self, value):
        value = (value or "").strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate_division_code(self, value):
        value = (value or "").strip()
        if value and not Division.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("%(code)s is not a known division code.") % {"code": value})
        return value

    def validate_contacts(self, value):
        if len(value) > 5:
            raise serializers.ValidationError(_("Give at most 5 contacts."))
        return value

    def validate(self, attrs):
        kind = attrs.get("kind") or (self.instance.kind if self.instance else None)
        kind_changed = self.instance is not None and "kind" in attrs and attrs["kind"] != self.instance.kind
        if kind and kind != MemberKind.ENTERPRISE:
            for field, empty in ENTERPRISE_FIELDS.items():
                if field in attrs or kind_changed:
                    attrs[field] = empty
        if kind and kind not in MemberKind.school_kinds():
            for field, empty in SCHOOL_FIELDS.items():
                if field in attrs or kind_changed:
                    attrs[field] = empty
            if "specialties" in attrs or kind_changed:
                attrs["specialties"] = []
        return attrs

    def profile_data(self) -> dict:
        return {field: value for field, value in self.validated_data.items() if field in PROFILE_FIELDS}


class MemberRegistrationSerializer(MemberProfileSerializer):
    """Registering a unit: with `admitted_on` it is an existing member (founding members, records moved from
    paper); without, a paper application that then goes through review."""

    admitted_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Member since; empty for a paper application.")
    )
    council_role = serializers.ChoiceField(choices=CouncilRole.choices, default=CouncilRole.MEMBER)

    class Meta(MemberProfileSerializer.Meta):
        fields = [*MemberProfileSerializer.Meta.fields, "admitted_on", "council_role"]

    def validate_admitted_on(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("The admission date cannot be in the future."))
        return value


# --- Lifecycle actions -----------------------------------------------------------------------------------


def resolution_field(required: bool = True, **kwargs):
    """A resolution of the alliance (by id); another alliance's id is answered "does not exist"."""
    return serializers.PrimaryKeyRelatedField(
        queryset=Resolution.objects.all(), required=required, allow_null=not required,
        help_text=_("Id of a passed resolution of the body the charter names."), **kwargs,
    )  # fmt: skip


def documents_field():
    return serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text=_("Documents (PDF, JPEG or PNG, at most 10 MB each), sent as multipart/form-data."),
    )  # fmt: skip


def reason_field(required: bool):
    return serializers.CharField(
        required=required, allow_blank=not required, default="" if not required else serializers.empty,
        max_length=4000,
    )  # fmt: skip


class EmptyActionSerializer(serializers.Serializer):
    """No input."""


class OptionalReasonSerializer(serializers.Serializer):
    reason = reason_field(required=False)


class ReasonSerializer(serializers.Serializer):
    reason = reason_field(required=True)


class ReasonWithDocumentsSerializer(ReasonSerializer):
    documents = documents_field()


class ProvideInformationSerializer(serializers.Serializer):
    note = reason_field(required=False)
    documents = documents_field()


class AdmitSerializer(serializers.Serializer):
    resolution = resolution_field()
    admitted_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("Defaults to the day of the resolution's meeting.")
    )
    council_role = serializers.ChoiceField(choices=CouncilRole.choices, required=False, allow_null=True)


class ExpelSerializer(serializers.Serializer):
    resolution = resolution_field()
    reason = reason_field(required=True)
    documents = documents_field()


class RequestWithdrawalSerializer(serializers.Serializer):
    reason = reason_field(required=True)
    requested_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("When the written request was received; default today.")
    )
    effective_on = serializers.DateField(
        required=False, allow_null=True,
        help_text=_("Default and earliest: the request date plus the charter's notice period."),
    )  # fmt: skip
    documents = documents_field()


class ApproveWithdrawalSerializer(serializers.Serializer):
    resolution = resolution_field()
    documents = documents_field()


class DeclineWithdrawalSerializer(serializers.Serializer):
    reason = reason_field(required=True)
    resolution = resolution_field(required=False)


class CouncilRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=CouncilRole.choices)
    reason = reason_field(required=False)


# --- Timeline and documents ----------------------------------------------------------------------------


class ResolutionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resolution
        fields = ["id", "number", "title", "subject", "passed"]
        read_only_fields = fields


class MembershipEventSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    resolution = ResolutionBriefSerializer(read_only=True, allow_null=True)
    actor = serializers.CharField(source="actor_label", read_only=True)
    documents = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = MembershipEvent
        fields = ["id", "occurred_at", "action", "action_display", "from_status", "to_status", "reason",
                  "resolution", "effective_on", "detail", "actor", "documents"]  # fmt: skip
        read_only_fields = fields


def document_download_url(request, document) -> str | None:
    """The page that serves the file (`member-document`), or None while that route does not exist."""
    kwargs = {"alliance_slug": request.alliance.slug, "memberdocument_id": document.pk}
    try:
        url = reverse("member-document", kwargs=kwargs)
    except NoReverseMatch:
        try:
            url = reverse("member-document", kwargs={**kwargs, "memberunit_id": document.member_unit_id})
        except NoReverseMatch:
            return None
    return request.build_absolute_uri(url)


class MemberDocumentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = MemberDocument
        fields = [
            "id",
            "title",
            "content_type",
            "size",
            "uploaded_at",
            "uploaded_by",
            "event",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, document) -> str | None:
        return document_download_url(self.context["request"], document)


# --- Committees ----------------------------------------------------------------------------------------


class CommitteeSerializer(serializers.ModelSerializer):
    chair_unit = serializers.PrimaryKeyRelatedField(
        queryset=MemberUnit.objects.all(), allow_null=True, required=False
    )
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Committee
        fields = ["id", "name", "chair_unit", "description", "member_count"]

    def validate_name(self, value):
        value = (value or "").strip()
        clashes = Committee.objects.filter(name=value)
        if self.instance is not None:
            clashes = clashes.exclude(pk=self.instance.pk)
        if clashes.exists():
            raise serializers.ValidationError(
                _("A committee with this name already exists in this alliance.")
            )
        return value


class CommitteeMembersSerializer(serializers.Serializer):
    member_units = serializers.PrimaryKeyRelatedField(
        queryset=MemberUnit.objects.all(),
        many=True,
        allow_empty=False,
        help_text=_("Ids of current members."),
    )
    joined_on = serializers.DateField(required=False, allow_null=True, help_text=_("Default today."))


class CommitteeMembersAddedSerializer(serializers.Serializer):
    added = serializers.IntegerField(
        help_text=_("How many units joined (units already in it are left alone).")
    )
    committee = CommitteeSerializer()


# --- Requests waiting for the secretariat ----------------------------------------------------------------


class MemberUnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberUnit
        fields = ["id", "name", "member_number", "status"]
        read_only_fields = fields


class WithdrawalRequestSerializer(serializers.ModelSerializer):
    member_unit = MemberUnitBriefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    resolution = ResolutionBriefSerializer(read_only=True, allow_null=True)
    requested_by = serializers.StringRelatedField()

    class Meta:
        model = WithdrawalRequest
        fields = ["id", "member_unit", "status", "status_display", "requested_on", "earliest_effective_on",
                  "effective_on", "reason", "resolution", "requested_by", "decided_at", "created_at"]  # fmt: skip
        read_only_fields = fields


class ProfileChangeRequestSerializer(serializers.ModelSerializer):
    member_unit = MemberUnitBriefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField()

    class Meta:
        model = ProfileChangeRequest
        fields = ["id", "member_unit", "changes", "previous", "reason", "status", "status_display",
                  "decision_note", "requested_by", "requested_at", "decided_by", "decided_at"]  # fmt: skip
        read_only_fields = fields


class ChangeDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text=_("true: apply the change; false: decline it."))
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text=_("Required when declining.")
    )

    def validate(self, attrs):
        if not attrs["approve"] and not attrs["note"].strip():
            raise serializers.ValidationError({"note": _("Say why the change is declined.")})
        return attrs


# --- Imports -----------------------------------------------------------------------------------------------


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # an empty file gets the import's own message
        help_text=_("The filled-in member template (.xlsx), as on the import page."),
    )  # fmt: skip


class ImportDoneSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("Units registered."))
    rows = serializers.IntegerField(help_text=_("Data rows read."))


class ImportStartedSerializer(serializers.Serializer):
    job = JobSerializer()
    job_url = serializers.URLField(help_text=_("Follow the job's progress here."))


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text=_("Row number as Excel shows it; null: the file.")
    )
    column = serializers.CharField()
    value = serializers.CharField()
    message = serializers.CharField()


class ImportErrorDetailsSerializer(serializers.Serializer):
    file = serializers.ListField(child=serializers.CharField(), required=False)
    errors = ImportProblemSerializer(many=True)
    error_count = serializers.IntegerField()
    report_job = JobSerializer(allow_null=True, help_text=_("A finished job holding the XLSX error report."))


class ImportErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = ImportErrorDetailsSerializer()
    status = serializers.IntegerField()


class ImportErrorSerializer(serializers.Serializer):
    error = ImportErrorBodySerializer()

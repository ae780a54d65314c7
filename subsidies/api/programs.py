"""Subsidy programs, their versions and periods, under /api/v1/alliances/<alliance_slug>/.

- `programs/`: list (filters `kind`, `is_active`, `q`), retrieve (with the version in force today), create (version 1
  gets the defaults of the kind), update name / description / `is_active`.
  `programs/<program_id>/versions/`: GET the versions; POST a new version (number + 1, from the latest version's
  values with the given changes; the funding split is kept unless given).
- `program-versions/`: list (filter `program`), retrieve, update — only a version no claim and no run uses (409).
- `periods/`: list (filters `kind`, `academic_year`), retrieve, create (name and dates proposed when left out),
  update (a period with claims keeps covering them: 409), delete (only an unused period: 409);
  `periods/propose/?kind=semester&academic_year=2024&semester=1` answers the proposed name and dates.

Reading needs `subsidies.view`; changing needs `subsidies.manage_programs` (secretariat administrators).
Errors: 400 (`invalid`) for bad input, e.g. funding shares that do not add up to 100; 409 (`conflict`) when the
object is used by claims or runs.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from alliances.api.base import AllianceModelViewSet
from alliances.api.errors import Conflict, ErrorSerializer
from alliances.permissions import Action

from ..filters import PeriodFilter, ProgramFilter
from ..models import FundingShare, Period, PeriodKind, Program, ProgramKind, ProgramVersion
from ..services import programs as services

# --- errors ------------------------------------------------------------------------------------------------


INVALID = OpenApiResponse(ErrorSerializer, description=_("Invalid input: `details` has the errors."))
CONFLICT = OpenApiResponse(ErrorSerializer, description=_("Used by claims or calculation runs."))


def run_service(call):
    """`InUse` becomes 409; other validation errors 400 with their field errors."""
    try:
        return call()
    except services.InUse as exc:
        raise Conflict(" ".join(exc.messages)) from exc


# --- serializers ---------------------------------------------------------------------------------------------


class FundingShareSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingShare
        fields = ["payer", "percent"]


class ProgramVersionSerializer(serializers.ModelSerializer):
    """A version's rules. On input every field but `effective_from` (for a new version) is optional: what is left
    out keeps the latest version's value; `funding_shares` must add up to exactly 100."""

    funding_shares = FundingShareSerializer(many=True, required=False)
    in_use = serializers.SerializerMethodField(
        help_text="Used by a claim or a calculation run: it cannot change."
    )

    class Meta:
        model = ProgramVersion
        fields = [
            "id",
            "program",
            "number",
            *services.VERSION_FIELDS,
            "funding_shares",
            "in_use",
            "created_at",
        ]
        read_only_fields = ["id", "program", "number", "in_use", "created_at"]
        extra_kwargs = {name: {"required": False} for name in services.VERSION_FIELDS}

    def get_in_use(self, version) -> bool:
        claims, runs = getattr(version, "claim_count", None), getattr(version, "run_count", None)
        if claims is None or runs is None:
            return services.version_in_use(version)
        return bool(claims or runs)

    def validate(self, attrs):
        # Rules are checked by the service (shares, start day); leave model-level validation to it.
        return attrs


class NewVersionSerializer(ProgramVersionSerializer):
    class Meta(ProgramVersionSerializer.Meta):
        extra_kwargs = {
            **{name: {"required": False} for name in services.VERSION_FIELDS},
            "effective_from": {"required": True},
        }


class ProgramSerializer(serializers.ModelSerializer):
    version_count = serializers.SerializerMethodField()
    version_in_force = serializers.SerializerMethodField(
        help_text="The version in force today (null before the first)."
    )

    class Meta:
        model = Program
        fields = [
            "id", "code", "name", "kind", "description", "is_active", "created_at", "version_count",
            "version_in_force",
        ]  # fmt: skip
        read_only_fields = ["id", "code", "kind", "created_at", "version_count", "version_in_force"]

    def get_version_count(self, program) -> int:
        return len(program.versions.all())

    @extend_schema_field(ProgramVersionSerializer(allow_null=True))
    def get_version_in_force(self, program):
        today = timezone.localdate()
        versions = [v for v in program.versions.all() if v.effective_from <= today]
        if not versions:
            return None
        current = max(versions, key=lambda v: (v.effective_from, v.number))
        return ProgramVersionSerializer(current).data


class NewProgramSerializer(serializers.Serializer):
    """A new program; its version 1 gets the defaults of the kind, overridden by any version field given."""

    kind = serializers.ChoiceField(choices=ProgramKind.choices)
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    effective_from = serializers.DateField(
        required=False, help_text="Version 1 takes effect on this day (today)."
    )
    policy_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    funding_shares = FundingShareSerializer(
        many=True, required=False, help_text="Default 市财政 50 / 区县财政 50."
    )
    version = ProgramVersionSerializer(required=False, help_text="Version 1's rules other than the defaults.")


def _shares(data):
    shares = data.get("funding_shares")
    return None if shares is None else [(item["payer"], item["percent"]) for item in shares]


def _version_changes(data: dict) -> dict:
    return {name: data[name] for name in services.VERSION_FIELDS if name in data}


class PeriodSerializer(serializers.ModelSerializer):
    """A period; on creation the name and dates left out are proposed from the academic year and semester."""

    claim_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Period
        fields = [
            "id", "kind", "name", "academic_year", "semester", "starts_on", "ends_on", "claim_deadline",
            "claim_count",
        ]  # fmt: skip
        read_only_fields = ["id", "claim_count"]
        extra_kwargs = {
            "name": {"required": False, "allow_blank": True},
            "starts_on": {"required": False},
            "ends_on": {"required": False},
            "claim_deadline": {"required": False},
        }
        validators = []  # the service checks names and dates with clear messages

    def validate(self, attrs):
        return attrs


class PeriodProposalSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.SEMESTER)
    academic_year = serializers.IntegerField(min_value=2000, max_value=2100)
    semester = serializers.ChoiceField(choices=[1, 2], required=False, allow_null=True)


class ProposedPeriodSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    academic_year = serializers.IntegerField()
    semester = serializers.IntegerField(allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    claim_deadline = serializers.DateField()


# --- viewsets ------------------------------------------------------------------------------------------------


def _versions_queryset():
    return (
        ProgramVersion.objects.prefetch_related("funding_shares")
        .annotate(claim_count=Count("claims", distinct=True), run_count=Count("runs", distinct=True))
        .order_by("program", "number")
    )


@extend_schema_view(
    list=extend_schema(summary=_("Subsidy programs")),
    retrieve=extend_schema(summary=_("A subsidy program with the version in force today")),
    create=extend_schema(
        request=NewProgramSerializer, responses={201: ProgramSerializer, 400: INVALID},
        summary=_("Create a program (version 1 with the defaults of its kind)"),
    ),
    update=extend_schema(responses={200: ProgramSerializer, 400: INVALID}),
    partial_update=extend_schema(responses={200: ProgramSerializer, 400: INVALID}),
)  # fmt: skip
class ProgramViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    AllianceModelViewSet,
):  # fmt: skip
    serializer_class = ProgramSerializer
    filterset_class = ProgramFilter
    required_action = Action.VIEW_SUBSIDIES
    required_actions = {
        "list": Action.VIEW_SUBSIDIES,
        "retrieve": Action.VIEW_SUBSIDIES,
        "versions": Action.VIEW_SUBSIDIES,
        "create": Action.MANAGE_PROGRAMS,
        "update": Action.MANAGE_PROGRAMS,
        "partial_update": Action.MANAGE_PROGRAMS,
        "add_version": Action.MANAGE_PROGRAMS,
    }
    lookup_url_kwarg = "program_id"
    lookup_value_regex = r"\d+"
    queryset = Program.objects.all()
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Program.objects.prefetch_related(
            Prefetch(
                "versions",
                queryset=_versions_queryset().order_by("number"),
            )
        ).order_by("code", "pk")

    def create(self, request, *args, **kwargs):
        serializer = NewProgramSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        extra = {"effective_from": data["effective_from"]} if data.get("effective_from") else {}
        version = dict(data.get("version") or {})
        shares = _shares(data) if data.get("funding_shares") is not None else _shares(version)
        program = run_service(
            lambda: services.create_program(
                self.alliance, kind=data["kind"], code=data["code"], name=data["name"],
                description=data.get("description", ""), is_active=data.get("is_active", True),
                policy_reference=data.get("policy_reference", ""), funding_shares=shares, actor=request.user,
                **extra, **{k: v for k, v in _version_changes(version).items()
                            if k not in ("effective_from", "policy_reference")},
            )
        )  # fmt: skip
        program = self.get_queryset().get(pk=program.pk)
        return Response(ProgramSerializer(program).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = {
            name: serializer.validated_data[name]
            for name in services.PROGRAM_FIELDS
            if name in serializer.validated_data
        }
        run_service(lambda: services.update_program(serializer.instance, actor=self.request.user, **data))

    @extend_schema(responses=ProgramVersionSerializer(many=True), summary=_("The program's versions"))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None,
            serializer_class=ProgramVersionSerializer)  # fmt: skip
    def versions(self, request, *args, **kwargs):
        program = self.get_object()
        versions = _versions_queryset().filter(program=program)
        return Response(ProgramVersionSerializer(versions, many=True).data)

    @extend_schema(
        request=NewVersionSerializer, responses={201: ProgramVersionSerializer, 400: INVALID},
        summary=_("Make a new version of the program"),
    )  # fmt: skip
    @versions.mapping.post
    def add_version(self, request, *args, **kwargs):
        program = self.get_object()
        serializer = NewVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        changes = _version_changes(data)
        effective_from = changes.pop("effective_from")
        version = run_service(
            lambda: services.create_program_version(
                program,
                effective_from=effective_from,
                funding_shares=_shares(data),
                actor=request.user,
                **changes,
            )
        )
        version = _versions_queryset().get(pk=version.pk)
        return Response(ProgramVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class ProgramVersionFilterMixin:
    def get_queryset(self):
        queryset = _versions_queryset()
        program = self.request.query_params.get("program")
        if program:
            if not program.isdigit():
                raise exceptions.ValidationError({"program": [_("Give a program id.")]})
            queryset = queryset.filter(program_id=int(program))
        return queryset


@extend_schema_view(
    list=extend_schema(
        summary=_("Program versions"),
        parameters=[OpenApiParameter("program", int, description="Only the versions of this program.")],
    ),
    retrieve=extend_schema(summary=_("A program version")),
    update=extend_schema(responses={200: ProgramVersionSerializer, 400: INVALID, 409: CONFLICT},
                         summary=_("Correct a version nothing uses yet")),
    partial_update=extend_schema(responses={200: ProgramVersionSerializer, 400: INVALID, 409: CONFLICT},
                                 summary=_("Correct a version nothing uses yet")),
)  # fmt: skip
class ProgramVersionViewSet(
    ProgramVersionFilterMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
    AllianceModelViewSet,
):  # fmt: skip
    serializer_class = ProgramVersionSerializer
    filter_backends = []
    required_action = Action.VIEW_SUBSIDIES
    required_actions = {
        "list": Action.VIEW_SUBSIDIES,
        "retrieve": Action.VIEW_SUBSIDIES,
        "update": Action.MANAGE_PROGRAMS,
        "partial_update": Action.MANAGE_PROGRAMS,
    }
    lookup_url_kwarg = "programversion_id"
    lookup_value_regex = r"\d+"
    queryset = ProgramVersion.objects.all()

    def update(self, request, *args, **kwargs):
        version = self.get_object()
        serializer = self.get_serializer(version, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        run_service(
            lambda: services.update_program_version(
                version, funding_shares=_shares(data), actor=request.user, **_version_changes(data)
            )
        )
        return Response(ProgramVersionSerializer(_versions_queryset().get(pk=version.pk)).data)


@extend_schema_view(
    list=extend_schema(summary=_("Periods")),
    retrieve=extend_schema(summary=_("A period")),
    create=extend_schema(responses={201: PeriodSerializer, 400: INVALID},
                         summary=_("Create a period (name and dates proposed when left out)")),
    update=extend_schema(responses={200: PeriodSerializer, 400: INVALID, 409: CONFLICT}),
    partial_update=extend_schema(responses={200: PeriodSerializer, 400: INVALID, 409: CONFLICT}),
    destroy=extend_schema(responses={204: None, 409: CONFLICT}, summary=_("Delete a period nothing uses")),
)  # fmt: skip
class PeriodViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, AllianceModelViewSet,
):  # fmt: skip
    serializer_class = PeriodSerializer
    filterset_class = PeriodFilter
    required_action = Action.VIEW_SUBSIDIES
    required_actions = {
        "list": Action.VIEW_SUBSIDIES,
        "retrieve": Action.VIEW_SUBSIDIES,
        "propose": Action.VIEW_SUBSIDIES,
        "create": Action.MANAGE_PROGRAMS,
        "update": Action.MANAGE_PROGRAMS,
        "partial_update": Action.MANAGE_PROGRAMS,
        "destroy": Action.MANAGE_PROGRAMS,
    }
    lookup_url_kwarg = "period_id"
    lookup_value_regex = r"\d+"
    queryset = Period.objects.all()
    ordering_fields = ["starts_on", "name"]

    def get_queryset(self):
        return Period.objects.annotate(claim_count=Count("claims")).order_by("-starts_on", "pk")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = run_service(
            lambda: services.create_period(
                self.alliance, kind=data["kind"], academic_year=data["academic_year"], semester=data.get("semester"),
                name=data.get("name", ""), starts_on=data.get("starts_on"), ends_on=data.get("ends_on"),
                claim_deadline=data.get("claim_deadline"), actor=self.request.user,
            )
        )  # fmt: skip
        serializer.instance.claim_count = 0

    def perform_update(self, serializer):
        data = {
            name: serializer.validated_data[name]
            for name in services.PERIOD_FIELDS
            if name in serializer.validated_data
        }
        run_service(lambda: services.update_period(serializer.instance, actor=self.request.user, **data))

    def perform_destroy(self, instance):
        run_service(lambda: services.delete_period(instance, actor=self.request.user))

    @extend_schema(
        parameters=[PeriodProposalSerializer], responses={200: ProposedPeriodSerializer, 400: INVALID},
        summary=_("The proposed name and dates of a period"),
    )  # fmt: skip
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def propose(self, request, *args, **kwargs):
        serializer = PeriodProposalSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return Response(
            ProposedPeriodSerializer(
                services.propose_period(data["kind"], data["academic_year"], data.get("semester"))
            ).data
        )

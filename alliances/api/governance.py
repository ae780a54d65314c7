"""Governance API under /api/v1/alliances/<alliance_slug>/: charters (versions, articles, adoption, differences),
council terms with their officers, meetings, and resolutions.

Serializers only check the shape of the input; the rules are those of `alliances.governance_services`, whose
ValidationErrors come out as 400 in the API's error format. Every related field takes its queryset from a
tenant model's default manager, evaluated per request in the caller's scope: another alliance's id is
answered "does not exist".
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from members.models import MemberUnit

from .. import governance_services as services
from ..governance import (
    Charter,
    CharterArticle,
    CharterStatus,
    CouncilOfficer,
    CouncilTerm,
    GoverningBody,
    Meeting,
    Office,
    Resolution,
    ResolutionSubject,
)
from ..governance_forms import MeetingFilter, ResolutionFilter
from ..permissions import Action
from .base import AllianceModelViewSet

# --- charters -----------------------------------------------------------------------------------------------


class CharterArticleSerializer(serializers.Serializer):
    chapter_number = serializers.IntegerField(min_value=1)
    chapter_title = serializers.CharField(max_length=100)
    article_number = serializers.IntegerField(min_value=1)
    text = serializers.CharField()


class CharterSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    articles = CharterArticleSerializer(many=True, read_only=True)
    provisions = serializers.SerializerMethodField(
        help_text="The parameters said in words, in the caller's language."
    )

    class Meta:
        model = Charter
        fields = [
            "id", "version", "title", "status", "status_display", "notes", "adopted_at_meeting", "adopted_on",
            "superseded_on", "withdrawal_notice_months", "admission_body", "withdrawal_body", "expulsion_body",
            "quorum_numerator", "quorum_denominator", "pass_numerator", "pass_denominator", "created_at",
            "provisions", "articles",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_provisions(self, charter) -> list[str]:
        return services.charter_provisions(charter)


class CharterParametersSerializer(serializers.Serializer):
    """The editable parts of a draft; every field is optional (PATCH semantics)."""

    title = serializers.CharField(max_length=200, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    withdrawal_notice_months = serializers.IntegerField(min_value=0, required=False)
    admission_body = serializers.ChoiceField(choices=GoverningBody.choices, required=False)
    withdrawal_body = serializers.ChoiceField(choices=GoverningBody.choices, required=False)
    expulsion_body = serializers.ChoiceField(choices=GoverningBody.choices, required=False)
    quorum_numerator = serializers.IntegerField(min_value=0, required=False)
    quorum_denominator = serializers.IntegerField(min_value=0, required=False)
    pass_numerator = serializers.IntegerField(min_value=0, required=False)
    pass_denominator = serializers.IntegerField(min_value=0, required=False)
    articles = CharterArticleSerializer(
        many=True, required=False, help_text="When given, replaces all the articles of the draft."
    )


class CharterCreateSerializer(serializers.Serializer):
    based_on = serializers.PrimaryKeyRelatedField(
        queryset=Charter.objects.all(), required=False, allow_null=True,
        help_text="Copy the articles and parameters of this version.",
    )  # fmt: skip
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Defaults to the title of `based_on`."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    articles = CharterArticleSerializer(many=True, required=False, help_text="Articles of the new draft.")


class CharterAdoptSerializer(serializers.Serializer):
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all())
    resolution = serializers.PrimaryKeyRelatedField(
        queryset=Resolution.objects.all(), required=False, allow_null=True,
        help_text="Optional: a passed charter resolution of that meeting.",
    )  # fmt: skip


class ParameterChangeSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class ChapterChangeSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["added", "removed", "changed"])
    old_title = serializers.CharField()
    new_title = serializers.CharField()


class ArticleChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["added", "removed", "changed", "unchanged"])
    old = CharterArticleSerializer(allow_null=True)
    new = CharterArticleSerializer(allow_null=True)
    html = serializers.CharField(help_text="The text with <del>/<ins> marks (character-level), HTML-escaped.")
    renumbered = serializers.BooleanField()
    moved = serializers.BooleanField(help_text="The article is in another chapter.")


class VersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()


class CharterDiffSerializer(serializers.Serializer):
    old = VersionRefSerializer()
    new = VersionRefSerializer()
    counts = serializers.DictField(child=serializers.IntegerField())
    parameters = ParameterChangeSerializer(many=True)
    chapters = ChapterChangeSerializer(many=True)
    articles = ArticleChangeSerializer(many=True)


def _articles_queryset():
    return CharterArticle.objects.order_by("chapter_number", "article_number")


@extend_schema_view(
    list=extend_schema(summary="Charter versions, newest first, with their articles"),
    retrieve=extend_schema(summary="One charter version with its articles"),
)
class CharterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    """Charter versions: drafts are created, edited and adopted; adopted and superseded versions are immutable."""

    serializer_class = CharterSerializer
    required_action = Action.VIEW_GOVERNANCE
    required_actions = {
        "create": Action.MANAGE_SETTINGS,
        "partial_update": Action.MANAGE_SETTINGS,
        "adopt": Action.MANAGE_SETTINGS,
    }
    lookup_url_kwarg = "charter_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["version"]

    def get_queryset(self):
        return Charter.objects.prefetch_related(Prefetch("articles", queryset=_articles_queryset())).order_by(
            "-version"
        )

    def _fresh(self, charter) -> dict:
        return CharterSerializer(
            self.get_queryset().get(pk=charter.pk), context=self.get_serializer_context()
        ).data

    @extend_schema(
        summary="Create a draft", request=CharterCreateSerializer, responses={201: CharterSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = CharterCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            charter = services.create_charter_draft(
                self.alliance, based_on=data.get("based_on"), title=data.get("title", ""), notes=data["notes"],
                created_by=request.user,
            )  # fmt: skip
            if "articles" in data:
                services.save_charter_articles(charter, data["articles"])
        return Response(self._fresh(charter), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft's parameters and (optionally) replace its articles",
        request=CharterParametersSerializer,
        responses={200: CharterSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        charter = self.get_object()
        serializer = CharterParametersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        articles = data.pop("articles", None)
        with transaction.atomic():
            services.update_charter_draft(charter, data)
            if articles is not None:
                services.save_charter_articles(charter, articles)
        return Response(self._fresh(charter))

    @extend_schema(
        summary="Adopt a draft at a recorded meeting (the version in force is superseded)",
        request=CharterAdoptSerializer,
        responses={200: CharterSerializer},
    )
    @action(detail=True, methods=["post"])
    def adopt(self, request, *args, **kwargs):
        charter = self.get_object()
        serializer = CharterAdoptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.adopt_charter(
            charter,
            meeting=serializer.validated_data["meeting"],
            resolution=serializer.validated_data.get("resolution"),
        )
        return Response(self._fresh(charter))

    @extend_schema(
        summary="What changed in this version compared with another",
        parameters=[
            OpenApiParameter(
                "against",
                OpenApiTypes.INT,
                description="The id of the earlier version; by default the version in force.",
            )  # fmt: skip
        ],
        responses={200: CharterDiffSerializer},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, *args, **kwargs):
        charter = self.get_object()
        against_id = request.query_params.get("against", "")
        if against_id:
            if not against_id.isdigit():
                raise exceptions.ValidationError({"against": [_("Give the id of a charter version.")]})
            against = self.get_queryset().filter(pk=int(against_id)).first()
            if against is None:
                raise exceptions.ValidationError({"against": [_("No such charter version.")]})
        else:
            against = self.get_queryset().filter(status=CharterStatus.ADOPTED).exclude(pk=charter.pk).first()
            if against is None:
                raise exceptions.ValidationError(
                    {"against": [_("There is no other version in force: say which version to compare with.")]}
                )
        return Response(services.charter_diff(against, charter).as_dict())


# --- council terms ------------------------------------------------------------------------------------------


class CouncilOfficerSerializer(serializers.ModelSerializer):
    office = serializers.ChoiceField(choices=Office.choices)
    office_display = serializers.CharField(source="get_office_display", read_only=True)
    member_unit = serializers.PrimaryKeyRelatedField(
        queryset=MemberUnit.objects.all(), required=False, allow_null=True
    )
    member_unit_name = serializers.CharField(source="member_unit.name", read_only=True, default=None)

    class Meta:
        model = CouncilOfficer
        fields = ["office", "office_display", "person_name", "member_unit", "member_unit_name"]


class CouncilTermSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(min_value=1, required=False, help_text="Defaults to the next number.")
    officers = CouncilOfficerSerializer(
        many=True, required=False, help_text="When given, replaces the term's officers."
    )

    class Meta:
        model = CouncilTerm
        fields = ["id", "number", "starts_on", "ends_on", "officers"]
        read_only_fields = ["id"]


class CouncilTermEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


def _officers():
    return CouncilOfficer.objects.select_related("member_unit").order_by("pk")


@extend_schema_view(
    list=extend_schema(summary="Council terms (届) with their officers"),
    retrieve=extend_schema(summary="One council term with its officers"),
)
class CouncilTermViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = CouncilTermSerializer
    required_action = Action.VIEW_GOVERNANCE
    required_actions = {
        "create": Action.MANAGE_GOVERNANCE,
        "partial_update": Action.MANAGE_GOVERNANCE,
        "end": Action.MANAGE_GOVERNANCE,
    }
    lookup_url_kwarg = "councilterm_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["number", "starts_on"]

    def get_queryset(self):
        return CouncilTerm.objects.prefetch_related(Prefetch("officers", queryset=_officers())).order_by(
            "-number"
        )

    def _fresh(self, term) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=term.pk)).data

    @extend_schema(
        summary="Open a council term (a running term ends the day before)",
        responses={201: CouncilTermSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            term = services.create_council_term(
                self.alliance,
                number=data.get("number"),
                starts_on=data["starts_on"],
                ends_on=data.get("ends_on"),
            )
            if "officers" in data:
                services.set_council_officers(term, data["officers"])
        return Response(self._fresh(term), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a council term and (optionally) replace its officers")
    def partial_update(self, request, *args, **kwargs):
        term = self.get_object()
        serializer = self.get_serializer(term, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            services.update_council_term(
                term, number=data.get("number", term.number), starts_on=data.get("starts_on", term.starts_on),
                ends_on=data.get("ends_on", term.ends_on),
            )  # fmt: skip
            if "officers" in data:
                services.set_council_officers(term, data["officers"])
        return Response(self._fresh(term))

    @extend_schema(
        summary="End a council term", request=CouncilTermEndSerializer, responses={200: CouncilTermSerializer}
    )
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        term = self.get_object()
        serializer = CouncilTermEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.end_council_term(term, ends_on=serializer.validated_data["ends_on"])
        return Response(self._fresh(term))


# --- meetings and resolutions -------------------------------------------------------------------------------


class ResolutionSerializer(serializers.ModelSerializer):
    meeting = serializers.PrimaryKeyRelatedField(queryset=Meeting.objects.all())
    subject = serializers.ChoiceField(choices=ResolutionSubject.choices)
    subject_display = serializers.CharField(source="get_subject_display", read_only=True)
    charter_version = serializers.IntegerField(source="charter.version", read_only=True, default=None)
    arithmetic = serializers.SerializerMethodField(
        help_text="How the outcome follows from the charter, e.g. “present 12/15 ≥ 2/3, for 9/12 ≥ 2/3: passed”."
    )

    class Meta:
        model = Resolution
        fields = [
            "id", "meeting", "number", "subject", "subject_display", "title", "text", "votes_for", "votes_against",
            "votes_abstaining", "quorum_met", "passed", "charter", "charter_version", "arithmetic", "recorded_at",
        ]  # fmt: skip
        read_only_fields = ["id", "quorum_met", "passed", "charter", "recorded_at"]
        validators = []  # uniqueness of the number is checked by the service (per alliance)

    def get_arithmetic(self, resolution) -> str:
        return services.vote_count(resolution).explanation


class MeetingSerializer(serializers.ModelSerializer):
    body_display = serializers.CharField(source="get_body_display", read_only=True)
    term = serializers.PrimaryKeyRelatedField(
        queryset=CouncilTerm.objects.all(), required=False, allow_null=True
    )
    seats = serializers.IntegerField(
        min_value=1, required=False, allow_null=True,
        help_text="Members of the body; by default its size in the member register today.",
    )  # fmt: skip
    resolution_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "body", "body_display", "term", "title", "held_on", "location", "seats", "present", "minutes",
                  "resolution_count", "created_at"]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class MeetingDetailSerializer(MeetingSerializer):
    resolutions = ResolutionSerializer(many=True, read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "resolutions"]


@extend_schema_view(
    list=extend_schema(summary="Meetings of the council and standing council"),
    retrieve=extend_schema(summary="One meeting with its resolutions", responses=MeetingDetailSerializer),
)
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    required_action = Action.VIEW_GOVERNANCE
    required_actions = {"create": Action.MANAGE_GOVERNANCE}
    lookup_url_kwarg = "meeting_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["held_on"]

    def get_queryset(self):
        queryset = Meeting.objects.select_related("term").annotate(resolution_count=Count("resolutions"))
        if self.action == "retrieve":
            resolutions = Resolution.objects.select_related("meeting", "charter").order_by("pk")
            queryset = queryset.prefetch_related(Prefetch("resolutions", queryset=resolutions))
        return queryset.order_by("-held_on", "-pk")

    def get_serializer_class(self):
        return MeetingDetailSerializer if self.action == "retrieve" else MeetingSerializer

    @extend_schema(summary="Record a meeting", responses={201: MeetingSerializer})
    def create(self, request, *args, **kwargs):
        serializer = MeetingSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        meeting = services.record_meeting(
            alliance=self.alliance, body=data["body"], title=data["title"], held_on=data["held_on"],
            present=data["present"], seats=data.get("seats"), location=data.get("location", ""),
            minutes=data.get("minutes", ""), term=data.get("term"),
        )  # fmt: skip
        fresh = (
            Meeting.objects.select_related("term")
            .annotate(resolution_count=Count("resolutions"))
            .get(pk=meeting.pk)
        )
        return Response(MeetingSerializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Resolutions, filtered by subject, outcome, year or body"),
    retrieve=extend_schema(summary="One resolution, with the arithmetic of its outcome"),
)
class ResolutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = ResolutionSerializer
    filterset_class = ResolutionFilter
    required_action = Action.VIEW_GOVERNANCE
    required_actions = {"create": Action.MANAGE_GOVERNANCE}
    lookup_url_kwarg = "resolution_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["recorded_at", "number"]

    def get_queryset(self):
        return Resolution.objects.select_related("meeting", "charter").order_by("-meeting__held_on", "-pk")

    @extend_schema(
        summary="Record a resolution: the charter in force decides whether it is quorate and passed",
        responses={201: ResolutionSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        resolution = services.record_resolution(
            meeting=data["meeting"], number=data["number"], subject=data["subject"], title=data["title"],
            text=data.get("text", ""), votes_for=data["votes_for"], votes_against=data["votes_against"],
            votes_abstaining=data["votes_abstaining"], recorded_by=request.user,
        )  # fmt: skip
        return Response(
            self.get_serializer(self.get_queryset().get(pk=resolution.pk)).data,
            status=status.HTTP_201_CREATED,
        )

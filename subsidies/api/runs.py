"""Calculation runs under /api/v1/alliances/<alliance_slug>/runs/.

- `GET runs/` (filters `program`, `period`, `status`) and `GET runs/<id>/`: status, version, totals, budget factor.
- `POST runs/calculate/` `{program, period}` starts the calculation as a background job (202, with the job and
  its URL to poll); an identical calculation already under way is returned instead of a second one.
- `POST runs/<id>/finalise/` `{token?}` (secretariat administrator), `approve/` (bureau official),
  `pay/` `{payment_reference, paid_on}` (secretariat administrator): the run's way to payment.
- `GET runs/<id>/disbursements/` (with payer shares) and `GET runs/<id>/lines/` (filters `rule`, `paid`, `q`).
- `GET runs/<id>/download/` the disbursement list (XLSX); `?accounts=full` gives full bank accounts to roles that
  may reveal personal data. Every download is audited.

Errors: 400 (`invalid`) for bad input; 409 (`conflict`) when the run's state does not allow the step (finalising a
run being calculated, or calculated again since `token`, approving a draft, calculating a finalised period …).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
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
from alliances.api.serializers import JobSerializer
from alliances.permissions import Action
from alliances.spreadsheets import XLSX_CONTENT_TYPE

from .. import disbursement as disbursement_list
from ..calculation import rule_label
from ..forms.runs import RunFilter, RunLineFilter
from ..models import CalculationRun, Disbursement, DisbursementShare, Period, Program, RunLine
from ..services import runs as services
from ..workflow import TransitionRefused

# --- errors ------------------------------------------------------------------------------------------------


INVALID = OpenApiResponse(ErrorSerializer, description=_("Invalid input: `details` has the errors."))
CONFLICT = OpenApiResponse(ErrorSerializer, description=_("The run's state does not allow the step."))


def run_service(call):
    try:
        return call()
    except TransitionRefused as exc:
        raise Conflict(str(exc)) from exc


# --- serializers -------------------------------------------------------------------------------------------


class RunSerializer(serializers.ModelSerializer):
    program_name = serializers.CharField(source="program.name", read_only=True)
    period_name = serializers.CharField(source="period.name", read_only=True)
    version = serializers.IntegerField(source="program_version.number", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    job_status = serializers.CharField(source="job.status", read_only=True, allow_null=True, default=None)
    calculated_by = serializers.StringRelatedField()
    finalised_by = serializers.StringRelatedField()
    approved_by = serializers.StringRelatedField()

    class Meta:
        model = CalculationRun
        fields = ["id", "program", "program_name", "period", "period_name", "program_version", "version", "status",
                  "status_display", "token", "job", "job_status", "lines_considered", "lines_paid", "enterprises",
                  "gross_total", "capped_total", "total", "budget", "budget_factor", "calculated_at", "calculated_by",
                  "finalised_at", "finalised_by", "approved_at", "approved_by", "payment_reference", "paid_on",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class PayerSerializer(serializers.Serializer):
    payer = serializers.CharField()
    position = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class RunDetailSerializer(RunSerializer):
    payers = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "payers"]
        read_only_fields = fields

    @extend_schema_field(PayerSerializer(many=True))
    def get_payers(self, run) -> list[dict]:
        shares = run.program_version.funding_shares.order_by("position", "pk")
        return PayerSerializer(shares, many=True).data


class ShareSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisbursementShare
        fields = ["payer", "position", "percent", "amount"]
        read_only_fields = fields


class DisbursementSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    claim_number = serializers.CharField(source="claim.number", read_only=True)
    payee_name = serializers.CharField(source="claim.payee_name", read_only=True)
    bank_name = serializers.CharField(source="claim.bank_name", read_only=True)
    bank_account = serializers.CharField(
        source="claim.bank_account_masked", read_only=True, help_text=_("Masked; the XLSX can reveal it.")
    )
    shares = ShareSerializer(many=True, read_only=True)

    class Meta:
        model = Disbursement
        fields = ["id", "enterprise", "enterprise_name", "credit_code", "claim", "claim_number", "payee_name",
                  "bank_name", "bank_account", "lines", "gross_amount", "capped_amount", "amount", "explanation",
                  "shares"]  # fmt: skip
        read_only_fields = fields


class RunLineSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    claim = serializers.IntegerField(source="claim_line.claim_id", read_only=True)
    claim_number = serializers.CharField(source="claim_line.claim.number", read_only=True)
    student_name = serializers.CharField(source="claim_line.student_name", read_only=True)
    resident_id = serializers.CharField(source="claim_line.resident_id_masked", read_only=True)
    post = serializers.CharField(source="claim_line.post", read_only=True)
    starts_on = serializers.DateField(source="claim_line.starts_on", read_only=True)
    ends_on = serializers.DateField(source="claim_line.ends_on", read_only=True)
    rule_label = serializers.SerializerMethodField()

    class Meta:
        model = RunLine
        fields = ["id", "claim_line", "claim", "claim_number", "enterprise", "enterprise_name", "student_name",
                  "resident_id", "post", "starts_on", "ends_on", "rule", "rule_label", "explanation", "quantity",
                  "base_amount", "amount"]  # fmt: skip
        read_only_fields = fields

    def get_rule_label(self, line) -> str:
        return rule_label(line.rule)


class CalculateSerializer(serializers.Serializer):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    period = serializers.PrimaryKeyRelatedField(queryset=Period.objects.all())


class CalculationStartedSerializer(serializers.Serializer):
    run = RunSerializer()
    job = JobSerializer()
    job_url = serializers.URLField()


class FinaliseSerializer(serializers.Serializer):
    token = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_("The run's token as you read it: refused if it changed since."),
    )


class EmptySerializer(serializers.Serializer):
    """No input."""


class PaymentSerializer(serializers.Serializer):
    payment_reference = serializers.CharField(max_length=100)
    paid_on = serializers.DateField()


# --- the viewset ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Calculation runs")),
    retrieve=extend_schema(summary=_("A calculation run with its totals and payers")),
)
class CalculationRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = RunSerializer
    filterset_class = RunFilter
    required_action = Action.VIEW_DISBURSEMENTS
    required_actions = {
        "calculate": Action.RUN_CALCULATIONS,
        "finalise": Action.FINALISE_RUNS,
        "approve": Action.APPROVE_DISBURSEMENTS,
        "pay": Action.FINALISE_RUNS,
    }
    lookup_url_kwarg = "calculationrun_id"
    lookup_value_regex = r"\d+"
    queryset = CalculationRun.objects.all()

    def get_queryset(self):
        return CalculationRun.objects.select_related(
            "program", "period", "program_version", "job", "calculated_by", "finalised_by", "approved_by"
        ).order_by("-created_at", "-pk")

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return RunDetailSerializer
        return super().get_serializer_class()

    def run_response(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        run = self.get_queryset().get(pk=pk)
        return Response(
            RunDetailSerializer(run, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(
        request=CalculateSerializer,
        responses={202: CalculationStartedSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Calculate a program and period (background job)"),
    )
    @action(
        detail=False,
        methods=["post"],
        serializer_class=CalculateSerializer,
        filter_backends=[],
        pagination_class=None,
    )
    def calculate(self, request, *args, **kwargs):
        serializer = CalculateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run, job = run_service(
            lambda: services.start_calculation(
                alliance=self.alliance, program=serializer.validated_data["program"],
                period=serializer.validated_data["period"], requested_by=request.user,
            )
        )  # fmt: skip
        run = self.get_queryset().get(pk=run.pk)
        url = reverse("api:job-detail", kwargs={"alliance_slug": self.alliance.slug, "job_id": job.pk})
        context = self.get_serializer_context()
        return Response(
            {"run": RunSerializer(run, context=context).data, "job": JobSerializer(job, context=context).data,
             "job_url": request.build_absolute_uri(url)},
            status=status.HTTP_202_ACCEPTED,
        )  # fmt: skip

    @extend_schema(
        request=FinaliseSerializer, responses={200: RunDetailSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Finalise a calculated draft"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], serializer_class=FinaliseSerializer)
    def finalise(self, request, *args, **kwargs):
        run = self.get_object()
        serializer = FinaliseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(
            lambda: services.finalise_run(
                run, actor=request.user, token=serializer.validated_data.get("token")
            )
        )
        return self.run_response(run.pk)

    @extend_schema(
        request=None,
        responses={200: RunDetailSerializer, 409: CONFLICT},
        summary=_("Approve a finalised run"),
    )
    @action(detail=True, methods=["post"], serializer_class=EmptySerializer)
    def approve(self, request, *args, **kwargs):
        run = self.get_object()
        run_service(lambda: services.approve_run(run, actor=request.user))
        return self.run_response(run.pk)

    @extend_schema(
        request=PaymentSerializer, responses={200: RunDetailSerializer, 400: INVALID, 409: CONFLICT},
        summary=_("Record the payment of an approved run"),
    )  # fmt: skip
    @action(detail=True, methods=["post"], serializer_class=PaymentSerializer)
    def pay(self, request, *args, **kwargs):
        run = self.get_object()
        serializer = PaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run_service(
            lambda: services.record_payment(
                run, actor=request.user, reference=serializer.validated_data["payment_reference"],
                paid_on=serializer.validated_data["paid_on"],
            )
        )  # fmt: skip
        return self.run_response(run.pk)

    @extend_schema(responses=DisbursementSerializer(many=True), summary=_("The run's disbursements"))
    @action(detail=True, methods=["get"], serializer_class=DisbursementSerializer, filter_backends=[])
    def disbursements(self, request, *args, **kwargs):
        run = self.get_object()
        rows = (
            Disbursement.objects.filter(run=run)
            .select_related("enterprise", "claim")
            .prefetch_related(
                Prefetch("shares", queryset=DisbursementShare.objects.order_by("position", "pk"))
            )
            .order_by("enterprise__name", "enterprise_id")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DisbursementSerializer(page, many=True).data)

    @extend_schema(
        responses=RunLineSerializer(many=True),
        parameters=[
            OpenApiParameter("rule", str, description=_("Only lines decided by this rule")),
            OpenApiParameter(
                "paid", bool, description=_("Only lines with (true) or without (false) an amount")
            ),
            OpenApiParameter("q", str, description=_("Enterprise name, claim number or student name")),
        ],
        summary=_("The run's lines with the rule that decided each amount"),
    )
    @action(detail=True, methods=["get"], serializer_class=RunLineSerializer, filter_backends=[])
    def lines(self, request, *args, **kwargs):
        run = self.get_object()
        rows = (
            RunLine.objects.filter(run=run)
            .select_related("enterprise", "claim_line__claim")
            .order_by("enterprise__name", "enterprise_id", "claim_line__position", "claim_line_id")
        )
        filterset = RunLineFilter(request.query_params or None, queryset=rows, request=request)
        if filterset.is_bound and not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs if filterset.is_bound else rows)
        return self.get_paginated_response(RunLineSerializer(page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("accounts", str, enum=["masked", "full"], description=_(
            "`full`: complete bank account numbers (roles that may reveal personal data; audited)."))],
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
        summary=_("The disbursement list (XLSX)"),
    )  # fmt: skip
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def download(self, request, *args, **kwargs):
        run = self.get_object()
        reveal = request.query_params.get("accounts") == "full" and self.membership.can(
            Action.REVEAL_PERSONAL_DATA
        )
        return disbursement_list.download_response(run, user=request.user, reveal_accounts=reveal)

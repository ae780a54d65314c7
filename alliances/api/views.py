"""API: the caller, their alliances, jobs and the audit log."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse

from ..access import alliances_of
from ..filters import AuditEntryFilter, JobFilter
from ..jobs import enqueue_job, get_job_kind
from ..models import AuditEntry, Grant, Job
from ..permissions import Action
from ..tenancy import unscoped
from ..views import JobListView, audited_file_response
from .base import AllianceModelViewSet
from .serializers import (
    AllianceSerializer,
    AuditEntrySerializer,
    GrantSerializer,
    JobRequestSerializer,
    JobSerializer,
    MeSerializer,
)


class ApiRootView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(exclude=True)
    def get(self, request):
        return Response({
            "me": reverse("api:me", request=request),
            "alliances": reverse("api:alliance-list", request=request),
            "schema": reverse("schema", request=request),
            "docs": reverse("api-docs", request=request),
        })  # fmt: skip


class MeView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    def get(self, request):
        with unscoped("the caller reads their own grants"):
            grants = GrantSerializer(
                Grant.objects.filter(user=request.user).select_related("alliance"), many=True
            ).data
        return Response({**MeSerializer(request.user).data, "grants": grants})


class AllianceListView(generics.ListAPIView):
    """The alliances where the caller holds a grant."""

    permission_classes = [IsAuthenticated]
    serializer_class = AllianceSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return alliances_of(self.request.user)


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = JobSerializer
    filterset_class = JobFilter
    required_action = Action.VIEW_JOBS
    lookup_url_kwarg = "job_id"
    lookup_value_regex = r"\d+"
    ordering_fields = ["created_at", "status"]

    queryset = Job.objects.all()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no request context
            return self.queryset.none()
        return JobListView.visible_jobs(self.request, self.membership).select_related("alliance")

    @extend_schema(request=JobRequestSerializer, responses={201: JobSerializer, 200: JobSerializer})
    def create(self, request, *args, **kwargs):
        """Start a job; an identical job already queued or running is returned (200) instead of a second one."""
        serializer = JobRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = get_job_kind(serializer.validated_data["kind"])
        if not self.membership.can(kind.required_action):
            raise PermissionDenied
        job, created = enqueue_job(
            alliance=self.alliance, kind=kind.name, parameters=serializer.validated_data["parameters"],
            requested_by=request.user,
        )  # fmt: skip
        return Response(
            self.get_serializer(job).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        job = self.get_object()
        if not job.result_file:
            raise NotFound()
        return audited_file_response(job.result_file, job)


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    """The alliance's audit log (auditors only); there is no way to write through the API."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    required_action = Action.VIEW_AUDIT_LOG
    lookup_url_kwarg = "auditentry_id"
    lookup_value_regex = r"\d+"
    queryset = AuditEntry.objects.all()

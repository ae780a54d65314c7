"""API: the dashboard figures of an alliance (`GET /api/v1/alliances/<slug>/dashboard/`), per role as on the page."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from alliances.api.base import AllianceAPIMixin
from alliances.permissions import Action

from ..dashboard import dashboard_for

MONEY = {"max_digits": 16, "decimal_places": 2}


class DashboardKindCountSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class DashboardMembersSerializer(serializers.Serializer):
    total = serializers.IntegerField(
        help_text="Current member units (admitted, withdrawal requested, suspended)."
    )
    joined_this_year = serializers.IntegerField(help_text="Units admitted in the current calendar year.")
    left_this_year = serializers.IntegerField(
        help_text="Units that left (withdrew or were expelled) this year."
    )
    by_kind = DashboardKindCountSerializer(many=True, help_text="Current member units by type.")


class DashboardClaimStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()

    def to_representation(self, instance):
        status, label = instance
        return {"status": status, "label": label}


class DashboardStatusCountSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class DashboardPeriodSerializer(serializers.Serializer):
    period_id = serializers.IntegerField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    counts = DashboardStatusCountSerializer(many=True)


class DashboardPipelineSerializer(serializers.Serializer):
    statuses = DashboardClaimStatusSerializer(many=True, help_text="The statuses counted, in workflow order.")
    periods = DashboardPeriodSerializer(
        many=True,
        help_text="The two most recent periods that have started (else the next one), newest first.",
    )
    in_progress = serializers.IntegerField(
        help_text="Claims of every period that are submitted, waiting for schools, under review or returned."
    )


class DashboardMonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month.")
    approved = serializers.DecimalField(
        **MONEY, help_text="Total of the calculation runs finalised in the month (approved for payment), CNY."
    )
    paid = serializers.DecimalField(
        **MONEY, help_text="Total of the runs paid in the month (by payment date), CNY."
    )


class DashboardSubsidiesSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    months = DashboardMonthSerializer(many=True, help_text="The last 12 calendar months, oldest first.")
    approved_this_year = serializers.DecimalField(**MONEY)
    paid_this_year = serializers.DecimalField(**MONEY)
    approved_total = serializers.DecimalField(**MONEY, help_text="The 12 months.")
    paid_total = serializers.DecimalField(**MONEY, help_text="The 12 months.")


class DashboardEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    venue = serializers.CharField()
    capacity = serializers.IntegerField(allow_null=True)
    places_taken = serializers.IntegerField(help_text="Registrations registered, confirmed or checked in.")


class DashboardSerializer(serializers.Serializer):
    """A part is null when the caller's roles do not open it: members (members.view), pipeline
    (subsidies.review_claims, or subsidies.view_disbursements: claims past draft), subsidies
    (subsidies.view_disbursements), upcoming_events (events.view)."""

    today = serializers.DateField()
    members = DashboardMembersSerializer(allow_null=True)
    pipeline = DashboardPipelineSerializer(allow_null=True)
    subsidies = DashboardSubsidiesSerializer(allow_null=True)
    upcoming_events = DashboardEventSerializer(many=True, allow_null=True)


class DashboardView(AllianceAPIMixin, generics.GenericAPIView):
    """The alliance's dashboard figures, as the home page shows them to the caller's roles. Money as strings."""

    required_action = Action.VIEW_DASHBOARD
    serializer_class = DashboardSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(responses={200: DashboardSerializer})
    def get(self, request, *args, **kwargs):
        return Response(DashboardSerializer(dashboard_for(self.membership)).data)

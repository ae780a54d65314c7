"""API: the bureau portal's cross-alliance summary (`GET /api/v1/bureau/summary/?year=…`).

Session or token authentication like the rest of the API; the alliances are those where the caller holds a bureau
grant (404 for anyone without one). Counts and amounts only, money as strings; no personal data.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from alliances.access import access_bureau_alliances

from ..portal_views import EARLIEST_YEAR, parse_year
from ..summary import summarise

MONEY = {"max_digits": 16, "decimal_places": 2}
COUNTS = (
    "members", "members_year_before", "joined", "withdrawn", "expelled", "events", "attendance", "cooperation_signed",
    "agreements", "order_classes", "order_class_students", "apprentices", "claims_submitted", "lines_claimed",
    "claims_approved", "lines_approved",
)  # fmt: skip
AMOUNTS = ("claimed_amount", "approved_amount", "paid_amount")


class BureauMembersByTypeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class BureauFiguresSerializer(serializers.Serializer):
    """The year's figures (see the annual report's definitions)."""

    members = serializers.IntegerField(help_text="Member units on 31 December (for the current year: today).")
    members_year_before = serializers.IntegerField(
        help_text="Member units on 31 December of the year before."
    )
    joined = serializers.IntegerField()
    withdrawn = serializers.IntegerField()
    expelled = serializers.IntegerField()
    events = serializers.IntegerField(help_text="Published events that started in the year (not cancelled).")
    attendance = serializers.IntegerField(help_text="People checked in at those events.")
    cooperation_signed = serializers.IntegerField(help_text="Cooperation records signed in the year.")
    agreements = serializers.IntegerField(help_text="Of which cooperation agreements and letters of intent.")
    order_classes = serializers.IntegerField(help_text="Order and named classes running in the year.")
    order_class_students = serializers.IntegerField()
    apprentices = serializers.IntegerField(help_text="Participants of apprenticeships running in the year.")
    claims_submitted = serializers.IntegerField(help_text="Claims first submitted in the year.")
    lines_claimed = serializers.IntegerField(help_text="Their lines (persons or awarded specialties).")
    claimed_amount = serializers.DecimalField(**MONEY, help_text="Their value at the standard rate, CNY.")
    claims_approved = serializers.IntegerField(help_text="Claims approved in the year.")
    lines_approved = serializers.IntegerField()
    approved_amount = serializers.DecimalField(**MONEY, help_text="Approved lines at the standard rate, CNY.")
    paid_amount = serializers.DecimalField(**MONEY, help_text="Disbursements of runs paid in the year, CNY.")


class BureauAllianceFiguresSerializer(BureauFiguresSerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    members_by_type = BureauMembersByTypeSerializer(many=True, help_text="Member units on 31 December, by type.")


class BureauSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    alliances = BureauAllianceFiguresSerializer(many=True, help_text="The alliances the caller oversees, by name.")
    totals = BureauFiguresSerializer()


class BureauSummaryView(generics.GenericAPIView):
    """The alliances the caller oversees as a bureau official, side by side, for a calendar year."""

    permission_classes = [IsAuthenticated]
    serializer_class = BureauSummarySerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "year", int, description=f"Calendar year, {EARLIEST_YEAR} to this year (default: this year)."
            )
        ],
        responses={200: BureauSummarySerializer},
    )
    def get(self, request, *args, **kwargs):
        alliances = access_bureau_alliances(request.user)  # Http404 → the API's 404
        today = timezone.localdate()
        raw = request.query_params.get("year")
        year = today.year if raw in (None, "") else parse_year(raw, today)
        if year is None:
            raise exceptions.ValidationError(
                {
                    "year": [
                        _("Give a year from %(first)d to %(last)d.")
                        % {"first": EARLIEST_YEAR, "last": today.year}
                    ]
                }
            )
        summary = summarise(alliances, year)
        kinds = dict(summary.kinds)
        payload = {
            "year": summary.year,
            "alliances": [
                {
                    "slug": row.alliance.slug,
                    "name": row.alliance.name,
                    "short_name": row.alliance.short_name,
                    "members_by_type": [
                        {"kind": kind, "label": kinds[kind], "count": row.members_by_kind.get(kind, 0)}
                        for kind in kinds
                    ],
                    **{name: getattr(row, name) for name in COUNTS + AMOUNTS},
                }
                for row in summary.alliances
            ],
            "totals": {name: summary.total(name) for name in COUNTS + AMOUNTS},
        }
        return Response(BureauSummarySerializer(payload).data)

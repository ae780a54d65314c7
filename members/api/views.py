from rest_framework import mixins

from alliances.api.base import AllianceModelViewSet
from alliances.permissions import Action

from ..filters import MemberUnitFilter
from ..models import Committee, MemberUnit
from .serializers import CommitteeSerializer, MemberUnitSerializer


class MemberUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = MemberUnitSerializer
    filterset_class = MemberUnitFilter
    required_action = Action.VIEW_MEMBERS
    lookup_url_kwarg = "memberunit_id"
    lookup_value_regex = r"\d+"
    queryset = MemberUnit.objects.prefetch_related("committees").order_by("kind", "name")
    ordering_fields = ["name", "kind", "admitted_on"]


class CommitteeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AllianceModelViewSet):
    serializer_class = CommitteeSerializer
    required_action = Action.VIEW_MEMBERS
    lookup_url_kwarg = "committee_id"
    lookup_value_regex = r"\d+"
    queryset = Committee.objects.order_by("name")

from rest_framework import serializers

from ..models import Committee, MemberUnit


class MemberUnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    committees = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = MemberUnit
        fields = ["id", "member_number", "name", "short_name", "kind", "kind_display", "credit_code", "status",
                  "status_display", "council_role", "legal_representative", "division_code", "address", "website",
                  "admitted_on", "committees"]  # fmt: skip
        read_only_fields = fields


class CommitteeSerializer(serializers.ModelSerializer):
    chair_unit = serializers.PrimaryKeyRelatedField(queryset=MemberUnit.objects.all(), allow_null=True)

    class Meta:
        model = Committee
        fields = ["id", "name", "chair_unit", "description"]

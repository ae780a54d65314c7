from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from ..jobs import registered_job_kinds
from ..models import Alliance, AuditEntry, Grant, Job, User


class AllianceSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Alliance
        fields = ["slug", "name", "short_name", "kind", "kind_display", "region_code", "lead_department",
                  "initiating_unit", "founded_on", "status"]  # fmt: skip


class GrantSerializer(serializers.ModelSerializer):
    alliance = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Grant
        fields = ["alliance", "role", "role_display", "member_unit"]


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["username", "name", "email", "mobile", "platform_role"]


class JobSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField()
    message = serializers.CharField(source="display_message", read_only=True)  # in the request's language

    class Meta:
        model = Job
        fields = ["id", "kind", "parameters", "status", "status_display", "progress", "message", "result",
                  "attempts", "requested_by", "created_at", "started_at", "finished_at", "download_url"]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if not job.result_file:
            return None
        request = self.context["request"]
        url = reverse("api:job-download", kwargs={"alliance_slug": job.alliance.slug, "job_id": job.pk})
        return request.build_absolute_uri(url)


class JobRequestSerializer(serializers.Serializer):
    kind = serializers.CharField()
    parameters = serializers.DictField(required=False, default=dict)

    def validate_kind(self, value):
        if value not in registered_job_kinds():
            raise serializers.ValidationError(_("Unknown job kind."))
        return value


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "outcome",
            "address",
            "detail",
        ]
        read_only_fields = fields

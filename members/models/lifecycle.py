"""What happens to a member unit over time: the timeline of lifecycle events, the documents attached to them,
withdrawal requests and profile changes that wait for the secretariat. The rules are in members/services.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliances.tenancy import TenantModel

from .units import MemberStatus, MemberUnit


class MembershipAction(models.TextChoices):
    APPLIED = "applied", _("Applied online")
    CREATED = "created", _("Registered by the secretariat")
    IMPORTED = "imported", _("Imported from a spreadsheet")
    REVIEW_STARTED = "review_started", _("Review started")
    INFO_REQUESTED = "info_requested", _("More information requested")
    INFO_PROVIDED = "info_provided", _("More information provided")
    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Application rejected")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Withdrawal requested")
    WITHDRAWAL_APPROVED = "withdrawal_approved", _("Withdrawal approved")
    WITHDRAWAL_DECLINED = "withdrawal_declined", _("Withdrawal not approved")
    WITHDRAWAL_CANCELLED = "withdrawal_cancelled", _("Withdrawal request cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUSPENDED = "suspended", _("Suspended")
    REINSTATED = "reinstated", _("Reinstated")
    EXPELLED = "expelled", _("Expelled")
    PROFILE_UPDATED = "profile_updated", _("Profile updated")
    CHANGE_REQUESTED = "change_requested", _("Change of name or credit code requested")
    CHANGE_APPROVED = "change_approved", _("Change of name or credit code approved")
    CHANGE_REJECTED = "change_rejected", _("Change of name or credit code rejected")
    COUNCIL_ROLE_CHANGED = "council_role_changed", _("Council role changed")
    COMMITTEE_JOINED = "committee_joined", _("Joined a committee")
    COMMITTEE_LEFT = "committee_left", _("Left a committee")


class MembershipEvent(TenantModel):
    """One line of a unit's timeline. Written only by services, never edited."""

    member_unit = models.ForeignKey(
        MemberUnit, on_delete=models.CASCADE, related_name="events", verbose_name=_("member unit")
    )
    action = models.CharField(_("action"), max_length=32, choices=MembershipAction.choices)
    from_status = models.CharField(_("from status"), max_length=24, choices=MemberStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=24, choices=MemberStatus.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    resolution = models.ForeignKey(
        "alliances.Resolution", on_delete=models.PROTECT, null=True, blank=True, related_name="membership_events",
        verbose_name=_("resolution"),
    )  # fmt: skip
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    occurred_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership events")
        ordering = ["member_unit", "-occurred_at", "-pk"]
        indexes = [models.Index(fields=["alliance", "member_unit", "occurred_at"]),
                   models.Index(fields=["alliance", "action", "occurred_at"])]  # fmt: skip

    def __str__(self):
        return f"{self.member_unit} · {self.get_action_display()}"

    @property
    def changed_field_labels(self) -> list[str]:
        """The names of the profile fields this event changed, in the reader's language."""
        labels = []
        for field in (self.detail or {}).get("changes", {}):
            try:
                labels.append(str(MemberUnit._meta.get_field(field).verbose_name))
            except Exception:  # contacts and other non-field entries
                labels.append(str(_("contacts")) if field == "contacts" else field)
        return labels


def member_document_path(document, filename: str) -> str:
    return f"alliances/{document.alliance_id}/members/{document.member_unit_id}/{filename}"


class MemberDocument(TenantModel):
    """A document attached to a unit: application materials, a withdrawal letter, a resolution scan."""

    member_unit = models.ForeignKey(
        MemberUnit, on_delete=models.CASCADE, related_name="documents", verbose_name=_("member unit")
    )
    event = models.ForeignKey(
        MembershipEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents",
        verbose_name=_("event"),
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=member_document_path, max_length=300)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["member_unit", "-uploaded_at"]

    def __str__(self):
        return self.title


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


class WithdrawalRequest(TenantModel):
    """A written request to leave (退会申请). Takes effect no earlier than request + the charter's notice period,
    after the standing council (or the body the charter names) approves."""

    member_unit = models.ForeignKey(
        MemberUnit, on_delete=models.CASCADE, related_name="withdrawal_requests", verbose_name=_("member unit")
    )
    requested_on = models.DateField(_("request received on"))
    earliest_effective_on = models.DateField(_("earliest effective date"))
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    resolution = models.ForeignKey(
        "alliances.Resolution", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("resolution"),
    )  # fmt: skip
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("withdrawal request")
        verbose_name_plural = _("withdrawal requests")
        ordering = ["alliance", "-requested_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "member_unit"], condition=Q(status__in=["pending", "approved"]),
                name="withdrawal_one_open_request_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(effective_on__gte=models.F("earliest_effective_on")),
                name="withdrawal_effective_after_notice",
            ),
        ]  # fmt: skip

    def __str__(self):
        return _("Withdrawal of %(unit)s") % {"unit": self.member_unit}


class ProfileChangeRequest(TenantModel):
    """A representative's change to the unit's name or credit code, waiting for the secretariat."""

    member_unit = models.ForeignKey(
        MemberUnit, on_delete=models.CASCADE, related_name="change_requests", verbose_name=_("member unit")
    )
    changes = models.JSONField(_("requested values"))
    previous = models.JSONField(_("values before"))
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decision_note = models.TextField(_("decision note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"),
    )  # fmt: skip
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile change request")
        verbose_name_plural = _("profile change requests")
        ordering = ["alliance", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "member_unit"], condition=Q(status="pending"),
                name="profile_change_one_pending_per_unit",
            )
        ]  # fmt: skip

    def __str__(self):
        return _("Change request for %(unit)s") % {"unit": self.member_unit}

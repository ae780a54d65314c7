"""The tenant (Alliance), accounts and grants, the audit log and background jobs."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .permissions import PlatformRole, Role
from .tenancy import TenantManager, TenantModel, TenantQuerySet

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland mobile number."))
division_code_validator = RegexValidator(r"^\d{6}$", _("A division code has 6 digits (GB/T 2260)."))


class AllianceKind(models.TextChoices):
    VOCATIONAL_GROUP = "vocational_group", _("Vocational education group")  # 职业教育集团
    TECHNICAL_GROUP = "technical_group", _("Technical education group")  # 技工教育集团
    INTEGRATION_ALLIANCE = (
        "integration_alliance",
        _("Industry–education integration alliance"),
    )  # 产教融合联盟
    CITY_CONSORTIUM = "city_consortium", _("City industry–education consortium")  # 市域产教联合体
    INDUSTRY_COMMUNITY = (
        "industry_community",
        _("Industry industry–education community"),
    )  # 行业产教融合共同体


class AllianceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    DISSOLVED = "dissolved", _("Dissolved")


class Alliance(models.Model):
    """The tenant. Global by nature: it is what scopes are made of."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60)
    slug = models.SlugField(
        _("slug"), max_length=60, unique=True, help_text=_("Used in addresses: /a/<slug>/")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=AllianceKind.choices)
    region_code = models.CharField(_("region code"), max_length=6, validators=[division_code_validator])
    lead_department = models.CharField(_("lead department"), max_length=200, blank=True)
    initiating_unit = models.CharField(_("initiating unit"), max_length=200, blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AllianceStatus.choices, default=AllianceStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == AllianceStatus.ACTIVE


class User(AbstractUser):
    """Accounts are platform-wide; what a user may do in an alliance comes from their grants there."""

    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[mobile_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    platform_role = models.CharField(
        _("platform role"),
        max_length=20,
        choices=PlatformRole.choices,
        blank=True,
        help_text=_("At most one platform duty per account (separation of duties)."),
    )
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for one-time passwords; cleared by a change."),
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.name or self.username

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.must_change_password = False

    def save(self, *args, **kwargs):
        if self.password_changed_at is None and self.password:
            self.password_changed_at = timezone.now()  # accounts made by create_user() bypass set_password()
        super().save(*args, **kwargs)

    @property
    def is_platform_operator(self) -> bool:
        return self.platform_role == PlatformRole.OPERATOR

    @property
    def is_security_admin(self) -> bool:
        return self.platform_role == PlatformRole.SECURITY_ADMIN

    @property
    def is_audit_admin(self) -> bool:
        return self.platform_role == PlatformRole.AUDIT_ADMIN


class Grant(TenantModel):
    """A role a user holds in one alliance. A user may hold several, in several alliances."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    member_unit = models.ForeignKey(
        "members.MemberUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="representatives",
        verbose_name=_("member unit"),
        help_text=_("Required for member representatives: the unit they act for."),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("granted by")
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["alliance", "user", "role"]
        indexes = [models.Index(fields=["alliance", "role"])]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "user", "role"], name="grant_unique_role_per_alliance"
            ),
            models.CheckConstraint(
                condition=Q(role=Role.MEMBER_REPRESENTATIVE, member_unit__isnull=False)
                | (~Q(role=Role.MEMBER_REPRESENTATIVE) & Q(member_unit__isnull=True)),
                name="grant_member_unit_only_for_representatives",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    DENIED = "denied", _("Denied")


# Readable names of recorded actions; an action without one is shown by its code.
AUDIT_ACTION_LABELS = {
    "auth.login": _("Logged in"),
    "auth.logout": _("Logged out"),
    "auth.login_failed": _("Failed login"),
    "auth.locked_out": _("Locked out after failed logins"),
    "account.created": _("Account created"),
    "account.password_changed": _("Password changed"),
    "account.activated": _("Account enabled"),
    "account.deactivated": _("Account disabled"),
    "account.unlocked": _("Lockout cleared"),
    "account.two_factor_reset": _("Authenticator reset"),
    "auth.two_factor_enrolled": _("Authenticator enrolled"),
    "auth.two_factor_passed": _("Second factor passed"),
    "auth.two_factor_failed": _("Wrong second-factor code"),
    "grant.created": _("Role granted"),
    "grant.revoked": _("Role revoked"),
    "grant.changed": _("Role changed"),
    "job.requested": _("Job requested"),
    "job.succeeded": _("Job finished"),
    "job.failed": _("Job failed"),
    "file.downloaded": _("File downloaded"),
    "demo.seeded": _("Demo data loaded"),
    # Charter and governance
    "charter.draft_created": _("Charter draft created"),
    "charter.draft_updated": _("Charter draft changed"),
    "charter.articles_saved": _("Charter articles saved"),
    "charter.adopted": _("Charter adopted"),
    "charter.superseded": _("Charter superseded"),
    "council_term.created": _("Council term created"),
    "council_term.updated": _("Council term changed"),
    "council_term.officers_set": _("Council officers set"),
    "council_term.ended": _("Council term ended"),
    "meeting.recorded": _("Meeting recorded"),
    "resolution.recorded": _("Resolution recorded"),
    # Members
    "member.applied": _("Applied for membership"),
    "member.created": _("Member unit registered"),
    "member.imported": _("Member unit imported"),
    "member.import_completed": _("Member import completed"),
    "member.import_refused": _("Member import refused"),
    "member.reapply": _("Applied again"),
    "member.start_review": _("Review started"),
    "member.request_information": _("More information requested"),
    "member.information_request_sent": _("Request for information e-mailed"),
    "member.provide_information": _("More information provided"),
    "member.admit": _("Admitted"),
    "member.reject": _("Application rejected"),
    "member.request_withdrawal": _("Withdrawal requested"),
    "member.approve_withdrawal": _("Withdrawal approved"),
    "member.decline_withdrawal": _("Withdrawal declined"),
    "member.cancel_withdrawal": _("Withdrawal cancelled"),
    "member.complete_withdrawal": _("Withdrawal took effect"),
    "member.withdrawal_notified": _("Members notified of a withdrawal"),
    "member.suspend": _("Suspended"),
    "member.reinstate": _("Reinstated"),
    "member.expel": _("Expelled"),
    "member.profile_updated": _("Profile changed"),
    "member.contact_added": _("Contact added"),
    "member.contact_changed": _("Contact changed"),
    "member.contact_removed": _("Contact removed"),
    "member.change_requested": _("Change of name or credit code requested"),
    "member.change_approved": _("Change of name or credit code approved"),
    "member.change_rejected": _("Change of name or credit code rejected"),
    "member.council_role_changed": _("Council role changed"),
    "member.documents_attached": _("Documents attached"),
    "member.document_downloaded": _("Document downloaded"),
    "member.certificate_downloaded": _("Certificate downloaded"),
    "committee.created": _("Committee created"),
    "committee.updated": _("Committee changed"),
    "committee.deleted": _("Committee deleted"),
    "committee.members_added": _("Units added to a committee"),
    "committee.member_removed": _("Unit removed from a committee"),
}


class AuditEntryQuerySet(TenantQuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def _update(self, values):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only; expired entries leave through purge_expired().")


class AuditEntryManager(TenantManager):
    _queryset_class = AuditEntryQuerySet


class AuditEntry(models.Model):
    """One security-relevant event. Append-only: no UI, API or model method changes or deletes it.

    Tenant-owned where it concerns an alliance (scoped like every tenant model); platform events
    (logins, platform administration) have no alliance and are read by audit admins only.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    alliance = models.ForeignKey(
        Alliance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alliance"),
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEntryManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["alliance", "-at"]),
            models.Index(fields=["alliance", "actor", "-at"]),
        ]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    @property
    def action_label(self) -> str:
        return str(AUDIT_ACTION_LABELS.get(self.action, self.action))


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


def job_result_path(job: Job, filename: str) -> str:
    return f"jobs/{job.alliance_id}/{job.pk}/{filename}"


class Job(TenantModel):
    """The truth about one piece of background work: what, for whom, how far, with what result."""

    kind = models.CharField(_("kind"), max_length=64)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    parameters_digest = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)  # in the default language
    messages = models.JSONField(_("message in each language"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to=job_result_path, blank=True, max_length=300)
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            models.Index(fields=["alliance", "-created_at"]),
            models.Index(fields=["alliance", "status"]),
        ]
        constraints = [
            # Two identical jobs (same alliance, kind and parameters) never run at once.
            models.UniqueConstraint(
                fields=["alliance", "kind", "parameters_digest"],
                condition=Q(status__in=ACTIVE_JOB_STATUSES),
                name="job_one_active_per_kind_and_parameters",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_at_most_100"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @staticmethod
    def digest(parameters: dict) -> str:
        return hashlib.sha256(json.dumps(parameters, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    @property
    def kind_label(self) -> str:
        from .jobs import registered_job_kinds

        kind = registered_job_kinds().get(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def display_message(self) -> str:
        """The message in the reader's language (alliances.jobs.message_fields writes it in each)."""
        return self.messages.get(translation.get_language()) or self.message

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES

    @property
    def is_finished(self) -> bool:
        return not self.is_active


# Charter and governance models live in their own module; importing them here registers them with Django.
from .governance import (  # noqa: E402,F401
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

"""Events (meetings, competitions, job fairs…) with agenda, registration and check-in, and the
school–enterprise cooperation records that events and agreements produce."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliances.tenancy import TenantDocument, TenantModel


def new_token() -> str:
    return secrets.token_urlsafe(24)


class EventKind(models.TextChoices):
    ANNUAL_MEETING = "annual_meeting", _("Annual meeting")  # 年会
    COUNCIL_MEETING = "council_meeting", _("Council meeting")  # 理事会会议
    STANDING_COUNCIL_MEETING = "standing_council_meeting", _("Standing council meeting")  # 常务理事会会议
    SEMINAR = "seminar", _("Seminar or forum")  # 研讨会/座谈会
    COMPETITION = "competition", _("Skills competition")  # 技能大赛
    JOB_FAIR = "job_fair", _("Job fair")  # 专场招聘会
    TRAINING = "training", _("Training")  # 培训
    VISIT = "visit", _("On-site visit")  # 观摩/走访
    CEREMONY = "ceremony", _("Signing or award ceremony")  # 签约/授牌仪式

    @classmethod
    def governance_kinds(cls) -> dict[str, str]:
        """Event kinds that are meetings of a governing body, and the body (alliances.governance.GoverningBody)."""
        return {cls.COUNCIL_MEETING: "council", cls.STANDING_COUNCIL_MEETING: "standing_council"}


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class Event(TenantModel):
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    host_unit = models.ForeignKey(
        "members.MemberUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="hosted_events",
        verbose_name=_("host unit"),
    )  # fmt: skip
    organisers = models.ManyToManyField(
        "members.MemberUnit", through="EventOrganiser", related_name="organised_events", blank=True,
        verbose_name=_("organisers"),
    )  # fmt: skip
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Places in all; empty for no limit."),
    )  # fmt: skip
    quota_per_unit = models.PositiveIntegerField(
        _("places per unit"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Empty for no limit."),
    )  # fmt: skip
    registration_opens = models.BooleanField(_("open for registration"), default=True)
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    meeting = models.ForeignKey(
        "alliances.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="events",
        verbose_name=_("council meeting record"),
        help_text=_("For council and standing-council meetings: the meeting whose resolutions this event produced."),
    )  # fmt: skip
    minutes = models.TextField(_("minutes"), blank=True)
    cancellation_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    uid = models.CharField(_("calendar UID"), max_length=64, default=new_token, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["alliance", "-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["alliance", "starts_at"]),
            models.Index(fields=["alliance", "status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["alliance", "meeting"],
                condition=Q(meeting__isnull=False),
                name="event_one_per_meeting",
            ),
        ]

    def __str__(self):
        return self.title


class EventOrganiser(TenantModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, verbose_name=_("event"))
    member_unit = models.ForeignKey(
        "members.MemberUnit", on_delete=models.PROTECT, verbose_name=_("member unit")
    )

    class Meta:
        verbose_name = _("event organiser")
        verbose_name_plural = _("event organisers")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "event", "member_unit"], name="event_organiser_once"),
        ]

    def __str__(self):
        return f"{self.event_id}: {self.member_unit_id}"


class AgendaItem(TenantModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("event"))
    starts_at = models.TimeField(_("time"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    speaker = models.CharField(_("speaker"), max_length=60, blank=True)
    speaker_unit = models.CharField(_("speaker's unit"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["alliance", "event", "position", "starts_at", "pk"]

    def __str__(self):
        return self.topic


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    PHOTO = "photo", _("Photo")


class EventAttachment(TenantDocument):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("event")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.DOCUMENT
    )
    file = models.FileField(_("file"), upload_to="events/%Y/%m/")

    class Meta:
        verbose_name = _("event attachment")
        verbose_name_plural = _("event attachments")
        ordering = ["alliance", "event", "kind", "pk"]


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("Did not attend")
    CANCELLED = "cancelled", _("Cancelled")


# Registrations that hold a place (count against capacity and quota).
PLACE_HOLDING_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.CHECKED_IN,
)


class Registration(TenantModel):
    """One person of a member unit registered for an event."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    member_unit = models.ForeignKey(
        "members.MemberUnit", on_delete=models.PROTECT, related_name="event_registrations",
        verbose_name=_("member unit"),
    )  # fmt: skip
    person_name = models.CharField(_("name"), max_length=50)
    person_title = models.CharField(_("title"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    check_in_token = models.CharField(_("check-in code"), max_length=48, default=new_token, editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("checked in by"),
    )  # fmt: skip
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("registered by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["alliance", "event", "created_at", "pk"]
        indexes = [
            models.Index(fields=["alliance", "event", "status"]),
            models.Index(fields=["alliance", "member_unit", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "check_in_token"], name="registration_unique_check_in_token"
            ),
        ]

    def __str__(self):
        return f"{self.person_name} ({self.member_unit_id})"


class CooperationKind(models.TextChoices):
    AGREEMENT = "agreement", _("Cooperation agreement")  # 校企合作协议
    LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")  # 意向书
    ORDER_CLASS = "order_class", _("Order class")  # 订单班
    NAMED_CLASS = "named_class", _("Named class")  # 冠名班
    MODERN_APPRENTICESHIP = "modern_apprenticeship", _("Modern apprenticeship")  # 现代学徒制
    ENTERPRISE_APPRENTICESHIP = (
        "enterprise_apprenticeship",
        _("New enterprise apprenticeship"),
    )  # 企业新型学徒制
    TRAINING_BASE = "training_base", _("Joint training base")  # 共建实训基地
    INDUSTRY_COLLEGE = "industry_college", _("Industry college")  # 产业学院
    TEACHER_PLACEMENT = "teacher_placement", _("Teacher placement in enterprise")  # 教师企业实践
    MASTER_STUDIO = "master_studio", _("Skills master studio")  # 技能大师工作室

    @classmethod
    def class_kinds(cls) -> frozenset[str]:
        return frozenset({cls.ORDER_CLASS, cls.NAMED_CLASS})

    @classmethod
    def apprenticeship_kinds(cls) -> frozenset[str]:
        return frozenset({cls.MODERN_APPRENTICESHIP, cls.ENTERPRISE_APPRENTICESHIP})


class CooperationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("In force")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class CooperationRecord(TenantModel):
    """A cooperation between a member school and a member enterprise (agreement, order class, apprenticeship…)."""

    kind = models.CharField(_("kind"), max_length=32, choices=CooperationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    school = models.ForeignKey(
        "members.MemberUnit",
        on_delete=models.PROTECT,
        related_name="school_cooperations",
        verbose_name=_("school"),
    )
    enterprise = models.ForeignKey(
        "members.MemberUnit", on_delete=models.PROTECT, related_name="enterprise_cooperations",
        verbose_name=_("enterprise"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=12, choices=CooperationStatus.choices, default=CooperationStatus.ACTIVE
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="cooperations",
        verbose_name=_("signed at event"),
    )  # fmt: skip
    description = models.TextField(_("description"), blank=True)
    # Order and named classes (订单班/冠名班): feed the order-class employment subsidy.
    class_name = models.CharField(_("class name"), max_length=100, blank=True)
    specialty = models.ForeignKey(
        "members.Specialty", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("specialty"),
    )  # fmt: skip
    students = models.PositiveIntegerField(_("students"), null=True, blank=True)
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    graduates_employed = models.PositiveIntegerField(_("graduates employed"), null=True, blank=True)
    # Apprenticeships, teacher placements, training: how many people took part.
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cooperation record")
        verbose_name_plural = _("cooperation records")
        ordering = ["alliance", "-signed_on", "-pk"]
        indexes = [
            models.Index(fields=["alliance", "kind", "status"]),
            models.Index(fields=["alliance", "school"]),
            models.Index(fields=["alliance", "enterprise"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(graduates_employed__isnull=True)
                | Q(students__isnull=True)
                | Q(graduates_employed__lte=models.F("students")),
                name="cooperation_employed_within_students",
            ),
        ]

    @property
    def class_label(self) -> str:
        """How an order or named class is called: its class name, or the record's title when none is given."""
        return self.class_name or self.title

    def __str__(self):
        return self.title


class CooperationDocument(TenantDocument):
    record = models.ForeignKey(
        CooperationRecord,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("cooperation record"),
    )
    file = models.FileField(_("file"), upload_to="cooperation/%Y/%m/")

    class Meta:
        verbose_name = _("cooperation document")
        verbose_name_plural = _("cooperation documents")
        ordering = ["alliance", "record", "pk"]


class FeedScope(models.TextChoices):
    ALLIANCE = "alliance", _("Every published event of the alliance")
    MEMBER_UNIT = "member_unit", _("Events my unit registered for, hosts or organises")


class CalendarFeed(TenantModel):
    """A private iCalendar subscription address for one user: the token in the URL is the only key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    scope = models.CharField(_("what it shows"), max_length=12, choices=FeedScope.choices)
    member_unit = models.ForeignKey(
        "members.MemberUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("member unit"),
    )  # fmt: skip
    token = models.CharField(_("token"), max_length=48, default=new_token, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_fetched_at = models.DateTimeField(_("last fetched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "token"], name="calendar_feed_unique_token"),
            models.UniqueConstraint(
                fields=["alliance", "user", "scope"], name="calendar_feed_one_per_user_scope"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.scope}"

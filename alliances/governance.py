"""Charter and governance bodies of an alliance: charter versions, council terms and officers,
meetings of the council and standing council, and the resolutions they pass.

Models only; the rules (adopting a charter, counting votes) live in `alliances/governance_services.py`.
Imported by `alliances.models` so Django finds them.
"""

from __future__ import annotations

from fractions import Fraction

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .tenancy import TenantModel


class GoverningBody(models.TextChoices):
    COUNCIL = "council", _("Council")  # 理事会
    STANDING_COUNCIL = "standing_council", _("Standing council")  # 常务理事会


class CharterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")
    SUPERSEDED = "superseded", _("Superseded")


class Charter(TenantModel):
    """One version of the alliance's charter (章程) and the parameters the membership workflows read."""

    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=CharterStatus.choices, default=CharterStatus.DRAFT)
    notes = models.TextField(_("notes on this version"), blank=True)
    adopted_at_meeting = models.ForeignKey(
        "alliances.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="adopted_charters",
        verbose_name=_("adopted at meeting"),
    )  # fmt: skip
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)
    withdrawal_notice_months = models.PositiveSmallIntegerField(
        _("withdrawal notice (months)"), default=3,
        help_text=_("A withdrawal takes effect no earlier than this many months after the written request."),
    )  # fmt: skip
    admission_body = models.CharField(
        _("decides admissions"), max_length=20, choices=GoverningBody.choices, default=GoverningBody.COUNCIL
    )
    withdrawal_body = models.CharField(
        _("approves withdrawals"), max_length=20, choices=GoverningBody.choices,
        default=GoverningBody.STANDING_COUNCIL,
    )  # fmt: skip
    expulsion_body = models.CharField(
        _("decides expulsions"), max_length=20, choices=GoverningBody.choices, default=GoverningBody.COUNCIL
    )
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum (numerator)"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(
        _("quorum (denominator)"), default=3, validators=[MinValueValidator(1)]
    )
    pass_numerator = models.PositiveSmallIntegerField(_("pass threshold (numerator)"), default=2)
    pass_denominator = models.PositiveSmallIntegerField(
        _("pass threshold (denominator)"), default=3, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        ordering = ["alliance", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "version"], name="charter_unique_version"),
            models.UniqueConstraint(
                fields=["alliance"], condition=Q(status="adopted"), name="charter_one_adopted_per_alliance"
            ),
            models.CheckConstraint(
                condition=Q(quorum_numerator__lte=models.F("quorum_denominator"))
                & Q(pass_numerator__lte=models.F("pass_denominator")),
                name="charter_fractions_at_most_one",
            ),
        ]

    def __str__(self):
        return _("%(title)s (version %(version)s)") % {"title": self.title, "version": self.version}

    @property
    def quorum(self) -> Fraction:
        return Fraction(self.quorum_numerator, self.quorum_denominator)

    @property
    def pass_threshold(self) -> Fraction:
        return Fraction(self.pass_numerator, self.pass_denominator)

    def body_for(self, subject: str) -> str | None:
        return {
            ResolutionSubject.ADMISSION: self.admission_body,
            ResolutionSubject.WITHDRAWAL: self.withdrawal_body,
            ResolutionSubject.EXPULSION: self.expulsion_body,
        }.get(subject)


class CharterArticle(TenantModel):
    """An article (条) of a charter version, inside a chapter (章)."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="articles", verbose_name=_("charter"))
    chapter_number = models.PositiveSmallIntegerField(_("chapter"))
    chapter_title = models.CharField(_("chapter title"), max_length=100)
    article_number = models.PositiveSmallIntegerField(_("article"))
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("charter article")
        verbose_name_plural = _("charter articles")
        ordering = ["charter", "chapter_number", "article_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "charter", "article_number"], name="charter_article_unique_number"
            )
        ]

    def __str__(self):
        return _("Article %(number)s") % {"number": self.article_number}


class CouncilTerm(TenantModel):
    """A term (届) of the council, e.g. 第一届理事会."""

    number = models.PositiveSmallIntegerField(_("term number"), validators=[MinValueValidator(1)])
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("council term")
        verbose_name_plural = _("council terms")
        ordering = ["alliance", "-number"]
        constraints = [models.UniqueConstraint(fields=["alliance", "number"], name="council_term_unique_number")]

    def __str__(self):
        return _("Council term %(number)s") % {"number": self.number}


class Office(models.TextChoices):
    CHAIR = "chair", _("Chair")  # 理事长
    VICE_CHAIR = "vice_chair", _("Vice chair")  # 副理事长
    SECRETARY_GENERAL = "secretary_general", _("Secretary-general")  # 秘书长


class CouncilOfficer(TenantModel):
    term = models.ForeignKey(CouncilTerm, on_delete=models.CASCADE, related_name="officers", verbose_name=_("term"))
    office = models.CharField(_("office"), max_length=20, choices=Office.choices)
    person_name = models.CharField(_("name"), max_length=50)
    member_unit = models.ForeignKey(
        "members.MemberUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="officers",
        verbose_name=_("member unit"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("council officer")
        verbose_name_plural = _("council officers")
        ordering = ["term", "office", "person_name"]

    def __str__(self):
        return f"{self.get_office_display()} {self.person_name}"


class Meeting(TenantModel):
    """A meeting of the council or the standing council, where resolutions are taken."""

    body = models.CharField(_("body"), max_length=20, choices=GoverningBody.choices)
    term = models.ForeignKey(
        CouncilTerm, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings", verbose_name=_("term")
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    seats = models.PositiveIntegerField(
        _("members of the body"), help_text=_("How many units sit on the body: the base of the quorum.")
    )
    present = models.PositiveIntegerField(_("members present"))
    minutes = models.TextField(_("minutes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["alliance", "-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(present__lte=models.F("seats")), name="meeting_present_within_seats")
        ]

    def __str__(self):
        return f"{self.title} ({self.held_on:%Y-%m-%d})"


class ResolutionSubject(models.TextChoices):
    ADMISSION = "admission", _("Admission")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    EXPULSION = "expulsion", _("Expulsion")
    CHARTER = "charter", _("Charter")
    OTHER = "other", _("Other")


class Resolution(TenantModel):
    """A resolution (决议) of a meeting, with its votes and whether the charter's quorum and threshold were met."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="resolutions", verbose_name=_("meeting"))
    number = models.CharField(_("number"), max_length=30)
    subject = models.CharField(_("subject"), max_length=16, choices=ResolutionSubject.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    votes_for = models.PositiveIntegerField(_("votes for"))
    votes_against = models.PositiveIntegerField(_("votes against"))
    votes_abstaining = models.PositiveIntegerField(_("abstentions"))
    quorum_met = models.BooleanField(_("quorum met"))
    passed = models.BooleanField(_("passed"))
    charter = models.ForeignKey(
        Charter, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("charter applied"),
    )  # fmt: skip
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["alliance", "-meeting__held_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["alliance", "number"], name="resolution_unique_number")]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def votes_cast(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstaining

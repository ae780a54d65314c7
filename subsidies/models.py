"""Subsidies: programs as versioned policy, periods, claims and their lines, reviews, calculation runs.

Money is Decimal (CNY, 2 places). A program's rules live in `ProgramVersion` rows with effective dates;
a claim is fixed to the version in force when it is submitted and a run to the version it used, so
changing a program never changes a past calculation.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliances.tenancy import TenantDocument, TenantModel

ZERO = Decimal("0.00")
percent_validators = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class ProgramKind(models.TextChoices):
    INTERNSHIP_POST = "internship_post", _("Internship post subsidy")  # 顶岗实习补助
    ORDER_CLASS = "order_class", _("Order-class employment subsidy")  # 订单班就业补贴
    TRAINING_BASE = "training_base", _("Public training base subsidy")  # 公共实训基地补贴
    QUALITY_SPECIALTY = "quality_specialty", _("Quality specialty award")  # 优质专业群奖励


class RateUnit(models.TextChoices):
    POST_SEMESTER = "post_semester", _("per post per semester")
    PERSON = "person", _("per person")
    PERSON_MONTH = "person_month", _("per person per month")
    ONE_TIME = "one_time", _("one-time")


class OverBudgetPolicy(models.TextChoices):
    PRO_RATA = "pro_rata", _("Reduce every amount in proportion")
    REFUSE = "refuse", _("Refuse the run until the budget is raised")


class DuplicateStudentPolicy(models.TextChoices):
    FLAG_BOTH = "flag_both", _("Flag every claim of the student for review")
    FIRST_SUBMITTED_WINS = "first_submitted_wins", _("The first submitted claim keeps the student")


class InternCapPolicy(models.TextChoices):
    REJECT_EXCESS_LINES = "reject_excess_lines", _("Reject only the lines above the limit")
    REJECT_CLAIM = "reject_claim", _("Reject the whole claim")


class PostCounting(models.TextChoices):
    PER_INTERN = "per_intern", _("Each intern is a post")
    PER_DISTINCT_POST = "per_distinct_post", _("Each distinct post name is a post")


class MinimumShareEffect(models.TextChoices):
    INELIGIBLE = "ineligible", _("The enterprise is not eligible")
    WARNING = "warning", _("A warning only; the enterprise stays eligible")


class SchoolScope(models.TextChoices):
    ALL_MEMBER_SCHOOLS = "all_member_schools", _("Students of every member school")
    TECHNICAL_SCHOOLS = "technical_schools", _("Students of member technical schools (技工院校) only")


class Program(TenantModel):
    """A subsidy program of the alliance; its rules are in its versions."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=ProgramKind.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("open for claims"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subsidy program")
        verbose_name_plural = _("subsidy programs")
        ordering = ["alliance", "code"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "code"], name="program_unique_code_per_alliance")
        ]

    def __str__(self):
        return self.name


class ProgramVersion(TenantModel):
    """One version of a program's rules, in force from `effective_from` until the next version starts."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="versions", verbose_name=_("program")
    )
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    policy_reference = models.CharField(_("policy document"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=RateUnit.choices)
    rate = models.DecimalField(
        _("rate (CNY)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    secondary_rate = models.DecimalField(
        _("provincial-level rate (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Quality specialty awards: the amount for a provincial-level specialty (the rate is national)."),
    )  # fmt: skip
    max_months = models.PositiveSmallIntegerField(
        _("months counted at most"),
        null=True,
        blank=True,
        help_text=_("Per person per month: the most months paid."),
    )
    min_duration_days = models.PositiveSmallIntegerField(
        _("minimum internship length (days)"),
        default=30,
        help_text=_("Shorter internships are not eligible."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age at start"), default=16)
    max_intern_share = models.DecimalField(
        # xgettext:no-python-format
        _("interns at most (% of employees)"), max_digits=5, decimal_places=2, default=Decimal("10"),
        validators=percent_validators,
    )  # fmt: skip
    min_host_share = models.DecimalField(
        # xgettext:no-python-format
        _("enterprises above designated size host at least (% of employees)"), max_digits=5, decimal_places=2,
        default=Decimal("2"), validators=percent_validators,
    )  # fmt: skip
    cap_per_enterprise = models.DecimalField(
        _("cap per enterprise per period (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(ZERO)],
    )  # fmt: skip
    budget = models.DecimalField(
        _("budget per period (CNY)"), max_digits=16, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(ZERO)],
    )  # fmt: skip
    over_budget_policy = models.CharField(
        _("when claims exceed the budget"), max_length=20, choices=OverBudgetPolicy.choices,
        default=OverBudgetPolicy.PRO_RATA,
    )  # fmt: skip
    # Readings of the policy text that could go either way: settings with documented defaults.
    duplicate_student_policy = models.CharField(
        _("a student claimed by two enterprises"), max_length=24, choices=DuplicateStudentPolicy.choices,
        default=DuplicateStudentPolicy.FLAG_BOTH,
    )  # fmt: skip
    intern_cap_policy = models.CharField(
        _("more interns than the limit"), max_length=24, choices=InternCapPolicy.choices,
        default=InternCapPolicy.REJECT_EXCESS_LINES,
    )  # fmt: skip
    post_counting = models.CharField(
        _("what 'per post' counts"),
        max_length=24,
        choices=PostCounting.choices,
        default=PostCounting.PER_INTERN,
    )
    min_host_share_effect = models.CharField(
        _("an enterprise above designated size below the minimum share"), max_length=16,
        choices=MinimumShareEffect.choices, default=MinimumShareEffect.INELIGIBLE,
    )  # fmt: skip
    school_scope = models.CharField(
        _("whose students count"),
        max_length=24,
        choices=SchoolScope.choices,
        default=SchoolScope.ALL_MEMBER_SCHOOLS,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("program version")
        verbose_name_plural = _("program versions")
        ordering = ["alliance", "program", "-effective_from", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "program", "number"], name="program_version_unique_number"
            ),
            models.UniqueConstraint(
                fields=["alliance", "program", "effective_from"], name="program_version_unique_start"
            ),
        ]

    def __str__(self):
        return f"{self.program} v{self.number}"


class FundingShare(TenantModel):
    """Who pays which share of a program version's amounts (e.g. 市财政 60 %, 区县财政 40 %)."""

    version = models.ForeignKey(
        ProgramVersion,
        on_delete=models.CASCADE,
        related_name="funding_shares",
        verbose_name=_("program version"),
    )
    payer = models.CharField(_("payer"), max_length=60)
    percent = models.DecimalField(
        _("share (%)"), max_digits=5, decimal_places=2, validators=percent_validators
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("funding share")
        verbose_name_plural = _("funding shares")
        ordering = ["alliance", "version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "version", "payer"], name="funding_share_unique_payer"
            )
        ]

    def __str__(self):
        return f"{self.payer} {self.percent}%"


class PeriodKind(models.TextChoices):
    SEMESTER = "semester", _("Semester")
    YEAR = "year", _("Year")


class Period(TenantModel):
    """An academic semester (2024–2025学年第一学期) or a year, with its dates and claim deadline."""

    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    name = models.CharField(_("name"), max_length=60)
    academic_year = models.PositiveSmallIntegerField(
        _("academic year starting"), help_text=_("2024 for 2024–2025.")
    )
    semester = models.PositiveSmallIntegerField(
        _("semester"), null=True, blank=True, choices=[(1, _("First semester")), (2, _("Second semester"))]
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    claim_deadline = models.DateField(_("claim deadline"))

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["alliance", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="period_unique_name_per_alliance"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.name


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCHOOL_CONFIRMATION = "school_confirmation", _("Waiting for schools")
    UNDER_REVIEW = "under_review", _("Under review")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Claim(TenantModel):
    """An enterprise's claim under one program for one period: at most one per enterprise, program and period."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="claims", verbose_name=_("program")
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="claims", verbose_name=_("period")
    )
    enterprise = models.ForeignKey(
        "members.MemberUnit",
        on_delete=models.PROTECT,
        related_name="subsidy_claims",
        verbose_name=_("enterprise"),
    )
    program_version = models.ForeignKey(
        ProgramVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="claims",
        verbose_name=_("program version"), help_text=_("The rules in force when the claim was submitted."),
    )  # fmt: skip
    number = models.CharField(_("claim number"), max_length=30)
    status = models.CharField(
        _("status"), max_length=24, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    payee_name = models.CharField(_("account holder"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_encrypted = models.TextField(_("bank account (encrypted)"), blank=True, editable=False)
    bank_account_masked = models.CharField(_("bank account"), max_length=30, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1, help_text=_("Raised by every change."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        ordering = ["alliance", "-created_at", "-pk"]
        indexes = [models.Index(fields=["alliance", "program", "period", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "enterprise", "program", "period"],
                name="claim_one_per_enterprise_program_period",
            ),
            models.UniqueConstraint(fields=["alliance", "number"], name="claim_unique_number_per_alliance"),
        ]

    def __str__(self):
        return self.number


class SchoolDecision(models.TextChoices):
    PENDING = "pending", _("Waiting for the school")
    CONFIRMED = "confirmed", _("Confirmed by the school")
    DENIED = "denied", _("Denied by the school")


class LineReview(models.TextChoices):
    PENDING = "pending", _("Not reviewed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for correction")


class SpecialtyLevelAward(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")


class ClaimLine(TenantModel):
    """One person on a claim (an intern, a graduate, a trainee) or one awarded specialty.

    The resident ID number is stored encrypted, with a keyed hash for matching across claims and a mask
    for the screen; the plaintext never reaches the database.
    """

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines", verbose_name=_("claim"))
    position = models.PositiveIntegerField(_("line"), default=0)
    student_name = models.CharField(_("name"), max_length=50)
    resident_id_encrypted = models.TextField(_("resident ID number (encrypted)"), editable=False)
    resident_id_hash = models.CharField(_("resident ID number (keyed hash)"), max_length=64, editable=False)
    resident_id_masked = models.CharField(_("resident ID number"), max_length=18, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, editable=False)
    school = models.ForeignKey(
        "members.MemberUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="subsidy_lines",
        verbose_name=_("school"),
    )  # fmt: skip
    specialty = models.CharField(_("specialty"), max_length=60, blank=True)
    post = models.CharField(_("post"), max_length=60, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    agreement_number = models.CharField(_("tripartite agreement number"), max_length=60, blank=True)
    insurance_policy_number = models.CharField(_("insurance policy number"), max_length=60, blank=True)
    monthly_pay = models.DecimalField(
        _("monthly pay (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(ZERO)],
    )  # fmt: skip
    award_level = models.CharField(
        _("award level"), max_length=12, choices=SpecialtyLevelAward.choices, blank=True
    )
    order_class = models.ForeignKey(
        "events.CooperationRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="claim_lines",
        verbose_name=_("order class"),
        help_text=_("Order-class employment claims: the claiming enterprise's order or named class the graduate "
                    "comes from; the line's school is the class's."),
    )  # fmt: skip
    # Compliance findings of the last check, in no language (subsidies/findings.py): [{"code", "severity":
    # "error|warning", "text": English source, "params": {…}, "message": as rendered when checked}]. Shown through
    # `findings`, rendered in the reader's language; rows from before `text` keep their `message`.
    problems = models.JSONField(_("check results"), default=list, blank=True)
    has_errors = models.BooleanField(_("has errors"), default=False)
    school_decision = models.CharField(
        _("school"), max_length=12, choices=SchoolDecision.choices, default=SchoolDecision.PENDING
    )
    school_note = models.CharField(_("school's note"), max_length=200, blank=True)
    school_decided_at = models.DateTimeField(_("school decided at"), null=True, blank=True)
    review = models.CharField(
        _("review"), max_length=12, choices=LineReview.choices, default=LineReview.PENDING
    )
    review_reason = models.CharField(_("review reason"), max_length=300, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("reviewed by"),
    )  # fmt: skip
    revision = models.PositiveIntegerField(_("revision"), default=1)

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["alliance", "claim", "position", "pk"]
        indexes = [
            models.Index(fields=["alliance", "resident_id_hash"]),
            models.Index(fields=["alliance", "claim", "review"]),
            models.Index(fields=["alliance", "school", "school_decision"]),
        ]

    def __str__(self):
        return f"{self.student_name} {self.resident_id_masked}"

    @property
    def findings(self) -> list[dict]:
        """The findings of the last check as they are shown now: {code, severity, message}, each message in the
        active language (the reader's), whatever language the check ran in."""
        from .findings import displayed

        return displayed(self.problems)


class ClaimDocument(TenantDocument):
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="documents", verbose_name=_("claim")
    )
    file = models.FileField(_("file"), upload_to="subsidies/claims/%Y/%m/")

    class Meta:
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")
        ordering = ["alliance", "claim", "pk"]


class ClaimTransition(TenantModel):
    """The claim's history: every status change with who, when and why (the audit log has it too)."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("claim")
    )
    from_status = models.CharField(_("from"), max_length=24, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=ClaimStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )  # fmt: skip
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim transition")
        verbose_name_plural = _("claim transitions")
        ordering = ["alliance", "claim", "at", "pk"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINALISED = "finalised", _("Finalised")
    BUREAU_APPROVED = "bureau_approved", _("Approved by the bureau")
    PAID = "paid", _("Paid")


class CalculationRun(TenantModel):
    """The amounts of one program and period. A draft is replaced by re-running; from finalised on it is frozen."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="runs", verbose_name=_("program")
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="runs", verbose_name=_("period")
    )
    program_version = models.ForeignKey(
        ProgramVersion, on_delete=models.PROTECT, related_name="runs", verbose_name=_("program version")
    )
    status = models.CharField(_("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.DRAFT)
    token = models.UUIDField(_("calculation token"), default=uuid.uuid4, editable=False)
    job = models.ForeignKey(
        "alliances.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job"),
    )
    lines_considered = models.PositiveIntegerField(_("approved lines"), default=0)
    lines_paid = models.PositiveIntegerField(_("lines with an amount"), default=0)
    enterprises = models.PositiveIntegerField(_("enterprises"), default=0)
    gross_total = models.DecimalField(
        _("before caps and budget"), max_digits=16, decimal_places=2, default=ZERO
    )
    capped_total = models.DecimalField(_("after caps"), max_digits=16, decimal_places=2, default=ZERO)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=ZERO)
    budget = models.DecimalField(_("budget"), max_digits=16, decimal_places=2, null=True, blank=True)
    budget_factor = models.DecimalField(
        _("budget factor"), max_digits=9, decimal_places=8, default=Decimal("1"),
        help_text=_("1 when the budget covers everything; below 1 when amounts were reduced pro rata."),
    )  # fmt: skip
    calculated_at = models.DateTimeField(_("calculated at"), null=True, blank=True)
    calculated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("calculated by"),
    )  # fmt: skip
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("finalised by"),
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )  # fmt: skip
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calculation run")
        verbose_name_plural = _("calculation runs")
        ordering = ["alliance", "-created_at", "-pk"]
        constraints = [
            # At most one draft per program and period: re-running replaces it.
            models.UniqueConstraint(
                fields=["alliance", "program", "period"], condition=Q(status="draft"), name="run_one_draft"
            ),
        ]

    def __str__(self):
        return f"{self.program} · {self.period}"


def alliance_without_own_index():
    """The tenant foreign key of `TenantModel` without its single-column index, for the tables a calculation run
    writes in bulk: their unique constraint leads with `alliance` and serves every lookup by alliance, and each
    index less is one write less per row (200,000 run lines in a large run)."""
    return models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("alliance"),
        editable=False,
        db_index=False,
    )


class RunLine(TenantModel):
    """A claim line's amount in a run, with the rule that decided it (shown on the line).

    Indexes: the unique `(alliance, run, claim_line)` serves the lookups of a run's lines (pages, API, the
    disbursement list, replacing a draft); `claim_line` the PROTECT check when a claim line is removed,
    `enterprise` the one when a member unit is deleted, `run` the cascade when a run is deleted.
    """

    alliance = alliance_without_own_index()
    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="lines", verbose_name=_("run")
    )
    claim_line = models.ForeignKey(
        ClaimLine, on_delete=models.PROTECT, related_name="run_lines", verbose_name=_("claim line")
    )
    # The enterprise of the line's claim, copied for ordering and grouping without a join. No foreign-key
    # constraint in the database: it would be checked for every line at COMMIT (about 0.7 s per 200,000 lines)
    # and adds nothing, since the claim line is checked and its claim's enterprise is a checked, protected key.
    # PROTECT still applies in Django, served by the column's index.
    enterprise = models.ForeignKey(
        "members.MemberUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("enterprise"),
        db_constraint=False,
    )  # fmt: skip
    rule = models.CharField(_("rule"), max_length=40)
    explanation = models.CharField(_("explanation"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=4, default=Decimal("1"))
    base_amount = models.DecimalField(_("amount by the rate"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("run line")
        verbose_name_plural = _("run lines")
        ordering = ["alliance", "run", "enterprise", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "run", "claim_line"], name="run_line_once_per_run")
        ]

    def __str__(self):
        return f"{self.claim_line_id}: {self.amount}"


class Disbursement(TenantModel):
    """What one enterprise receives from a run (after caps and budget), with the account to pay it into."""

    alliance = alliance_without_own_index()  # the unique (alliance, run, enterprise) leads with it
    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="disbursements", verbose_name=_("run")
    )
    enterprise = models.ForeignKey(
        "members.MemberUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("enterprise")
    )
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="+", verbose_name=_("claim"))
    lines = models.PositiveIntegerField(_("lines"))
    gross_amount = models.DecimalField(_("by the rate"), max_digits=14, decimal_places=2)
    capped_amount = models.DecimalField(_("after the cap"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    explanation = models.CharField(_("explanation"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["alliance", "run", "enterprise"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "run", "enterprise"], name="disbursement_once_per_run"
            )
        ]

    def __str__(self):
        return f"{self.enterprise_id}: {self.amount}"


class DisbursementShare(TenantModel):
    """A payer's part of one disbursement; the parts add up to the disbursement to the fen."""

    alliance = alliance_without_own_index()  # the unique (alliance, disbursement, payer) leads with it
    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.CASCADE, related_name="shares", verbose_name=_("disbursement")
    )
    run = models.ForeignKey(CalculationRun, on_delete=models.CASCADE, related_name="+", verbose_name=_("run"))
    payer = models.CharField(_("payer"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    percent = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("disbursement share")
        verbose_name_plural = _("disbursement shares")
        ordering = ["alliance", "disbursement", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "disbursement", "payer"], name="disbursement_share_once_per_payer"
            )
        ]

    def __str__(self):
        return f"{self.payer}: {self.amount}"

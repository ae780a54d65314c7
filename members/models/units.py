"""Member units of an alliance, their contacts, specialties and committees."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alliances.models import division_code_validator, mobile_validator
from alliances.tenancy import TenantModel

from ..identifiers import validate_credit_code


class MemberKind(models.TextChoices):
    TECHNICAL_SCHOOL = "technical_school", _("Technical school")  # 技工院校
    SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational school")  # 中职学校
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational college")  # 高职院校
    UNDERGRADUATE = "undergraduate", _("Undergraduate university")  # 本科院校
    ENTERPRISE = "enterprise", _("Enterprise")  # 企业
    ASSOCIATION = "association", _("Industry association")  # 行业协会
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")  # 科研院所
    TRAINING_INSTITUTION = "training_institution", _("Vocational training institution")  # 职业培训机构
    GOVERNMENT = "government", _("Government body or public institution")  # 政府部门/事业单位
    OTHER = "other", _("Other")  # 其他

    @classmethod
    def school_kinds(cls) -> frozenset[str]:
        return frozenset(
            {cls.TECHNICAL_SCHOOL, cls.SECONDARY_VOCATIONAL, cls.HIGHER_VOCATIONAL, cls.UNDERGRADUATE}
        )


class MemberStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    UNDER_REVIEW = "under_review", _("Under review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Withdrawal requested")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUSPENDED = "suspended", _("Suspended")
    EXPELLED = "expelled", _("Expelled")


# Units that are members now (counted in the composition, may act, are notified).
CURRENT_MEMBER_STATUSES = (MemberStatus.ADMITTED, MemberStatus.WITHDRAWAL_REQUESTED, MemberStatus.SUSPENDED)
# Applications still open.
OPEN_APPLICATION_STATUSES = (MemberStatus.APPLIED, MemberStatus.UNDER_REVIEW, MemberStatus.INFO_REQUESTED)


class Ownership(models.TextChoices):
    STATE_OWNED = "state_owned", _("State-owned")  # 国有
    COLLECTIVE = "collective", _("Collective")  # 集体
    PRIVATE = "private", _("Private")  # 民营
    FOREIGN = "foreign", _("Foreign-invested")  # 外商投资
    HK_MACAO_TAIWAN = "hk_macao_taiwan", _("Hong Kong, Macao or Taiwan invested")  # 港澳台投资
    MIXED = "mixed", _("Mixed ownership")  # 混合所有制
    OTHER = "other", _("Other")


class SchoolLevel(models.TextChoices):
    TECHNICIAN_COLLEGE = "technician_college", _("Technician college")  # 技师学院
    SENIOR_TECHNICAL = "senior_technical", _("Senior technical school")  # 高级技工学校
    TECHNICAL = "technical", _("Technical school")  # 技工学校
    SECONDARY = "secondary", _("Secondary vocational school")  # 中等职业学校
    HIGHER_VOCATIONAL = "higher_vocational", _("Higher vocational college")  # 高职专科
    VOCATIONAL_UNDERGRADUATE = "vocational_undergraduate", _("Vocational undergraduate university")  # 职业本科
    UNDERGRADUATE = "undergraduate", _("Undergraduate university")  # 普通本科


class CouncilRole(models.TextChoices):
    CHAIR = "chair", _("Chair unit")  # 理事长单位
    VICE_CHAIR = "vice_chair", _("Vice-chair unit")  # 副理事长单位
    STANDING = "standing", _("Standing council unit")  # 常务理事单位
    COUNCIL = "council", _("Council unit")  # 理事单位
    MEMBER = "member", _("Member unit")  # 成员单位


class MemberUnit(TenantModel):
    kind = models.CharField(_("type"), max_length=32, choices=MemberKind.choices)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    status = models.CharField(
        _("status"), max_length=24, choices=MemberStatus.choices, default=MemberStatus.APPLIED
    )
    council_role = models.CharField(
        _("council role"), max_length=16, choices=CouncilRole.choices, default=CouncilRole.MEMBER
    )
    member_number = models.CharField(_("member number"), max_length=20, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    division_code = models.CharField(
        _("division code"), max_length=6, blank=True, validators=[division_code_validator]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Enterprises
    industry_division = models.ForeignKey(
        "members.IndustryDivision", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("industry (GB/T 4754 division)"),
    )  # fmt: skip
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    above_designated_size = models.BooleanField(_("above designated size (规模以上)"), default=False)
    ownership = models.CharField(_("ownership"), max_length=20, choices=Ownership.choices, blank=True)
    # Schools
    school_level = models.CharField(_("school level"), max_length=30, choices=SchoolLevel.choices, blank=True)
    enrolment = models.PositiveIntegerField(_("students enrolled"), null=True, blank=True)
    teacher_count = models.PositiveIntegerField(_("teachers"), null=True, blank=True)
    specialties = models.ManyToManyField(
        "members.Specialty", through="MemberSpecialty", related_name="+", blank=True,
        verbose_name=_("specialties offered"),
    )  # fmt: skip
    # Lifecycle dates (the full history is in MembershipEvent)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member unit")
        verbose_name_plural = _("member units")
        ordering = ["alliance", "kind", "name"]
        indexes = [
            models.Index(fields=["alliance", "kind", "status"]),
            models.Index(fields=["alliance", "name"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "credit_code"], name="member_unique_credit_code_per_alliance"
            ),
            models.UniqueConstraint(fields=["alliance", "name"], name="member_unique_name_per_alliance"),
            models.UniqueConstraint(
                fields=["alliance", "member_number"], condition=~Q(member_number=""),
                name="member_unique_number_per_alliance",
            ),
        ]  # fmt: skip

    def __str__(self):
        return self.name

    @property
    def is_school(self) -> bool:
        return self.kind in MemberKind.school_kinds()

    @property
    def is_enterprise(self) -> bool:
        return self.kind == MemberKind.ENTERPRISE

    @property
    def is_current_member(self) -> bool:
        return self.status in CURRENT_MEMBER_STATUSES

    @property
    def sits_on_council(self) -> bool:
        return self.council_role != CouncilRole.MEMBER

    @property
    def sits_on_standing_council(self) -> bool:
        return self.council_role in STANDING_COUNCIL_ROLES


# Units with these council roles hold a seat on the council, and these on the standing council.
COUNCIL_ROLES = ("chair", "vice_chair", "standing", "council")
STANDING_COUNCIL_ROLES = ("chair", "vice_chair", "standing")


class Contact(TenantModel):
    member_unit = models.ForeignKey(
        MemberUnit, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("member unit")
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[mobile_validator])
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["member_unit", "-is_primary", "name"]
        indexes = [models.Index(fields=["alliance", "member_unit"])]

    def __str__(self):
        return self.name


class MemberSpecialty(TenantModel):
    """A specialty (专业) a school offers."""

    member_unit = models.ForeignKey(MemberUnit, on_delete=models.CASCADE, verbose_name=_("member unit"))
    specialty = models.ForeignKey("members.Specialty", on_delete=models.PROTECT, verbose_name=_("specialty"))

    class Meta:
        verbose_name = _("specialty offered")
        verbose_name_plural = _("specialties offered")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "member_unit", "specialty"], name="member_specialty_unique"
            )
        ]


class Committee(TenantModel):
    """专业委员会 / 产学合作委员会: a committee per industry or specialty, chaired by a member unit."""

    name = models.CharField(_("name"), max_length=120)
    chair_unit = models.ForeignKey(
        MemberUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chaired_committees",
        verbose_name=_("chair unit"),
    )
    members = models.ManyToManyField(
        MemberUnit, through="CommitteeMembership", related_name="committees", verbose_name=_("members")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["alliance", "name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="committee_unique_name_per_alliance")
        ]

    def __str__(self):
        return self.name


class CommitteeMembership(TenantModel):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, verbose_name=_("committee"))
    member_unit = models.ForeignKey(MemberUnit, on_delete=models.CASCADE, verbose_name=_("member unit"))
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee membership")
        verbose_name_plural = _("committee memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "committee", "member_unit"], name="committee_membership_unique"
            )
        ]

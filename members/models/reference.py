"""Reference data shared by every alliance: division codes (GB/T 2260), industries (GB/T 4754-2017) and the
vocational education specialty catalogue (职业教育专业目录 2021). Loaded from versioned files in
`members/reference_data/` by migration or by `manage.py load_reference_data`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


class Division(models.Model):
    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=12, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    full_name = models.CharField(_("full name"), max_length=120)
    is_current = models.BooleanField(
        _("current"), default=True, help_text=_("Withdrawn codes stay valid in old identifiers.")
    )

    class Meta:
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.full_name}"


class IndustrySection(models.Model):
    code = models.CharField(_("code"), max_length=1, primary_key=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("industry section")
        verbose_name_plural = _("industry sections")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class IndustryDivision(models.Model):
    code = models.CharField(_("code"), max_length=2, primary_key=True)
    section = models.ForeignKey(
        IndustrySection, on_delete=models.CASCADE, related_name="divisions", verbose_name=_("section")
    )
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("industry division")
        verbose_name_plural = _("industry divisions")
        ordering = ["code"]

    def __str__(self):
        return f"{self.section_id}{self.code} {self.name}"


class SpecialtyLevel(models.TextChoices):
    SECONDARY = "secondary", _("Secondary vocational")  # 中职
    HIGHER = "higher", _("Higher vocational")  # 高职专科
    UNDERGRADUATE = "undergraduate", _("Vocational undergraduate")  # 职业本科


class SpecialtyCategory(models.Model):
    """专业大类: 19 of them; `number` 1–19 is shared by the three levels (高职专科 codes 41–59)."""

    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("specialty category")
        verbose_name_plural = _("specialty categories")
        ordering = ["number"]

    def __str__(self):
        return self.name


class SpecialtyClass(models.Model):
    """专业类, e.g. 4601 机械设计制造类 (高职专科)."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    category = models.ForeignKey(
        SpecialtyCategory, on_delete=models.CASCADE, related_name="classes", verbose_name=_("category")
    )
    level = models.CharField(_("level"), max_length=16, choices=SpecialtyLevel.choices)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("specialty class")
        verbose_name_plural = _("specialty classes")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Specialty(models.Model):
    """专业, e.g. 460103 数控技术."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    specialty_class = models.ForeignKey(
        SpecialtyClass, on_delete=models.CASCADE, related_name="specialties", verbose_name=_("class")
    )
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ReferenceDataVersion(models.Model):
    """Which version of each reference file is loaded."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    version = models.CharField(_("version"), max_length=40)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)
    rows = models.PositiveIntegerField(_("rows"))

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")

    def __str__(self):
        return f"{self.name} {self.version}"

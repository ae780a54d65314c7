"""Reference data, read-only, under /api/v1/reference/: division codes (GB/T 2260), industries (GB/T 4754-2017)
and the vocational specialty catalogue (2021). Global tables shared by every alliance: any signed-in caller may
read them. Included from config/urls.py."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from ..models import (
    Division,
    DivisionLevel,
    IndustryDivision,
    IndustrySection,
    Specialty,
    SpecialtyCategory,
    SpecialtyClass,
    SpecialtyLevel,
)

# --- Serializers ---------------------------------------------------------------------------------------


class DivisionSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Division
        fields = ["code", "name", "full_name", "level", "level_display", "parent", "is_current"]
        read_only_fields = fields


class IndustryDivisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryDivision
        fields = ["code", "name", "section"]
        read_only_fields = fields


class IndustrySectionSerializer(serializers.ModelSerializer):
    divisions = IndustryDivisionSerializer(many=True, read_only=True)

    class Meta:
        model = IndustrySection
        fields = ["code", "name", "divisions"]
        read_only_fields = fields


class SpecialtyCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialtyCategory
        fields = ["number", "name"]
        read_only_fields = fields


class SpecialtyClassSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = SpecialtyClass
        fields = ["code", "name", "category", "level", "level_display"]
        read_only_fields = fields


class SpecialtySerializer(serializers.ModelSerializer):
    category = serializers.IntegerField(source="specialty_class.category_id", read_only=True)
    level = serializers.CharField(source="specialty_class.level", read_only=True)

    class Meta:
        model = Specialty
        fields = ["code", "name", "specialty_class", "category", "level"]
        read_only_fields = fields


# --- Filters -------------------------------------------------------------------------------------------


def _search(*fields):
    def search(queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)

    return search


class DivisionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search (code or name)"), method=_search("code", "name", "full_name")
    )
    parent = django_filters.CharFilter(label=_("Parent division code"), field_name="parent_id")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=DivisionLevel.choices)
    is_current = django_filters.BooleanFilter(label=_("Current codes only"))

    class Meta:
        model = Division
        fields = ["q", "parent", "level", "is_current"]


class IndustryDivisionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search (code or name)"), method=_search("code", "name"))
    section = django_filters.CharFilter(label=_("Section letter"), field_name="section_id")

    class Meta:
        model = IndustryDivision
        fields = ["q", "section"]


class SpecialtyClassFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search (code or name)"), method=_search("code", "name"))
    category = django_filters.NumberFilter(label=_("Category number"), field_name="category_id")
    level = django_filters.ChoiceFilter(label=_("Level"), choices=SpecialtyLevel.choices)

    class Meta:
        model = SpecialtyClass
        fields = ["q", "category", "level"]


class SpecialtyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search (code or name)"), method=_search("code", "name"))
    specialty_class = django_filters.CharFilter(label=_("Class code"), field_name="specialty_class_id")
    category = django_filters.NumberFilter(
        label=_("Category number"), field_name="specialty_class__category_id"
    )
    level = django_filters.ChoiceFilter(
        label=_("Level"), field_name="specialty_class__level", choices=SpecialtyLevel.choices
    )

    class Meta:
        model = Specialty
        fields = ["q", "specialty_class", "category", "level"]


# `?class=4601` as well: a Python keyword, so added after the class statement.
SpecialtyFilter.base_filters["class"] = django_filters.CharFilter(
    label=_("Class code"), field_name="specialty_class_id"
)


# --- Views ---------------------------------------------------------------------------------------------


class ReferenceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]


class DivisionViewSet(ReferenceViewSet):
    """Administrative divisions (GB/T 2260): provinces, prefectures, counties."""

    serializer_class = DivisionSerializer
    filterset_class = DivisionFilter
    queryset = Division.objects.order_by("code")
    ordering_fields = ["code"]


class IndustrySectionViewSet(ReferenceViewSet):
    """Industry sections A–T (GB/T 4754-2017), each with its divisions."""

    serializer_class = IndustrySectionSerializer
    queryset = IndustrySection.objects.prefetch_related("divisions").order_by("code")
    pagination_class = None
    filter_backends = []


class IndustryDivisionViewSet(ReferenceViewSet):
    """Industry divisions (大类, 2 digits) of GB/T 4754-2017."""

    serializer_class = IndustryDivisionSerializer
    filterset_class = IndustryDivisionFilter
    queryset = IndustryDivision.objects.order_by("code")
    ordering_fields = ["code"]


class SpecialtyCategoryViewSet(ReferenceViewSet):
    """The 19 specialty categories (专业大类) of the 2021 catalogue."""

    serializer_class = SpecialtyCategorySerializer
    queryset = SpecialtyCategory.objects.order_by("number")
    pagination_class = None
    filter_backends = []


class SpecialtyClassViewSet(ReferenceViewSet):
    """Specialty classes (专业类) of the 2021 catalogue."""

    serializer_class = SpecialtyClassSerializer
    filterset_class = SpecialtyClassFilter
    queryset = SpecialtyClass.objects.order_by("code")
    ordering_fields = ["code"]


class SpecialtyViewSet(ReferenceViewSet):
    """Specialties (专业) of the 2021 catalogue; filter by `q`, `class`, `category` or `level`."""

    serializer_class = SpecialtySerializer
    filterset_class = SpecialtyFilter
    queryset = Specialty.objects.select_related("specialty_class").order_by("code")
    ordering_fields = ["code"]


router = SimpleRouter()
router.register("divisions", DivisionViewSet, basename="reference-division")
router.register("industry-sections", IndustrySectionViewSet, basename="reference-industry-section")
router.register("industry-divisions", IndustryDivisionViewSet, basename="reference-industry-division")
router.register("specialty-categories", SpecialtyCategoryViewSet, basename="reference-specialty-category")
router.register("specialty-classes", SpecialtyClassViewSet, basename="reference-specialty-class")
router.register("specialties", SpecialtyViewSet, basename="reference-specialty")
urlpatterns = router.urls

"""FilterSets shared by the report pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import AnnualReport


class AnnualReportFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = AnnualReport
        fields = ["year"]

"""The bureau portal's pages, at /bureau/ (not under an alliance: a bureau official oversees several)."""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("", portal_views.BureauPortalView.as_view(), name="bureau-portal"),
]

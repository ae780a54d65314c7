"""The project's routes plus one public page under /a/<alliance_slug>/, for tests of public_alliance_view."""

from django.http import HttpResponse
from django.urls import include, path

from alliances.middleware import public_alliance_view
from members.models import MemberUnit


@public_alliance_view
def public_count(request, alliance_slug):
    return HttpResponse(str(MemberUnit.objects.count()))


urlpatterns = [
    path("a/<slug:alliance_slug>/public-count/", public_count, name="public-count"),
    path("", include("config.urls")),
]

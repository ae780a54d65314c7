"""Foreign-key choices in forms and serializers are limited to the active scope."""

import pytest
from django.urls import reverse

from alliances.models import Grant
from alliances.permissions import Role
from alliances.tenancy import scope
from members.api.serializers import CommitteeSerializer

from .factories import make_unit, make_user

pytestmark = pytest.mark.django_db


def test_grant_form_refuses_a_unit_of_another_alliance(alliance, other_alliance, admin_user, client):
    foreign_unit = make_unit(other_alliance, name="南通某企业")
    own_unit = make_unit(alliance, name="淄博某企业")
    make_user("rep-to-be")
    client.force_login(admin_user)
    url = reverse("grant-list", kwargs={"alliance_slug": alliance.slug})
    page = client.get(url).content.decode()
    assert "淄博某企业" in page and "南通某企业" not in page
    data = {"username": "rep-to-be", "role": Role.MEMBER_REPRESENTATIVE, "member_unit": foreign_unit.pk}
    response = client.post(url, data)
    assert response.status_code == 400 and not Grant.objects.filter(user__username="rep-to-be").exists()
    response = client.post(url, {**data, "member_unit": own_unit.pk})
    assert response.status_code == 302
    assert Grant.objects.get(user__username="rep-to-be").member_unit == own_unit


def test_grant_form_explains_missing_unit(alliance, admin_user, client):
    make_user("rep-without-unit")
    client.force_login(admin_user)
    url = reverse("grant-list", kwargs={"alliance_slug": alliance.slug})
    response = client.post(url, {"username": "rep-without-unit", "role": Role.MEMBER_REPRESENTATIVE})
    assert (
        response.status_code == 400 and not Grant.objects.filter(user__username="rep-without-unit").exists()
    )
    assert response.context["form"].errors["member_unit"]


def test_serializer_refuses_a_unit_of_another_alliance(alliance, other_alliance):
    foreign_unit = make_unit(other_alliance)
    own_unit = make_unit(alliance)
    with scope(alliance.pk):
        assert not CommitteeSerializer(data={"name": "委员会", "chair_unit": foreign_unit.pk}).is_valid()
        assert CommitteeSerializer(data={"name": "委员会", "chair_unit": own_unit.pk}).is_valid()

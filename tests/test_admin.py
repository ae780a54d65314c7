"""Django admin for platform operators: every registered model's pages open, grants are audited."""

import pytest
from django.contrib import admin
from django.urls import reverse

from alliances.models import AuditEntry, Grant

from .factories import login_with_second_factor, make_alliance, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    login_with_second_factor(client, make_user("operator-1", platform_role="operator", is_staff=True))
    return client


def test_every_admin_page_opens(operator_client):
    alliance = make_alliance()
    make_unit(alliance)
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert operator_client.get(changelist).status_code == 200, changelist
        if model_admin.has_add_permission(_request()):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert operator_client.get(add).status_code == 200, add
        first = model._default_manager.first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert operator_client.get(change).status_code == 200, change


def _request():
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = make_user(platform_role="operator", is_staff=True)
    return request


def test_operator_grants_the_first_admin_of_a_new_alliance(operator_client):
    alliance = make_alliance(slug="new-one")
    user = make_user("first-admin")
    response = operator_client.post(
        reverse("admin:alliances_grant_add"),
        {"alliance_choice": alliance.pk, "user": user.pk, "role": "secretariat_admin", "member_unit": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = Grant.objects.get(user=user)
    assert grant.alliance == alliance and grant.granted_by.username == "operator-1"
    assert AuditEntry.objects.filter(
        action="grant.created", object_id=str(grant.pk), alliance=alliance
    ).exists()


def test_admin_refuses_a_unit_of_another_alliance(operator_client):
    alliance, other = make_alliance(), make_alliance()
    unit = make_unit(other)
    user = make_user()
    response = operator_client.post(
        reverse("admin:alliances_grant_add"),
        {
            "alliance_choice": alliance.pk,
            "user": user.pk,
            "role": "member_representative",
            "member_unit": unit.pk,
        },
    )
    assert response.status_code == 200 and not Grant.objects.filter(user=user).exists()

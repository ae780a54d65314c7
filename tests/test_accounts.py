"""Secretariat administrators create accounts for their people; one-time passwords must be changed first."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from alliances.models import AuditEntry, Grant, User
from alliances.permissions import Role

from .factories import make_member

pytestmark = pytest.mark.django_db


def grant_new_account(client, alliance, **extra):
    data = {"username": "li-xiaoming", "role": Role.SECRETARIAT_STAFF, "name": "李晓明", "mobile": "13912345678",
            "email": "lxm@example.cn", **extra}  # fmt: skip
    return client.post(reverse("grant-list", kwargs={"alliance_slug": alliance.slug}), data, follow=True)


def test_admin_creates_an_account_with_a_one_time_password(alliance, admin_user, client):
    client.force_login(admin_user)
    response = grant_new_account(client, alliance)
    body = response.content.decode()
    password = re.search(r"(Cj-[A-Za-z0-9_-]+)", body).group(1)
    user = User.objects.get(username="li-xiaoming")
    assert user.name == "李晓明" and user.must_change_password and user.check_password(password)
    assert Grant.objects.filter(user=user, alliance=alliance, role=Role.SECRETARIAT_STAFF).exists()
    created = AuditEntry.objects.get(action="account.created")
    assert created.actor == admin_user and created.alliance == alliance

    person = Client()
    person.post(reverse("login"), {"username": "li-xiaoming", "password": password})
    dashboard = reverse("dashboard", kwargs={"alliance_slug": alliance.slug})
    response = person.get(dashboard)
    assert response.status_code == 302 and response.url.startswith(reverse("password_change"))
    assert person.get(reverse("api:me")).json()["error"]["code"] == "password_change_required"
    changed = person.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "Wode#mima2026", "new_password2": "Wode#mima2026"},
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert person.get(dashboard).status_code == 200
    assert AuditEntry.objects.filter(action="account.password_changed", actor=user).exists()


def test_a_new_account_needs_a_name_and_nothing_is_half_made(alliance, admin_user, client):
    client.force_login(admin_user)
    response = grant_new_account(client, alliance, name="")
    assert response.status_code == 400 and not User.objects.filter(username="li-xiaoming").exists()
    # A representative without a unit: the grant fails, so the account is not created either.
    response = grant_new_account(client, alliance, role=Role.MEMBER_REPRESENTATIVE)
    assert response.status_code == 400 and not User.objects.filter(username="li-xiaoming").exists()


def test_bad_mobile_and_account_names_are_refused(alliance, admin_user, client):
    client.force_login(admin_user)
    assert grant_new_account(client, alliance, mobile="12345").status_code == 400
    assert grant_new_account(client, alliance, username="名字 有空格").status_code == 400
    assert (
        not User.objects.exclude(pk=admin_user.pk)
        .exclude(grants__alliance=alliance)
        .filter(name="李晓明")
        .exists()
    )


def test_existing_accounts_are_granted_without_a_new_password(alliance, admin_user, client):
    existing = make_member(alliance, Role.AUDITOR, "existing")
    client.force_login(admin_user)
    response = grant_new_account(client, alliance, username="existing", name="")
    assert response.status_code == 200 and "Cj-" not in response.content.decode()
    assert Grant.objects.filter(user=existing, role=Role.SECRETARIAT_STAFF).exists()

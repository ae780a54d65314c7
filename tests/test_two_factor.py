"""Two-factor login (TOTP) for platform administrators: enrol on first login, a code on every login."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alliances.models import AuditEntry
from alliances.permissions import Role

from .factories import PASSWORD, login_with_second_factor, make_alliance, make_member, make_user

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def log_in(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def test_first_login_enrols_an_authenticator_before_anything_else(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no pause after the deliberate wrong code
    operator = make_user("ops", platform_role="operator", is_staff=True)
    client = Client()
    log_in(client, "ops")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor"))
    page = client.get(response.url)
    body = page.content.decode()
    assert 'src="data:image/svg+xml' in body and page.context["enrolling"]
    device = TOTPDevice.objects.get(user=operator, confirmed=False)
    wrong = client.post(response.url, {"token": "000000" if current_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.filter(user=operator, confirmed=True).exists()
    done = client.post(response.url, {"token": current_code(device)})
    assert done.status_code == 302 and done.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.two_factor_enrolled", actor=operator).exists()
    assert AuditEntry.objects.filter(action="auth.two_factor_failed", actor=operator).exists()


def test_every_later_login_asks_for_a_code(client):
    auditor = make_user("audit-admin", platform_role="audit_admin")
    device = login_with_second_factor(client, auditor)
    client.logout()
    log_in(client, "audit-admin")
    assert client.get(reverse("platform-audit")).status_code == 302
    page = client.get(reverse("two-factor"))
    assert not page.context.get("enrolling")
    assert client.post(reverse("two-factor"), {"token": current_code(device)}).status_code == 302
    assert client.get(reverse("platform-audit")).status_code == 200


def test_api_answers_403_until_the_second_factor(client):
    make_user("sec", platform_role="security_admin")
    log_in(client, "sec")
    response = client.get(reverse("api:me"))
    assert response.status_code == 403 and response.json()["error"]["code"] == "two_factor_required"


def test_alliance_users_are_not_asked(client):
    alliance = make_alliance()
    make_member(alliance, Role.SECRETARIAT_ADMIN, "zb-admin-2")
    log_in(client, "zb-admin-2")
    assert client.get(reverse("dashboard", kwargs={"alliance_slug": alliance.slug})).status_code == 200


def test_security_admin_resets_a_lost_authenticator(client):
    operator = make_user("ops2", platform_role="operator", is_staff=True)
    TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    login_with_second_factor(client, make_user("sec2", platform_role="security_admin"))
    response = client.post(reverse("platform-second-factor-reset", kwargs={"user_id": operator.pk}))
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=operator).exists()
    assert AuditEntry.objects.filter(action="account.two_factor_reset", object_id=str(operator.pk)).exists()


def test_next_must_stay_on_this_site(client):
    operator = make_user("ops3", platform_role="operator", is_staff=True)
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    log_in(client, "ops3")
    response = client.post(
        f"{reverse('two-factor')}?next=https://evil.example/", {"token": current_code(device)}
    )
    assert response.status_code == 302 and response.url == reverse("home")


def test_wrong_codes_slow_down_further_tries(client):
    operator = make_user("ops4", platform_role="operator", is_staff=True)
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    log_in(client, "ops4")
    wrong = "000000" if current_code(device) != "000000" else "111111"
    client.post(reverse("two-factor"), {"token": wrong})
    # Right away, even the right code is refused: each failure doubles the wait.
    assert client.post(reverse("two-factor"), {"token": current_code(device)}).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1

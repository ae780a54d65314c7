"""Security baseline (等保2.0 level 3): passwords, lockout, idle timeout, headers, CSRF, deploy checks."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alliances.models import AuditEntry, User
from alliances.permissions import Role

from .factories import PASSWORD, login_with_second_factor, make_alliance, make_member, make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Ab1!", False),  # too short
        ("abcdefgh12", False),  # 2 classes
        ("ABCDEFGH!!", False),  # 2 classes
        ("Qiche#2026", True),  # 4 classes
        ("qiche#2026", True),  # 3 classes
        ("Zhang-san-2026", False),  # contains the account name
        ("Password123", False),  # common
    ],
)
def test_password_rules(password, ok):
    user = User(username="zhang-san", name="张三")
    if ok:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


def test_argon2_is_the_configured_hasher():
    import config.settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def login(client, username, password=PASSWORD, address="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_lockout_by_account_after_five_failures():
    make_user("li-si")
    client = Client()
    for attempt in range(5):
        response = login(client, "li-si", "wrong-Password1", address=f"10.0.0.{attempt + 1}")
        assert response.status_code in (200, 429)
    # The right password no longer works, from yet another address.
    response = login(client, "li-si", address="10.0.0.99")
    assert response.status_code == 429
    assert b"15" in response.content
    assert AuditEntry.objects.filter(action="auth.login_failed").count() >= 5
    assert AuditEntry.objects.filter(action="auth.locked_out").exists()


def test_lockout_by_address_after_five_failures():
    make_user("wang-wu")
    client = Client()
    for number in range(5):
        login(client, f"nobody-{number}", "wrong-Password1", address="10.9.9.9")
    assert login(client, "wang-wu", address="10.9.9.9").status_code == 429
    assert login(client, "wang-wu", address="10.9.9.10").status_code == 302


def test_lockout_ends_after_fifteen_minutes():
    make_user("zhao-liu")
    client = Client()
    for _ in range(5):
        login(client, "zhao-liu", "wrong-Password1")
    assert login(client, "zhao-liu").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert login(client, "zhao-liu").status_code == 302


def test_failed_and_successful_logins_are_audited_with_address():
    user = make_user("sun-qi")
    client = Client()
    login(client, "sun-qi", "wrong-Password1", address="10.2.2.2")
    login(client, "sun-qi", address="10.2.2.2")
    failed = AuditEntry.objects.get(action="auth.login_failed")
    assert (
        failed.outcome == "failure" and failed.address == "10.2.2.2" and failed.detail["username"] == "sun-qi"
    )
    ok = AuditEntry.objects.get(action="auth.login")
    assert ok.actor == user and ok.address == "10.2.2.2"
    client.post(reverse("logout"), REMOTE_ADDR="10.2.2.2")
    assert AuditEntry.objects.filter(action="auth.logout", actor=user).exists()


def test_idle_session_expires_after_thirty_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    alliance = make_alliance()
    user = make_member(alliance, Role.SECRETARIAT_STAFF)
    client = Client()
    assert login(client, user.username).status_code == 302
    dashboard = reverse("dashboard", kwargs={"alliance_slug": alliance.slug})
    assert client.get(dashboard).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(dashboard)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_every_request_moves_the_session_expiry_on(settings):
    alliance = make_alliance()
    user = make_member(alliance, Role.SECRETARIAT_STAFF)
    client = Client()
    login(client, user.username)
    dashboard = reverse("dashboard", kwargs={"alliance_slug": alliance.slug})
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))  # 29 idle minutes later
    assert client.get(dashboard).status_code == 200
    left = Session.objects.get().expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_a_request_that_changed_nothing_does_not_write_its_stale_session_back(settings):
    """Two requests of one user overlap (an htmx poll while a form is posted): the poll loaded the session
    before the form's request saved a flash message in it, and must not write its old copy back."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse
    from django.test import RequestFactory

    from alliances.middleware import IdleTimeoutSessionMiddleware

    alliance = make_alliance()
    user = make_member(alliance, Role.SECRETARIAT_STAFF)
    client = Client()
    login(client, user.username)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    poll = RequestFactory().get("/a/poll/")
    poll.COOKIES[settings.SESSION_COOKIE_NAME] = key
    middleware = IdleTimeoutSessionMiddleware(lambda request: HttpResponse("polled"))
    middleware.process_request(poll)
    dict(poll.session.items())  # the poll reads the session (as authentication does) …
    form = SessionStore(session_key=key)
    form["_messages"] = '[["__json_message",0,20,"Line 36 saved"]]'
    form.save()  # … the form's request saves a message meanwhile …
    middleware.process_response(poll, HttpResponse("polled"))  # … and the poll ends
    assert SessionStore(session_key=key).get("_messages") == '[["__json_message",0,20,"Line 36 saved"]]'


def test_security_headers_and_strict_csp(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts(client):
    body = client.get(reverse("login")).content.decode()
    assert "<script>" not in body and "onclick=" not in body and "style=" not in body


def test_csrf_is_enforced():
    make_user("qian-ba")
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "qian-ba", "password": PASSWORD})
    assert response.status_code == 403


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("SECURE_", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC")
        )
    }
    env.update(
        SECRET_KEY="a-long-random-production-secret-key-0123456789-ABCDEFGHIJKLMNOP",
        ALLOWED_HOSTS="chanjiao.example.cn",
        VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_serving_refuses_to_start_without_secret_key_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env["VAR_DIR"] = str(tmp_path)
    serving = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert serving.returncode != 0 and "SECRET_KEY must be set" in serving.stderr
    deploy_check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deploy_check.returncode != 0 and "chanjiao.E001" in deploy_check.stderr
    env_with_keys = {**env, "SECRET_KEY": "x" * 60}
    env_with_keys.pop("FIELD_ENCRYPTION_KEY", None)
    without_field_key = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT, env=env_with_keys, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert without_field_key.returncode != 0 and "chanjiao.E002" in without_field_key.stderr
    # Management commands that do not serve still run (migrations, translations).
    makemigrations = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert makemigrations.returncode == 0, makemigrations.stderr


def test_production_cookies_are_secure(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    env.update(SECRET_KEY="x" * 60, VAR_DIR=str(tmp_path))
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["True", "True", "True", "True"], result.stderr


def test_admin_is_for_platform_operators_only(client):
    alliance = make_alliance()
    staff = make_member(alliance, Role.SECRETARIAT_ADMIN)
    staff.is_staff = True  # even a staff flag does not open the admin without the operator duty
    staff.save()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302
    operator = make_user("op", platform_role="operator", is_staff=True)
    login_with_second_factor(client, operator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/alliances/alliance/").status_code == 200


def test_each_role_lands_on_a_page_it_may_open(client):
    alliance = make_alliance(slug="landing")
    for role in Role:
        user = make_member(alliance, role)
        client.force_login(user)
        response = client.get(reverse("home"), follow=True)
        assert response.status_code == 200, role
        assert response.redirect_chain[-1][0].startswith("/a/landing/"), role
    auditor = make_member(alliance, Role.AUDITOR, "landing-auditor")
    client.force_login(auditor)
    assert client.get(reverse("home")).url == reverse("audit-log", kwargs={"alliance_slug": "landing"})


def test_switcher_link_enters_the_chosen_alliance(client):
    first, second = make_alliance(slug="first"), make_alliance(slug="second")
    user = make_member(first, Role.SECRETARIAT_STAFF)
    from alliances.services import grant_role

    grant_role(alliance=second, user=user, role=Role.AUDITOR)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200  # two alliances, none chosen yet: the choice
    assert client.get(reverse("home"), {"alliance": "second"}).url == "/a/second/audit/"
    assert client.get(reverse("home"), {"alliance": "first"}).url == "/a/first/"
    assert client.get(reverse("home"), {"alliance": "nowhere"}).status_code == 200


def test_home_returns_to_the_alliance_last_worked_in_for_that_account_only(client):
    first, second = make_alliance(slug="first"), make_alliance(slug="second")
    user = make_member(first, Role.SECRETARIAT_STAFF)
    from alliances.services import grant_role

    grant_role(alliance=second, user=user, role=Role.SECRETARIAT_STAFF)
    client.force_login(user)
    assert client.get("/a/second/").status_code == 200
    assert client.get(reverse("home")).url == "/a/second/"
    assert client.get("/a/first/").status_code == 200
    assert client.get(reverse("home")).url == "/a/first/"
    # Another account on the same browser, with the same two alliances, does not inherit the choice.
    other = make_member(first, Role.SECRETARIAT_STAFF, "other-staff")
    grant_role(alliance=second, user=other, role=Role.SECRETARIAT_STAFF)
    client.force_login(other)
    assert client.get(reverse("home")).status_code == 200  # the choice page

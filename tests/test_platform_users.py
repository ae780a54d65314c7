"""The command that creates platform accounts (the first operator of a deployment)."""

import pytest
from django.core.management import CommandError, call_command

from alliances.models import AuditEntry, User

from .factories import login_with_second_factor

pytestmark = pytest.mark.django_db


def test_creates_an_operator_who_can_open_the_admin(monkeypatch, client):
    monkeypatch.setenv("OPS_PASSWORD", "Kaifa#2026xyz")
    call_command("create_platform_user", "ops", role="operator", name="王运维", password_env="OPS_PASSWORD")
    user = User.objects.get(username="ops")
    assert user.platform_role == "operator" and user.is_staff and user.check_password("Kaifa#2026xyz")
    assert AuditEntry.objects.filter(action="account.created", object_id=str(user.pk)).exists()
    login_with_second_factor(client, user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("password", ["short1A", "alllowercase", "ops-Password1"])
def test_refuses_weak_passwords_and_creates_nothing(monkeypatch, password):
    monkeypatch.setenv("OPS_PASSWORD", password)
    with pytest.raises(CommandError):
        call_command(
            "create_platform_user", "ops", role="security_admin", name="李安全", password_env="OPS_PASSWORD"
        )
    assert not User.objects.filter(username="ops").exists()


def test_refuses_an_existing_name(monkeypatch):
    monkeypatch.setenv("OPS_PASSWORD", "Kaifa#2026xyz")
    call_command(
        "create_platform_user", "ops", role="audit_admin", name="赵审计", password_env="OPS_PASSWORD"
    )
    with pytest.raises(CommandError):
        call_command(
            "create_platform_user", "ops", role="operator", name="赵审计", password_env="OPS_PASSWORD"
        )
    assert User.objects.get(username="ops").platform_role == "audit_admin"

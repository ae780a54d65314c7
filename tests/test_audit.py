"""The audit log: what is recorded, who may read it, and that nobody can change it."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from alliances.audit import purge_expired_entries, record_event
from alliances.models import AuditEntry
from alliances.permissions import Role

from .factories import login_with_second_factor, make_member, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(alliance):
    return record_event("test.something", make_unit(alliance))


def test_entries_cannot_be_changed_or_deleted_through_the_orm(entry):
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.something"


def test_database_refuses_updates(entry):
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET action = 'tampered' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.something"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the delete guard is a PostgreSQL trigger")
def test_database_refuses_deleting_recent_entries(entry):
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_retention_purge_keeps_180_days(alliance, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # a shorter setting is raised to the legal minimum
    old = AuditEntry.objects.create(
        action="test.old", at=timezone.now() - timedelta(days=200), alliance=alliance
    )
    kept = AuditEntry.objects.create(
        action="test.kept", at=timezone.now() - timedelta(days=170), alliance=alliance
    )
    assert purge_expired_entries() == 1
    assert (
        not AuditEntry.objects.filter(pk=old.pk).exists() and AuditEntry.objects.filter(pk=kept.pk).exists()
    )


def test_role_changes_are_audited(alliance, admin_user, client):
    target = make_user("new-staff")
    client.force_login(admin_user)
    url = reverse("grant-list", kwargs={"alliance_slug": alliance.slug})
    assert client.post(url, {"username": "new-staff", "role": Role.SECRETARIAT_STAFF}).status_code == 302
    granted = AuditEntry.objects.filter(action="grant.created").latest("id")
    assert (
        granted.actor == admin_user and granted.alliance == alliance and granted.detail["user"] == "new-staff"
    )
    grant = target.grants.get()
    client.post(reverse("grant-revoke", kwargs={"alliance_slug": alliance.slug, "grant_id": grant.pk}))
    assert AuditEntry.objects.filter(action="grant.revoked", actor=admin_user).exists()


def test_auditor_reads_the_alliance_log_and_nothing_of_others(
    alliance, other_alliance, auditor_user, client, entry
):
    record_event("test.other", make_unit(other_alliance, name="南通别家企业"))
    client.force_login(auditor_user)
    page = client.get(reverse("audit-log", kwargs={"alliance_slug": alliance.slug}))
    assert page.status_code == 200 and "test.something" in page.content.decode()
    assert "test.other" not in page.content.decode()
    api = client.get(reverse("api:auditentry-list", kwargs={"alliance_slug": alliance.slug}))
    assert "test.something" in {e["action"] for e in api.json()["results"]}
    assert "test.other" not in str(api.json())


def test_nobody_can_write_through_the_api(alliance, auditor_user, client, entry):
    client.force_login(auditor_user)
    list_url = reverse("api:auditentry-list", kwargs={"alliance_slug": alliance.slug})
    detail_url = reverse(
        "api:auditentry-detail", kwargs={"alliance_slug": alliance.slug, "auditentry_id": entry.pk}
    )
    assert client.post(list_url, {"action": "x"}, content_type="application/json").status_code == 405
    for method in ("put", "patch", "delete"):
        assert (
            getattr(client, method)(detail_url, {"action": "x"}, content_type="application/json").status_code
            == 405
        )
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.something"


@pytest.mark.parametrize(
    "role", [Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_STAFF, Role.BUREAU_OFFICIAL, Role.MEMBER_REPRESENTATIVE]
)
def test_only_auditors_read_the_alliance_log(alliance, role, client):
    client.force_login(make_member(alliance, role))
    assert client.get(reverse("audit-log", kwargs={"alliance_slug": alliance.slug})).status_code == 403
    assert (
        client.get(reverse("api:auditentry-list", kwargs={"alliance_slug": alliance.slug})).status_code == 403
    )


def test_audit_admin_reads_the_platform_log_and_others_cannot(alliance, client, entry):
    record_event("auth.login_failed", outcome="failure", detail={"username": "someone"})
    login_with_second_factor(client, make_user("audit-admin", platform_role="audit_admin"))
    body = client.get(reverse("platform-audit")).content.decode()
    assert "auth.login_failed" in body and "test.something" in body
    for duty in ("operator", "security_admin", ""):
        login_with_second_factor(client, make_user(platform_role=duty))
        assert client.get(reverse("platform-audit")).status_code == 403


def test_security_admin_unlocks_accounts_and_it_is_audited(client):
    security = make_user("sec-admin", platform_role="security_admin")
    login_with_second_factor(client, security)
    assert client.get(reverse("platform-security")).status_code == 200
    response = client.post(reverse("platform-security"), {"username": "locked-person"})
    assert response.status_code == 302
    unlocked = AuditEntry.objects.get(action="account.unlocked")
    assert unlocked.actor == security and unlocked.detail["username"] == "locked-person"
    empty = client.post(reverse("platform-security"), {})
    assert empty.status_code == 200 and AuditEntry.objects.filter(action="account.unlocked").count() == 1


def test_auditor_sees_authentication_events_of_the_alliances_accounts(alliance, other_alliance, auditor_user):
    from django.test import Client

    make_member(alliance, Role.SECRETARIAT_STAFF, "own-staff")
    make_member(other_alliance, Role.SECRETARIAT_STAFF, "foreign-staff")
    anonymous = Client()
    for username in ("own-staff", "foreign-staff", "no-such-account"):
        anonymous.post(
            reverse("login"), {"username": username, "password": "wrong-Password1"}, REMOTE_ADDR="10.4.4.4"
        )
    # Every event stays on the platform log once; the alliance's copy names its own account only.
    platform = AuditEntry.objects.filter(action="auth.login_failed", alliance__isnull=True)
    assert sorted(platform.values_list("detail__username", flat=True)) == [
        "foreign-staff",
        "no-such-account",
        "own-staff",
    ]
    client = Client()
    client.force_login(auditor_user)
    body = client.get(
        reverse("audit-log", kwargs={"alliance_slug": alliance.slug}), {"action": "auth."}
    ).content.decode()
    assert "own-staff" in body and "foreign-staff" not in body and "no-such-account" not in body

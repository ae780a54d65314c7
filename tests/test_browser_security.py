"""In Debian's Chromium: bad logins lock the account, the auditor reads it in the log, nobody can change it."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from alliances.models import AuditEntry
from alliances.permissions import Role

from .factories import PASSWORD, make_alliance, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit_login(page, live_server, username, password):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("button.primary[type=submit]").click()


def test_bad_logins_lock_and_the_auditor_reads_them(page, live_server):
    alliance = make_alliance("淄博市技工教育集团（联盟）", slug="zibo")
    make_member(alliance, Role.SECRETARIAT_STAFF, "zb-staff")
    make_member(alliance, Role.AUDITOR, "zb-auditor")

    for _ in range(4):
        submit_login(page, live_server, "zb-staff", "Wrong#pass2026")
        expect(page.locator(".form-errors")).to_contain_text("5次")
    submit_login(page, live_server, "zb-staff", "Wrong#pass2026")
    expect(page.get_by_role("heading", name=re.compile("登录失败次数过多"))).to_be_visible()
    # Even the right password is refused while locked.
    submit_login(page, live_server, "zb-staff", PASSWORD)
    expect(page.get_by_role("heading", name=re.compile("登录失败次数过多"))).to_be_visible()

    # Fifteen minutes later (the address is locked too, so the auditor waits as well).
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    submit_login(page, live_server, "zb-auditor", PASSWORD)
    page.goto(f"{live_server.url}{reverse('audit-log', kwargs={'alliance_slug': 'zibo'})}")
    table = page.get_by_test_id("audit-table")
    expect(table).to_contain_text("登录失败次数过多被锁定")
    failures = table.locator("tr", has_text="auth.login_failed").filter(has_text="zb-staff")
    expect(failures.nth(4)).to_be_visible()  # at least the five that locked the account
    # There is nothing to press that changes an entry, and the API refuses writes.
    expect(table.locator("form, button, input")).to_have_count(0)
    response = page.request.delete(
        f"{live_server.url}/api/v1/alliances/zibo/audit-entries/{AuditEntry.objects.filter(alliance=alliance).first().pk}/"
    )
    assert response.status in (403, 405)

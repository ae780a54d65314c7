"""In Debian's Chromium: the secretariat creates and publishes a skills competition with one place and a quota;
two member representatives register, the second is waitlisted; the first cancels and the second moves up; the
secretariat checks the promoted person in on the QR scan desk by entering the address the QR code encodes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from alliances.permissions import Role
from events.models import Event, EventStatus, Registration, RegistrationStatus
from members.models import MemberKind

from .factories import PASSWORD, make_alliance, make_member, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zibo():
    alliance = make_alliance("淄博市技工教育集团（联盟）", slug="zibo-events")
    staff = make_member(alliance, Role.SECRETARIAT_STAFF, "zb-events-staff")
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院")
    first_unit = make_unit(alliance, MemberKind.ENTERPRISE, name="山东精密机械有限公司")
    second_unit = make_unit(alliance, MemberKind.ENTERPRISE, name="淄博智能装备有限公司")
    first = make_member(alliance, Role.MEMBER_REPRESENTATIVE, "zb-rep-first", unit=first_unit)
    second = make_member(alliance, Role.MEMBER_REPRESENTATIVE, "zb-rep-second", unit=second_unit)
    return alliance, staff, school, first, second


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()


def open_event(page, event):
    """From any page of the alliance, by clicking: the navigation's "Events", then the event in the list."""
    page.get_by_test_id("nav-events").click()
    page.get_by_test_id("event-table").get_by_role("link", name=event.title).click()
    expect(page.get_by_test_id("event-status")).to_be_visible()


def register(page, base, event, name, mobile):
    open_event(page, event)
    page.get_by_test_id("event-register").click()
    page.locator("#id_person_name").fill(name)
    page.locator("#id_mobile").fill(mobile)
    page.get_by_test_id("registration-submit").click()
    expect(page.get_by_test_id("check-in-code")).to_be_visible()


def test_competition_with_waitlist_promotion_and_qr_check_in(page, live_server, browser, zibo):
    alliance, staff, school, first, second = zibo
    base = live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations before publishing and cancelling

    # 1. Staff create a skills competition: one place, at most one per unit; then publish it.
    log_in(page, live_server, staff.username)
    page.goto(f"{base}{reverse('dashboard', args=[alliance.slug])}")
    page.get_by_test_id("nav-events").click()
    page.get_by_test_id("event-create").click()
    starts = timezone.localtime(timezone.now() + timedelta(days=14)).replace(hour=9, minute=0)
    page.locator("#id_kind").select_option("competition")
    page.locator("#id_title").fill("2026年淄博市数控车工技能大赛")
    page.locator("#id_starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_ends_at").fill((starts + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_venue").fill("淄博市技师学院实训楼")
    page.locator("#id_host_unit").select_option(label=school.name)
    page.locator("#id_capacity").fill("1")
    page.locator("#id_quota_per_unit").fill("1")
    page.get_by_test_id("save-event").click()
    expect(page.get_by_test_id("event-status")).to_have_attribute("class", re.compile("status-draft"))
    page.get_by_test_id("event-publish").click()
    expect(page.get_by_test_id("event-status")).to_have_attribute("class", re.compile("status-published"))
    event = Event.objects.get(title="2026年淄博市数控车工技能大赛")
    assert event.status == EventStatus.PUBLISHED and event.capacity == 1 and event.quota_per_unit == 1
    assert timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M") == starts.strftime("%Y-%m-%d %H:%M")

    # 2. Two representatives register, each in their own browser: the second is waitlisted.
    first_context, second_context = browser.new_context(locale="zh-CN"), browser.new_context(locale="zh-CN")
    first_page, second_page = first_context.new_page(), second_context.new_page()
    for other in (first_page, second_page):
        other.on("dialog", lambda dialog: dialog.accept())
    for other, user in ((first_page, first), (second_page, second)):
        log_in(other, live_server, user.username)
        other.goto(f"{base}{reverse('dashboard', args=[alliance.slug])}")
    register(first_page, base, event, "王选手", "13812340001")
    expect(first_page.get_by_test_id("registration-status")).to_have_attribute(
        "class", re.compile("reg-registered")
    )
    register(second_page, base, event, "李选手", "13812340002")
    expect(second_page.get_by_test_id("registration-status")).to_have_attribute(
        "class", re.compile("reg-waitlisted")
    )

    # 3. The first cancels; the second moves up at once.
    first_page.get_by_test_id("registration-cancel").click()
    expect(first_page.get_by_test_id("registration-status")).to_have_attribute(
        "class", re.compile("reg-cancelled")
    )
    second_page.reload()
    expect(second_page.get_by_test_id("registration-status")).to_have_attribute(
        "class", re.compile("reg-registered")
    )
    promoted = Registration.objects.get(person_name="李选手")
    assert promoted.status == RegistrationStatus.REGISTERED
    check_in_address = second_page.get_by_test_id("check-in-url").inner_text().strip()
    assert check_in_address.endswith(f"?code={promoted.check_in_token}")
    expect(second_page.get_by_test_id("qr-svg").locator("svg")).to_be_visible()
    first_context.close()
    second_context.close()

    # 4. Staff check the promoted person in on the scan desk: the scanner "types" the address and Enter.
    open_event(page, event)
    page.get_by_test_id("event-check-in").click()
    code = page.get_by_test_id("check-in-code")
    expect(code).to_be_focused()
    code.fill(check_in_address)
    code.press("Enter")
    result = page.get_by_test_id("check-in-result")
    expect(result).to_have_class(re.compile("is-done"))
    expect(page.get_by_test_id("check-in-name")).to_have_text("李选手")
    expect(page.get_by_test_id("check-in-unit")).to_have_text("淄博智能装备有限公司")
    expect(page.get_by_test_id("check-in-code")).to_have_value("")  # ready for the next scan
    expect(page.get_by_test_id("check-in-code")).to_be_focused()
    promoted.refresh_from_db()
    assert promoted.status == RegistrationStatus.CHECKED_IN and promoted.checked_in_by == staff

    # Scanning again says so; the attendance on the event page counts one person checked in.
    page.get_by_test_id("check-in-code").fill(check_in_address)
    page.get_by_test_id("check-in-code").press("Enter")
    expect(page.get_by_test_id("check-in-result")).to_have_class(re.compile("is-already"))
    page.get_by_test_id("check-in-back").click()
    expect(page.get_by_test_id("count-checked_in").locator(".stat-value")).to_have_text("1")
    expect(page.get_by_test_id("count-cancelled").locator(".stat-value")).to_have_text("1")

"""In Debian's Chromium: at a signing ceremony (签约/授牌仪式), the secretariat records an order-class agreement
(订单班) between a member school and a member enterprise from the event's page; the record appears on the event,
on both units' member pages, and on the enterprise representative's "My unit" page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from alliances.permissions import Role
from events.models import CooperationKind, CooperationRecord, Event, EventKind, EventStatus
from members.models import MemberKind

from .factories import make_alliance, make_member, make_unit
from .test_browser_members import MINIMAL_PDF, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ceremony_world():
    alliance = make_alliance("淄博市技工教育集团（联盟）", slug="zibo-coop")
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院")
    enterprise = make_unit(alliance, MemberKind.ENTERPRISE, name="山东齐鲁精密机械有限公司")
    make_unit(alliance, MemberKind.ENTERPRISE, name="淄博另一家企业有限公司")
    staff = make_member(alliance, Role.SECRETARIAT_STAFF, "coop-browser-staff")
    representative = make_member(alliance, Role.MEMBER_REPRESENTATIVE, "coop-browser-rep", unit=enterprise)
    starts = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=2), datetime.time(14, 30))
    )
    event = Event.objects.create(
        alliance=alliance, kind=EventKind.CEREMONY, title="2026年校企合作签约暨订单班授牌仪式", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2), venue="淄博市技师学院报告厅", host_unit=school,
        status=EventStatus.FINISHED, published_at=starts - datetime.timedelta(days=10),
    )  # fmt: skip
    return alliance, school, enterprise, staff, representative, event


def test_order_class_signed_at_a_ceremony_appears_on_both_units(page, live_server, ceremony_world):
    alliance, school, enterprise, staff, representative, event = ceremony_world
    base = live_server.url
    log_in(page, live_server, staff.username)

    # The secretariat opens the ceremony (navigation → events → the ceremony) and records the agreement signed there.
    page.goto(f"{base}{reverse('dashboard', args=[alliance.slug])}")
    page.get_by_test_id("nav-events").click()
    page.get_by_test_id("event-table").get_by_role("link", name=event.title).click()
    panel = page.get_by_test_id("event-cooperations")
    expect(panel).to_be_visible()
    panel.get_by_test_id("record-agreement-at-event").click()
    expect(page.get_by_test_id("signed-at-event")).to_contain_text(event.title)
    page.locator("#id_kind").select_option(CooperationKind.ORDER_CLASS)
    page.locator("#id_title").fill("数控技术订单班合作协议")
    page.locator("#id_school").select_option(str(school.pk))
    page.locator("#id_enterprise").select_option(str(enterprise.pk))
    page.locator("#id_class_name").fill("齐鲁精密2026级数控订单班")
    page.locator("#id_students").fill("45")
    page.locator("#id_graduation_year").fill("2029")
    page.locator("#id_graduates_employed").fill("46")  # more than the class: refused, nothing saved
    page.get_by_test_id("save-cooperation").click()
    expect(page.locator(".has-error").first).to_be_visible()
    assert not CooperationRecord.objects.exists()
    page.locator("#id_graduates_employed").fill("")
    page.locator("#id_documents").set_input_files(
        files=[{"name": "订单班协议.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
    )
    page.get_by_test_id("save-cooperation").click()
    expect(page.get_by_test_id("cooperation-facts")).to_contain_text("齐鲁精密2026级数控订单班")
    expect(page.get_by_test_id("cooperation-documents")).to_contain_text("订单班协议.pdf")
    record = CooperationRecord.objects.get()
    assert (record.event, record.school, record.enterprise, record.students) == (
        event,
        school,
        enterprise,
        45,
    )
    assert record.signed_on == timezone.localdate(event.starts_at)

    # The event lists it, and so do both units' member pages (reached from the record's page by clicking).
    record_page = page.url
    page.get_by_test_id("cooperation-facts").get_by_role("link", name=event.title).click()
    expect(page.get_by_test_id("event-cooperations")).to_contain_text("数控技术订单班合作协议")
    for unit in (school, enterprise):
        page.goto(record_page)
        page.get_by_test_id("cooperation-facts").get_by_role("link", name=unit.name).click()
        activity = page.get_by_test_id("member-activity")
        expect(activity.get_by_test_id("activity-cooperation")).to_contain_text("数控技术订单班合作协议")
        expect(activity.get_by_test_id("last-activity")).to_contain_text(record.signed_on.isoformat())
    page.get_by_test_id("member-activity").get_by_role("link", name="数控技术订单班合作协议").click()
    expect(page.get_by_test_id("cooperation-status")).to_be_visible()

    # The enterprise's representative sees it on "My unit"; the cooperation list shows their records only.
    page.context.clear_cookies()
    log_in(page, live_server, representative.username)
    page.goto(f"{base}{reverse('dashboard', args=[alliance.slug])}")
    page.locator(f"ul.nav a[href='{reverse('my-unit', args=[alliance.slug])}']").click()  # "My unit"
    expect(page.get_by_test_id("member-activity")).to_contain_text("数控技术订单班合作协议")
    page.get_by_test_id("nav-cooperation").click()
    expect(page.get_by_test_id("cooperation-table")).to_contain_text("齐鲁精密2026级数控订单班")

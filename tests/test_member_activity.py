"""Member activity (events attended, cooperation records, subsidy claims) and dormant members: what counts, the
12-month boundary to the day (in Asia/Shanghai), set-based annotation with constant queries, the panels on the
member page and on "My unit", the dormant-members page and its Excel export, and the API."""

from __future__ import annotations

import datetime
import itertools
import zoneinfo
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from alliances.models import AuditEntry
from alliances.permissions import Role
from events.activity import dormant_cutoff, dormant_members, last_activity_dates, member_activity
from events.models import (
    CooperationKind,
    CooperationRecord,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from members.models import MemberKind, MemberStatus, MemberUnit
from subsidies.models import Claim, ClaimStatus, Period, PeriodKind, Program, ProgramKind

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 11, 23)
CUTOFF = datetime.date(2025, 11, 23)  # 12 months before TODAY: the first day that still counts
_numbers = itertools.count(1)


def at(day: datetime.date, hour=9, minute=0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), SHANGHAI)


def attended(
    unit, starts: datetime.datetime, *, status=RegistrationStatus.CHECKED_IN, event_status=None, people=1
):
    event = Event.objects.create(
        alliance=unit.alliance, kind=EventKind.SEMINAR, title=f"研讨会{next(_numbers)}", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2), status=event_status or EventStatus.FINISHED,
    )  # fmt: skip
    for number in range(people):
        Registration.objects.create(
            alliance=unit.alliance,
            event=event,
            member_unit=unit,
            person_name=f"参会人{number}",
            status=status,
        )
    return event


def cooperated(
    school, enterprise, *, signed_on=None, starts_on=None, kind=CooperationKind.AGREEMENT, **extra
):
    return CooperationRecord.objects.create(
        alliance=school.alliance, kind=kind, school=school, enterprise=enterprise, signed_on=signed_on,
        starts_on=starts_on, **{"title": f"合作{next(_numbers)}", **extra},
    )  # fmt: skip


def claimed(enterprise, *, submitted_at=None, status=ClaimStatus.SUBMITTED):
    alliance = enterprise.alliance
    program, _ = Program.objects.get_or_create(
        alliance=alliance,
        code="order-class",
        defaults={"name": "订单班补贴", "kind": ProgramKind.ORDER_CLASS},
    )
    number = next(_numbers)
    period = Period.objects.create(
        alliance=alliance, kind=PeriodKind.YEAR, name=f"{2000 + number}年度", academic_year=2000 + number,
        starts_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2024, 12, 31),
        claim_deadline=datetime.date(2025, 3, 31),
    )  # fmt: skip
    return Claim.objects.create(
        alliance=alliance, program=program, period=period, enterprise=enterprise, number=f"C-{number}",
        status=status, submitted_at=submitted_at, first_submitted_at=submitted_at,
    )  # fmt: skip


def school_of(alliance, **extra):
    return make_unit(
        alliance, MemberKind.TECHNICAL_SCHOOL, **{"admitted_on": datetime.date(2020, 1, 1), **extra}
    )


def enterprise_of(alliance, **extra):
    return make_unit(alliance, MemberKind.ENTERPRISE, **{"admitted_on": datetime.date(2020, 1, 1), **extra})


# --- What counts ------------------------------------------------------------------------------------------


def test_member_activity_counts(alliance):
    school, enterprise = school_of(alliance), enterprise_of(alliance)
    attended(enterprise, at(datetime.date(2026, 3, 1)), people=2)
    attended(enterprise, at(datetime.date(2026, 4, 1)))
    attended(enterprise, at(datetime.date(2026, 5, 1)), status=RegistrationStatus.NO_SHOW)
    attended(enterprise, at(datetime.date(2026, 6, 1)), status=RegistrationStatus.REGISTERED)
    attended(enterprise, at(datetime.date(2026, 7, 1)), event_status=EventStatus.CANCELLED)
    cooperated(school, enterprise, signed_on=datetime.date(2026, 2, 1))
    cooperated(
        school, enterprise, kind=CooperationKind.ORDER_CLASS, signed_on=datetime.date(2026, 8, 1), students=40,
        class_name="精密班", graduation_year=2028,
    )  # fmt: skip
    claimed(enterprise, submitted_at=at(datetime.date(2026, 9, 1)))
    claimed(enterprise, status=ClaimStatus.DRAFT)
    claimed(enterprise, submitted_at=at(datetime.date(2026, 2, 1)), status=ClaimStatus.APPROVED)

    activity = member_activity(enterprise, today=TODAY)
    assert (activity.events_attended, activity.people_checked_in) == (2, 3)
    assert [row["event"].starts_at.month for row in activity.recent_attendance] == [4, 3]
    assert activity.cooperation_count == 2 and activity.order_class_students == 40
    assert [(kind, count) for kind, _label, count in activity.cooperation_by_kind] == [
        ("agreement", 1), ("order_class", 1),
    ]  # fmt: skip
    assert activity.claims_count == 3
    assert {status: count for status, _label, count in activity.claims_by_status} == {
        "draft": 1, "submitted": 1, "approved": 1,
    }  # fmt: skip
    assert activity.last_activity_on == datetime.date(2026, 9, 1)
    # The school shares the cooperation records, not the enterprise's attendance or claims.
    school_activity = member_activity(school, today=TODAY)
    assert (school_activity.cooperation_count, school_activity.events_attended, school_activity.claims_count) == (
        2, 0, 0,
    )  # fmt: skip
    assert school_activity.last_activity_on == datetime.date(2026, 8, 1)
    nothing = member_activity(enterprise_of(alliance), today=TODAY)
    assert nothing.is_empty and nothing.last_activity_on is None


def test_member_activity_runs_a_fixed_number_of_queries(alliance):
    school, enterprise = school_of(alliance), enterprise_of(alliance)

    def add(count):
        for number in range(count):
            attended(enterprise, at(datetime.date(2026, 1, 1) + datetime.timedelta(days=number)))
            cooperated(school, enterprise, signed_on=datetime.date(2026, 1, 1))
            claimed(enterprise, submitted_at=at(datetime.date(2026, 1, 2)))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            member_activity(enterprise, today=TODAY)
        return len(captured)

    add(3)
    few = queries()
    add(30)
    assert queries() == few


def test_last_activity_dates_is_set_based(alliance):
    school = school_of(alliance)

    def add(count):
        for number in range(count):
            unit = enterprise_of(alliance)
            attended(unit, at(datetime.date(2026, 1, 1) + datetime.timedelta(days=number % 300)))
            cooperated(school, unit, starts_on=datetime.date(2025, 1, 1))
            claimed(unit, submitted_at=at(datetime.date(2025, 6, 1)))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            rows = list(last_activity_dates(MemberUnit.objects.all(), today=TODAY))
        return len(captured), rows

    add(10)
    few, rows = queries()
    assert few == 1
    add(90)
    count, rows = queries()
    assert count == few and len(rows) == 101
    by_unit = {unit.pk: unit.last_activity_on for unit in rows}
    assert by_unit[school.pk] == datetime.date(2025, 1, 1)


# --- Dormant: the boundary ----------------------------------------------------------------------------------


def test_dormant_boundaries_at_exactly_12_months(alliance):
    assert dormant_cutoff(12, TODAY) == CUTOFF
    school = school_of(alliance, name="合作学校")  # active through the cooperation records below
    on_cutoff = enterprise_of(alliance, name="恰好12个月前签约")
    cooperated(school, on_cutoff, signed_on=CUTOFF)
    day_before = enterprise_of(alliance, name="12个月零1天前签约")
    cooperated(
        school_of(alliance, name="旧合作学校"), day_before, signed_on=CUTOFF - datetime.timedelta(days=1)
    )
    # 00:30 in Shanghai on the cutoff day is still the previous day in UTC: it counts (local days).
    after_midnight = enterprise_of(alliance, name="零点后参会")
    attended(after_midnight, at(CUTOFF, 0, 30))
    before_midnight = enterprise_of(alliance, name="零点前提交申报")
    claimed(before_midnight, submitted_at=at(CUTOFF - datetime.timedelta(days=1), 23, 59))
    registered_only = enterprise_of(alliance, name="只报名未签到")
    attended(registered_only, at(TODAY - datetime.timedelta(days=10)), status=RegistrationStatus.REGISTERED)
    draft_only = enterprise_of(alliance, name="只有草稿申报")
    claimed(draft_only, status=ClaimStatus.DRAFT)
    planned_future = enterprise_of(alliance, name="明年才开始合作")
    cooperated(school, planned_future, starts_on=TODAY + datetime.timedelta(days=40))
    never = enterprise_of(alliance, name="从未参与")
    newcomer = enterprise_of(alliance, name="新入会", admitted_on=TODAY - datetime.timedelta(days=30))
    enterprise_of(alliance, name="已退会", status=MemberStatus.WITHDRAWN)
    suspended = enterprise_of(alliance, name="暂停中", status=MemberStatus.SUSPENDED)

    dormant = list(dormant_members(12, today=TODAY))
    names = [unit.name for unit in dormant]
    assert set(names) == {
        "12个月零1天前签约", "零点前提交申报", "只报名未签到", "只有草稿申报", "明年才开始合作", "从未参与", "暂停中",
        "旧合作学校",
    }  # fmt: skip
    assert {on_cutoff.name, after_midnight.name, school.name, newcomer.name} & set(names) == set()
    by_name = {unit.name: unit.last_activity_on for unit in dormant}
    assert by_name["12个月零1天前签约"] == CUTOFF - datetime.timedelta(days=1)
    assert by_name["零点前提交申报"] == CUTOFF - datetime.timedelta(days=1)
    assert by_name["从未参与"] is None and by_name["明年才开始合作"] is None
    assert names.index("从未参与") < names.index("12个月零1天前签约")  # never active first
    with_new = {unit.name for unit in dormant_members(12, today=TODAY, include_new=True)}
    assert newcomer.name in with_new
    # Six months: the units active 12 months ago are dormant too.
    six = {unit.name for unit in dormant_members(6, today=TODAY)}
    assert {on_cutoff.name, after_midnight.name} <= six
    assert never.pk and suspended.pk


# --- Pages ------------------------------------------------------------------------------------------------


def page_url(name, alliance, *args):
    return reverse(name, args=[alliance.slug, *args])


def test_member_page_and_my_unit_show_the_activity(alliance, staff_client):
    school, enterprise = school_of(alliance), enterprise_of(alliance)
    record = cooperated(
        school, enterprise, kind=CooperationKind.ORDER_CLASS, signed_on=datetime.date(2026, 9, 1),
        class_name="精密班", students=40, graduation_year=2028, title="数控订单班",
    )  # fmt: skip
    attended(enterprise, at(datetime.date(2026, 10, 10)))
    page = staff_client.get(page_url("member-detail", alliance, enterprise.pk)).content.decode()
    assert 'data-testid="member-activity"' in page and "数控订单班" in page
    assert page_url("cooperation-detail", alliance, record.pk) in page
    school_page = staff_client.get(page_url("member-detail", alliance, school.pk)).content.decode()
    assert "数控订单班" in school_page
    staff_client.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=enterprise))
    mine = staff_client.get(page_url("my-unit", alliance)).content.decode()
    assert 'data-testid="member-activity"' in mine and "数控订单班" in mine and "2026-10-10" in mine


def test_my_unit_lists_upcoming_registrations_with_their_qr_pages(alliance, staff_client):
    enterprise = enterprise_of(alliance)
    starts = timezone.now() + datetime.timedelta(days=7)
    upcoming = Event.objects.create(
        alliance=alliance, kind=EventKind.JOB_FAIR, title="冬季专场招聘会", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3), status=EventStatus.PUBLISHED,
    )  # fmt: skip
    registration = Registration.objects.create(alliance=alliance, event=upcoming, member_unit=enterprise,
                                               person_name="刘招聘", status=RegistrationStatus.REGISTERED)  # fmt: skip
    Registration.objects.create(alliance=alliance, event=upcoming, member_unit=enterprise, person_name="已取消",
                                status=RegistrationStatus.CANCELLED)  # fmt: skip
    detail = page_url("registration-detail", alliance, registration.pk)
    staff_page = staff_client.get(page_url("member-detail", alliance, enterprise.pk)).content.decode()
    assert 'data-testid="activity-upcoming"' in staff_page and detail in staff_page
    staff_client.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=enterprise))
    mine = staff_client.get(page_url("my-unit", alliance)).content.decode()
    assert "冬季专场招聘会" in mine and "刘招聘" in mine and detail in mine and "已取消" not in mine
    assert staff_client.get(detail).status_code == 200
    staff_client.force_login(make_member(alliance, Role.BUREAU_OFFICIAL))  # reads, but no one's QR code
    bureau = staff_client.get(page_url("member-detail", alliance, enterprise.pk)).content.decode()
    assert "冬季专场招聘会" in bureau and detail not in bureau


def test_dormant_page_export_and_permissions(alliance, staff_client, client):
    school = school_of(alliance, name="活跃学校")
    cooperated(school, enterprise_of(alliance, name="活跃企业"), signed_on=timezone.localdate())
    for number in range(3):
        enterprise_of(alliance, name=f"沉寂企业{number}", member_number=f"=HYPERLINK({number})")
    page = staff_client.get(page_url("dormant-members", alliance))
    assert page.status_code == 200
    names = {unit.name for unit in page.context["object_list"]}
    assert names == {"沉寂企业0", "沉寂企业1", "沉寂企业2"}
    assert staff_client.get(page_url("dormant-members", alliance), {"months": "abc"}).status_code == 200
    export = staff_client.get(page_url("dormant-members-export", alliance), {"months": 12})
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4 and {row[1] for row in rows[1:]} == names
    assert all(str(row[0]).startswith("'=") for row in rows[1:])  # no formula injection
    assert AuditEntry.objects.filter(action="events.dormant_members.exported").exists()
    for role in (Role.BUREAU_OFFICIAL, Role.MEMBER_REPRESENTATIVE, Role.AUDITOR):
        client.force_login(make_member(alliance, role))
        assert client.get(page_url("dormant-members", alliance)).status_code == 403
        assert client.get(page_url("dormant-members-export", alliance)).status_code == 403


def test_dormant_page_runs_a_constant_number_of_queries(alliance, staff_client):
    school = school_of(alliance)

    def add(count):
        for number in range(count):
            unit = enterprise_of(alliance)
            if number % 2:
                cooperated(school, unit, signed_on=datetime.date(2020, 5, 1))
                claimed(unit, submitted_at=at(datetime.date(2021, 1, 1)))

    def queries(name):
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(page_url(name, alliance)).status_code == 200
        return len(captured)

    add(10)
    few = [queries("dormant-members"), queries("dormant-members-export")]
    add(90)
    assert [queries("dormant-members"), queries("dormant-members-export")] == few


# --- API --------------------------------------------------------------------------------------------------


def api(name, alliance, **kwargs):
    return reverse(f"api:{name}", kwargs={"alliance_slug": alliance.slug, **kwargs})


def test_activity_and_dormant_api(alliance, staff_user):
    school, enterprise = school_of(alliance), enterprise_of(alliance, name="活跃企业")
    cooperated(school, enterprise, signed_on=timezone.localdate())
    quiet = enterprise_of(alliance, name="沉寂企业")
    client = APIClient()
    client.force_authenticate(staff_user)
    listed = client.get(api("member-activity-list", alliance), {"page_size": 100}).json()["results"]
    assert {row["name"]: row["last_activity_on"] for row in listed}[quiet.name] is None
    detail = client.get(api("member-activity-detail", alliance, memberunit_id=enterprise.pk)).json()
    assert detail["cooperation_count"] == 1 and detail["cooperation_by_kind"][0]["kind"] == "agreement"
    dormant = client.get(api("dormant-member-list", alliance)).json()["results"]
    assert [row["name"] for row in dormant] == ["沉寂企业"]
    assert client.get(api("dormant-member-list", alliance), {"months": "x"}).status_code == 400
    assert client.get(api("dormant-member-list", alliance), {"months": 0}).status_code == 400
    assert client.get(api("member-activity-detail", alliance, memberunit_id=999999)).status_code == 404

    rep = APIClient()
    rep.force_authenticate(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=enterprise))
    assert rep.get(api("member-activity-detail", alliance, memberunit_id=enterprise.pk)).status_code == 200
    assert rep.get(api("member-activity-detail", alliance, memberunit_id=quiet.pk)).status_code == 404
    assert rep.get(api("member-activity-list", alliance)).status_code == 403
    assert rep.get(api("dormant-member-list", alliance)).status_code == 403

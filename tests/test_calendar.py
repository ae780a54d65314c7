"""The calendar: the month grid (Monday first, events on every day they occupy, across midnight), the list of
upcoming and past events, who sees drafts, constant queries; and the private iCalendar feeds — they parse with
`icalendar`, import into a plain calendar model in Asia/Shanghai, and answer only to a valid token of the
alliance (another alliance's, a regenerated or a revoked token, or one whose owner lost access: 404)."""

from __future__ import annotations

import datetime
import zoneinfo

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from alliances.models import AuditEntry, Grant
from alliances.permissions import Role
from alliances.services import revoke_grant
from events.models import (
    CalendarFeed,
    Event,
    EventKind,
    EventOrganiser,
    EventStatus,
    FeedScope,
    Registration,
    RegistrationStatus,
)
from members.models import MemberKind

from .factories import make_alliance, make_member, make_unit

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=9, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def soon(days: int) -> datetime.datetime:
    """9:00 in Shanghai, `days` from today (inside any feed's window whenever the suite runs)."""
    return datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=days), datetime.time(9), SHANGHAI
    )


def make_event(alliance, title, starts, ends=None, **extra) -> Event:
    return Event.objects.create(
        alliance=alliance, kind=extra.pop("kind", EventKind.SEMINAR), title=title, starts_at=starts,
        ends_at=ends or starts + datetime.timedelta(hours=2), status=extra.pop("status", EventStatus.PUBLISHED),
        **extra,
    )  # fmt: skip


def url(name, alliance, *args, **kwargs):
    return reverse(name, args=[alliance.slug, *args], kwargs=kwargs or None)


@pytest.fixture
def rep(alliance):
    unit = make_unit(alliance, MemberKind.ENTERPRISE, name="代表所在企业")
    return make_member(alliance, Role.MEMBER_REPRESENTATIVE, "calendar-rep", unit=unit), unit


# --- Month grid -------------------------------------------------------------------------------------------


def cells(response) -> dict[datetime.date, list[str]]:
    month = response.context["month"]
    return {day.day: [event.title for event in day.events] for week in month.weeks for day in week}


def test_month_grid_starts_on_monday_and_places_events_on_their_days(alliance, staff_client):
    night = make_event(alliance, "夜间赛", at(2026, 5, 20, 23, 30), at(2026, 5, 21, 1, 0))  # crosses midnight
    make_event(alliance, "到零点", at(2026, 5, 22, 20, 0), at(2026, 5, 23, 0, 0))  # ends at 00:00 sharp
    make_event(alliance, "四日培训", at(2026, 4, 29, 9, 0), at(2026, 5, 2, 17, 0), kind=EventKind.TRAINING)
    make_event(alliance, "别的月份", at(2026, 7, 1))
    response = staff_client.get(url("calendar-month", alliance), {"month": "2026-05"})
    assert response.status_code == 200
    month = response.context["month"]
    assert month.weeks[0][0].day == datetime.date(2026, 4, 27)  # Monday before 1 May 2026 (a Friday)
    assert all(week[0].day.weekday() == 0 for week in month.weeks)
    grid = cells(response)
    assert grid[datetime.date(2026, 5, 20)] == ["夜间赛"] and grid[datetime.date(2026, 5, 21)] == ["夜间赛"]
    assert grid[datetime.date(2026, 5, 22)] == ["到零点"] and grid[datetime.date(2026, 5, 23)] == []
    assert all("四日培训" in grid[datetime.date(2026, 5, d)] for d in (1, 2))
    assert "四日培训" in grid[datetime.date(2026, 4, 29)]  # the grid's first week starts in April
    assert max(grid) == datetime.date(2026, 5, 31)  # a Sunday: the grid ends with the month
    assert "别的月份" not in str(grid)
    body = response.content.decode()
    assert "星期一" in body and body.index("星期一") < body.index(
        "星期日"
    )  # Chinese weekday names, Monday first
    assert "kind-training" in body and "?month=2026-04" in body and "?month=2026-06" in body
    night_link = f'href="{reverse("event-detail", args=[alliance.slug, night.pk])}"'
    assert body.count(night_link) == 2  # on both days
    assert body.count(">23:30</span>") == 1  # the start time shows on the first day only


def test_month_navigation_and_bad_input(alliance, staff_client):
    december = staff_client.get(url("calendar-month", alliance), {"month": "2026-12"})
    assert 'href="?month=2027-01"' in december.content.decode()
    for bad in ("2026-13", "abc", "99999-01", ""):
        response = staff_client.get(url("calendar-month", alliance), {"month": bad})
        assert response.status_code == 200
        assert response.context["month"].first == timezone.localdate().replace(day=1)


def test_members_see_no_drafts_staff_do(alliance, staff_client, rep):
    make_event(alliance, "草稿会议", at(2026, 5, 12), status=EventStatus.DRAFT)
    make_event(alliance, "已发布会议", at(2026, 5, 13))
    make_event(alliance, "已取消会议", at(2026, 5, 14), status=EventStatus.CANCELLED)
    staff_view = staff_client.get(url("calendar-month", alliance), {"month": "2026-05"}).content.decode()
    assert "草稿会议" in staff_view and "is-draft" in staff_view
    staff_client.force_login(rep[0])
    member_view = staff_client.get(url("calendar-month", alliance), {"month": "2026-05"}).content.decode()
    assert "已发布会议" in member_view and "已取消会议" in member_view and "草稿会议" not in member_view
    assert "is-cancelled" in member_view


def test_auditors_may_not_see_the_calendar(alliance, auditor_user, client):
    client.force_login(auditor_user)
    assert client.get(url("calendar-month", alliance)).status_code == 403
    assert client.get(url("calendar-list", alliance)).status_code == 403


# --- List ---------------------------------------------------------------------------------------------------


def test_list_upcoming_and_past(alliance, staff_client):
    now = timezone.now()
    make_event(alliance, "明天的会", now + datetime.timedelta(days=1))
    make_event(alliance, "下周的会", now + datetime.timedelta(days=7))
    make_event(alliance, "上周的会", now - datetime.timedelta(days=7), kind=EventKind.JOB_FAIR)
    make_event(alliance, "进行中的会", now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1))

    def titles(**params):
        return [
            e.title for e in staff_client.get(url("calendar-list", alliance), params).context["object_list"]
        ]

    assert titles() == ["进行中的会", "明天的会", "下周的会"]
    assert titles(when="past") == ["上周的会"]
    assert titles(when="past", kind=EventKind.SEMINAR) == []
    assert titles(when="nonsense", kind="nonsense") == ["进行中的会", "明天的会", "下周的会"]


def test_calendar_pages_run_a_constant_number_of_queries(alliance, staff_client):
    host = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL)
    today = timezone.localdate()
    month = today.strftime("%Y-%m")

    def add(count):  # around today: some past, some upcoming, most of them in this month
        for number in range(count):
            day = today + datetime.timedelta(days=(1 if number % 2 else -1) * (number % 10 + 1))
            starts = datetime.datetime.combine(day, datetime.time(9, number % 60), SHANGHAI)
            make_event(alliance, f"活动{number}", starts, host_unit=host, kind=EventKind.values[number % 9])

    def queries(name, params):
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url(name, alliance), params).status_code == 200
        return len(captured)

    pages = [("calendar-month", {"month": month}), ("calendar-list", {}), ("calendar-list", {"when": "past"})]
    add(10)
    few = [queries(name, params) for name, params in pages]
    add(90)
    assert [queries(name, params) for name, params in pages] == few


# --- Feeds --------------------------------------------------------------------------------------------------


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def as_calendar_model(body: bytes) -> list[tuple[str, datetime.datetime, datetime.datetime, str]]:
    """Import the feed the way a calendar program does: (uid, start, end, summary), times in Asia/Shanghai."""
    rows = []
    for item in parse(body).walk("VEVENT"):
        start, end = item.decoded("dtstart"), item.decoded("dtend")
        rows.append(
            (str(item["uid"]), start.astimezone(SHANGHAI), end.astimezone(SHANGHAI), str(item["summary"]))
        )
    return sorted(rows, key=lambda row: row[1])


def feed_of(alliance, user, scope=FeedScope.ALLIANCE, unit=None) -> CalendarFeed:
    return CalendarFeed.objects.create(alliance=alliance, user=user, scope=scope, member_unit=unit)


def feed_url(alliance, feed):
    return reverse("calendar-feed", kwargs={"alliance_slug": alliance.slug, "token": feed.token})


def test_feed_parses_and_imports_in_asia_shanghai(alliance, staff_user, client):
    now = timezone.now()
    day = timezone.localdate() + datetime.timedelta(days=30)
    next_day = day + datetime.timedelta(days=1)

    def local(on, hour, minute=0):
        return datetime.datetime.combine(on, datetime.time(hour, minute), SHANGHAI)

    night = make_event(
        alliance, "跨夜技能大赛", local(day, 23, 30), local(next_day, 1, 0), kind=EventKind.COMPETITION,
        venue="淄博市技师学院实训中心", description="决赛", sequence=2,
    )  # fmt: skip
    morning = make_event(alliance, "凌晨观摩", local(next_day, 0), local(next_day, 2))
    cancelled = make_event(alliance, "取消的招聘会", local(next_day, 9), status=EventStatus.CANCELLED)
    make_event(alliance, "草稿", local(next_day, 10), status=EventStatus.DRAFT)
    make_event(alliance, "两年前", now - datetime.timedelta(days=800))
    feed = feed_of(alliance, staff_user)
    response = client.get(feed_url(alliance, feed))  # no login
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content
    calendar = parse(body)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    host = "testserver"
    assert as_calendar_model(body) == [
        (f"{night.uid}@{host}", local(day, 23, 30), local(next_day, 1), "跨夜技能大赛"),
        (f"{morning.uid}@{host}", local(next_day, 0), local(next_day, 2), "凌晨观摩"),
        (f"{cancelled.uid}@{host}", local(next_day, 9), local(next_day, 11), "取消的招聘会"),
    ]
    # The same instants as the database holds (stored in UTC: 23:30 in Shanghai is 15:30 UTC the same day).
    assert as_calendar_model(body)[0][1] == night.starts_at and night.starts_at.utcoffset() is not None
    assert f"DTSTART;TZID=Asia/Shanghai:{day:%Y%m%d}T233000" in body.decode()
    assert f"DTEND;TZID=Asia/Shanghai:{next_day:%Y%m%d}T010000" in body.decode()
    items = {str(item["summary"]): item for item in calendar.walk("VEVENT")}
    first = items["跨夜技能大赛"]
    assert (
        first["dtstart"].params["TZID"] == "Asia/Shanghai"
        and first["dtend"].params["TZID"] == "Asia/Shanghai"
    )
    assert str(first["location"]) == "淄博市技师学院实训中心" and "决赛" in str(first["description"])
    assert str(first["status"]) == "CONFIRMED" and int(first["sequence"]) == 2 and "dtstamp" in first
    assert str(items["取消的招聘会"]["status"]) == "CANCELLED"
    try:
        detail = reverse("event-detail", kwargs={"alliance_slug": alliance.slug, "event_id": night.pk})
    except NoReverseMatch:
        assert "url" not in first
    else:
        assert str(first["url"]) == f"http://testserver{detail}"
    feed.refresh_from_db()
    assert feed.last_fetched_at is not None


def test_unit_feed_shows_what_the_unit_takes_part_in(alliance, rep, client):
    user, unit = rep
    registered = make_event(alliance, "已报名", soon(10))
    Registration.objects.create(alliance=alliance, event=registered, member_unit=unit, person_name="张三")
    withdrawn = make_event(alliance, "已取消报名", soon(11))
    Registration.objects.create(
        alliance=alliance,
        event=withdrawn,
        member_unit=unit,
        person_name="李四",
        status=RegistrationStatus.CANCELLED,
    )
    make_event(alliance, "本单位承办", soon(12), host_unit=unit)
    organised = make_event(alliance, "本单位协办", soon(13))
    EventOrganiser.objects.create(alliance=alliance, event=organised, member_unit=unit)
    make_event(alliance, "无关活动", soon(14))
    feed = feed_of(alliance, user, FeedScope.MEMBER_UNIT, unit)
    body = client.get(feed_url(alliance, feed)).content
    assert [row[3] for row in as_calendar_model(body)] == ["已报名", "本单位承办", "本单位协办"]


def test_feed_tokens_answer_only_in_their_alliance_and_while_valid(alliance, staff_user, client):
    other = make_alliance(slug="other-feed")
    stranger = make_member(other, Role.SECRETARIAT_STAFF)
    make_event(other, "别家的秘密活动", soon(3))
    foreign = feed_of(other, stranger)
    # Another alliance's token under this alliance's address: 404 (and nothing of the other alliance).
    response = client.get(
        reverse("calendar-feed", kwargs={"alliance_slug": alliance.slug, "token": foreign.token})
    )
    assert response.status_code == 404 and "别家的秘密活动".encode() not in response.content
    assert client.get(feed_url(other, foreign)).status_code == 200
    assert client.post(feed_url(other, foreign)).status_code == 404
    # Regenerated and revoked tokens.
    client.force_login(staff_user)
    client.post(url("calendar-feeds", alliance), {"scope": FeedScope.ALLIANCE})
    feed = CalendarFeed.objects.get(user=staff_user)
    old = feed_url(alliance, feed)
    assert client.get(old).status_code == 200
    client.post(url("calendar-feeds", alliance), {"scope": FeedScope.ALLIANCE, "regenerate": "1"})
    feed.refresh_from_db()
    assert client.get(old).status_code == 404 and client.get(feed_url(alliance, feed)).status_code == 200
    client.post(url("calendar-feed-revoke", alliance, feed.pk))
    assert not CalendarFeed.objects.filter(pk=feed.pk).exists()
    assert client.get(feed_url(alliance, feed)).status_code == 404
    actions = set(
        AuditEntry.objects.filter(action__startswith="events.calendar_feed").values_list("action", flat=True)
    )
    assert actions == {
        "events.calendar_feed.created",
        "events.calendar_feed.regenerated",
        "events.calendar_feed.revoked",
    }
    assert (
        client.get(
            reverse("calendar-feed", kwargs={"alliance_slug": alliance.slug, "token": "x" * 100})
        ).status_code
        == 404
    )


def test_feed_stops_when_its_owner_loses_access(alliance, rep, client):
    user, unit = rep
    feed = feed_of(alliance, user, FeedScope.MEMBER_UNIT, unit)
    alliance_feed = feed_of(alliance, user)
    assert client.get(feed_url(alliance, feed)).status_code == 200
    revoke_grant(grant=Grant.objects.get(user=user, alliance=alliance))
    assert client.get(feed_url(alliance, feed)).status_code == 404
    assert client.get(feed_url(alliance, alliance_feed)).status_code == 404


def test_feeds_page(alliance, rep, client):
    user, unit = rep
    client.force_login(user)
    page = client.get(url("calendar-feeds", alliance))
    assert [row["scope"] for row in page.context["rows"]] == [FeedScope.ALLIANCE, FeedScope.MEMBER_UNIT]
    client.post(url("calendar-feeds", alliance), {"scope": FeedScope.MEMBER_UNIT})
    feed = CalendarFeed.objects.get(user=user)
    assert feed.member_unit == unit
    assert feed_url(alliance, feed) in client.get(url("calendar-feeds", alliance)).content.decode()
    assert client.post(url("calendar-feeds", alliance), {"scope": "everything"}).status_code == 302
    assert CalendarFeed.objects.filter(user=user).count() == 1
    # Someone else's feed cannot be revoked.
    other = make_member(alliance, Role.SECRETARIAT_STAFF)
    others_feed = feed_of(alliance, other)
    assert client.post(url("calendar-feed-revoke", alliance, others_feed.pk)).status_code == 404
    assert CalendarFeed.objects.filter(pk=others_feed.pk).exists()


def test_a_changed_event_shows_in_the_next_fetch(alliance, staff_user, client):
    """The built feed is cached, but any change of its events makes a new one."""
    event = make_event(alliance, "原标题研讨会", soon(5))
    feed = feed_of(alliance, staff_user)
    assert "原标题研讨会" in client.get(feed_url(alliance, feed)).content.decode()
    event.title, event.sequence = "新标题研讨会", event.sequence + 1
    event.save()
    body = client.get(feed_url(alliance, feed)).content.decode()
    assert "新标题研讨会" in body and "SEQUENCE:1" in body
    added = make_event(alliance, "新增活动", soon(6))
    assert "新增活动" in client.get(feed_url(alliance, feed)).content.decode()
    added.delete()
    assert "新增活动" not in client.get(feed_url(alliance, feed)).content.decode()

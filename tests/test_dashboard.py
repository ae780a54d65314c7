"""The secretariat dashboard (the alliance home page) and its API: figures equal independent computations, a constant
number of queries, each part only for the roles that may see it, charts with their tables, both languages."""

from __future__ import annotations

import base64
import datetime
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.access import access_alliance_by_slug
from alliances.permissions import Role
from alliances.tenancy import scope
from events.models import Event, EventStatus, Registration, RegistrationStatus
from members.identifiers import make_credit_code
from members.models import CURRENT_MEMBER_STATUSES, MemberKind, MemberStatus, MemberUnit
from reports.dashboard import APPROVED_RUN_STATUSES, dashboard_for, month_starts
from subsidies.models import CalculationRun, Claim, ClaimStatus, RunStatus

from . import dashboard_data as d
from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db


def page_url(alliance):
    return reverse("dashboard", kwargs={"alliance_slug": alliance.slug})


def api_url(alliance):
    return f"/api/v1/alliances/{alliance.slug}/dashboard/"


@pytest.fixture
def world(alliance):
    """Units of several types and states, periods, claims in every status, runs over 14 months, events."""
    today = timezone.localdate()
    last_year = datetime.date(today.year - 1, 6, 1)
    for n in range(3):
        make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"淄博第{n + 1}技工学校", admitted_on=last_year)
    make_unit(alliance, MemberKind.HIGHER_VOCATIONAL, name="淄博职业学院", admitted_on=today)  # joined this year
    enterprises = [
        make_unit(alliance, MemberKind.ENTERPRISE, name=f"淄博看板测试企业{n + 1}", admitted_on=last_year)
        for n in range(8)
    ]
    make_unit(alliance, MemberKind.ENTERPRISE, name="停权企业", status=MemberStatus.SUSPENDED, admitted_on=last_year)
    make_unit(alliance, MemberKind.ENTERPRISE, name="申请退会企业", status=MemberStatus.WITHDRAWAL_REQUESTED)
    make_unit(alliance, MemberKind.ASSOCIATION, name="已退会协会", status=MemberStatus.WITHDRAWN,
              admitted_on=datetime.date(today.year - 2, 3, 1), left_on=today)  # fmt: skip
    make_unit(alliance, MemberKind.ENTERPRISE, name="申请中企业", status=MemberStatus.APPLIED)
    make_unit(alliance, MemberKind.ENTERPRISE, name="被除名企业", status=MemberStatus.EXPELLED,
              admitted_on=datetime.date(today.year - 3, 1, 1), left_on=datetime.date(today.year - 1, 12, 31))  # fmt: skip

    program, version = d.program(alliance)
    old = d.period(alliance, d.months_ago(today, 14, 1), name="旧学期")
    previous = d.period(alliance, d.months_ago(today, 6, 1), name="上学期")
    current = d.period(alliance, d.months_ago(today, 1, 1), name="本学期")
    d.period(alliance, today + datetime.timedelta(days=60), name="下学期")
    statuses = {
        current: [ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW,
                  ClaimStatus.APPROVED, ClaimStatus.SCHOOL_CONFIRMATION],
        previous: [ClaimStatus.APPROVED, ClaimStatus.APPROVED, ClaimStatus.REJECTED, ClaimStatus.RETURNED],
        old: [ClaimStatus.UNDER_REVIEW],
    }  # fmt: skip
    for period_, wanted in statuses.items():
        for enterprise, status in zip(enterprises, wanted, strict=False):
            d.claim(alliance, program, period_, enterprise, status, submitted=d.at(today))

    now = timezone.now()
    d.run(alliance, program, current, version, RunStatus.FINALISED, "1000.00", finalised_at=now)
    d.run(alliance, program, previous, version, RunStatus.BUREAU_APPROVED, "2000.50",
          finalised_at=d.at(d.months_ago(today, 3)))  # fmt: skip
    d.run(alliance, program, previous, version, RunStatus.PAID, "3000.25",
          finalised_at=d.at(d.months_ago(today, 5)), paid_on=d.months_ago(today, 2))  # fmt: skip
    d.run(alliance, program, old, version, RunStatus.PAID, "4000.00",
          finalised_at=d.at(d.months_ago(today, 13)), paid_on=d.months_ago(today, 13))  # fmt: skip
    d.run(alliance, program, old, version, RunStatus.DRAFT, "999.00")

    first = d.event(alliance, "校企合作洽谈会", now + datetime.timedelta(days=1), capacity=50)
    for n in range(2, 7):
        d.event(alliance, f"第{n}场专题研讨会", now + datetime.timedelta(days=n))
    d.event(alliance, "进行中的技能大赛", now - datetime.timedelta(hours=1))  # started, not ended: shown first
    d.event(alliance, "草稿活动", now + datetime.timedelta(days=1), status=EventStatus.DRAFT)
    d.event(alliance, "已取消活动", now + datetime.timedelta(days=1), status=EventStatus.CANCELLED)
    d.event(alliance, "已结束活动", now - datetime.timedelta(days=3), status=EventStatus.FINISHED)
    school = MemberUnit.objects.filter(kind=MemberKind.TECHNICAL_SCHOOL).first()
    for status in (RegistrationStatus.REGISTERED, RegistrationStatus.CONFIRMED, RegistrationStatus.CANCELLED,
                   RegistrationStatus.WAITLISTED):  # fmt: skip
        d.registration(alliance, first, school, status)
    return {"today": today, "program": program, "periods": (current, previous, old), "first_event": first}


def membership_of(user, alliance):
    return access_alliance_by_slug(user, alliance.slug)


def compute(alliance, membership):
    with scope(alliance.pk):
        return dashboard_for(membership)


# --- figures against independent computations ------------------------------------------------------------------


def test_member_figures_equal_an_independent_count(alliance, world, staff_user):
    today = world["today"]
    dashboard = compute(alliance, membership_of(staff_user, alliance))
    units = list(MemberUnit.objects.filter(alliance=alliance))
    current = Counter(u.kind for u in units if u.status in CURRENT_MEMBER_STATUSES)
    assert dashboard.members.total == sum(current.values()) == 3 + 1 + 8 + 2
    assert {k.kind: k.count for k in dashboard.members.by_kind} == dict(current)
    assert [k.kind for k in dashboard.members.by_kind] == [k for k in MemberKind if k in current]  # catalogue order
    assert dashboard.members.joined_this_year == sum(
        1 for u in units if u.admitted_on and u.admitted_on.year == today.year
    )
    assert dashboard.members.left_this_year == sum(1 for u in units if u.left_on and u.left_on.year == today.year)


def test_pipeline_counts_the_two_latest_started_periods_by_status(alliance, world, staff_user):
    current, previous, _old = world["periods"]
    pipeline = compute(alliance, membership_of(staff_user, alliance)).pipeline
    assert [p.name for p in pipeline.periods] == [current.name, previous.name]
    assert [s for s, _label in pipeline.statuses] == list(ClaimStatus.values)  # reviewers see drafts too
    for row in pipeline.periods:
        expected = Counter(Claim.objects.filter(period_id=row.period_id).values_list("status", flat=True))
        assert {c.status: c.count for c in row.counts} == {s: expected.get(s, 0) for s in ClaimStatus.values}
    in_progress = ("submitted", "school_confirmation", "under_review", "returned")
    assert pipeline.in_progress == Claim.objects.filter(status__in=in_progress).count() == 6


def test_bureau_pipeline_leaves_out_drafts(alliance, world):
    bureau = make_member(alliance, Role.BUREAU_OFFICIAL)
    pipeline = compute(alliance, membership_of(bureau, alliance)).pipeline
    assert ClaimStatus.DRAFT not in [s for s, _label in pipeline.statuses]
    assert pipeline.periods[0].total == Claim.objects.filter(period=world["periods"][0]).exclude(status="draft").count()


def test_subsidies_by_month_equal_an_independent_sum(alliance, world, staff_user):
    today = world["today"]
    subsidies = compute(alliance, membership_of(staff_user, alliance)).subsidies
    window = month_starts(today)
    assert len(window) == 12 and window[-1] == today.replace(day=1)
    approved, paid = Counter(), Counter()
    for run in CalculationRun.objects.filter(alliance=alliance):
        if run.status in APPROVED_RUN_STATUSES and run.finalised_at:
            approved[timezone.localtime(run.finalised_at).date().replace(day=1)] += run.total
        if run.status == RunStatus.PAID and run.paid_on:
            paid[run.paid_on.replace(day=1)] += run.total
    assert [(m.month, m.approved, m.paid) for m in subsidies.months] == [
        (month, approved.get(month, Decimal("0.00")), paid.get(month, Decimal("0.00"))) for month in window
    ]
    assert subsidies.approved_total == Decimal("1000.00") + Decimal("2000.50") + Decimal("3000.25")
    assert subsidies.paid_total == Decimal("3000.25")  # the run paid 13 months ago is outside the window
    this_year = [m for m in subsidies.months if m.month.year == today.year]
    assert subsidies.approved_this_year == sum((m.approved for m in this_year), Decimal("0.00"))


def test_upcoming_events_are_the_next_five_published_not_ended(alliance, world, staff_user):
    events = compute(alliance, membership_of(staff_user, alliance)).upcoming_events
    now = timezone.now()
    expected = list(
        Event.objects.filter(status=EventStatus.PUBLISHED, ends_at__gte=now).order_by("starts_at", "pk")[:5]
    )
    assert [e.id for e in events] == [e.pk for e in expected]
    assert events[0].title == "进行中的技能大赛" and events[1].title == "校企合作洽谈会"
    taken = Registration.objects.filter(event=world["first_event"], status__in=("registered", "confirmed", "checked_in"))
    assert events[1].places_taken == taken.count() == 2


# --- pages and API -----------------------------------------------------------------------------------------------


def test_page_shows_figures_charts_and_tables(alliance, world, staff_client):
    current = world["periods"][0]
    body = staff_client.get(page_url(alliance)).content.decode()
    for testid in ("key-figures", "claims-pipeline", "subsidies-by-month", "upcoming-events", "pending-work",
                   "chart-composition", "chart-pipeline", "chart-subsidies", "pipeline-table", "subsidies-table",
                   "subsidies-definition"):  # fmt: skip
        assert f'data-testid="{testid}"' in body, testid
    images = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)" alt="([^"]+)"', body)
    assert len(images) == 3
    for uri, alt in images:
        svg = base64.b64decode(uri.split(",", 1)[1]).decode()
        assert svg.startswith("<svg") and "<style" not in svg and alt
    assert "1,000.00" in body and "3,000.25" in body  # amounts in the subsidies table
    # A pipeline number opens the claim list filtered by period and status; the list agrees with it.
    link = reverse("claim-list", kwargs={"alliance_slug": alliance.slug}) + f"?period={current.pk}&amp;status=submitted"
    assert link in body
    listed = staff_client.get(link.replace("&amp;", "&")).content.decode()
    numbers = set(Claim.objects.filter(period=current, status="submitted").values_list("number", flat=True))
    others = set(Claim.objects.exclude(period=current, status="submitted").values_list("number", flat=True))
    assert numbers and all(n in listed for n in numbers) and not any(n in listed for n in others)
    # Upcoming events link to their pages.
    first = world["first_event"]
    assert reverse("event-detail", kwargs={"alliance_slug": alliance.slug, "event_id": first.pk}) in body
    assert "已取消活动" not in body and "草稿活动" not in body and "第6场专题研讨会" not in body


def test_api_gives_the_same_figures_with_money_as_strings(alliance, world, staff_client):
    data = staff_client.get(api_url(alliance)).json()
    assert data["members"]["total"] == 14
    assert data["pipeline"]["periods"][0]["name"] == "本学期"
    assert data["pipeline"]["in_progress"] == 6
    assert data["subsidies"]["approved_total"] == "6000.75" and data["subsidies"]["paid_total"] == "3000.25"
    assert isinstance(data["subsidies"]["months"][-1]["approved"], str)
    assert data["subsidies"]["months"][-1]["month"] == world["today"].replace(day=1).isoformat()
    assert [e["title"] for e in data["upcoming_events"]][:2] == ["进行中的技能大赛", "校企合作洽谈会"]


ROLE_PARTS = {
    # role: (members, pipeline, subsidies, events, pending work)
    Role.SECRETARIAT_ADMIN: (True, True, True, True, True),
    Role.SECRETARIAT_STAFF: (True, True, True, True, True),
    Role.BUREAU_OFFICIAL: (True, True, True, True, False),
    Role.MEMBER_REPRESENTATIVE: (False, False, False, True, False),
}


@pytest.mark.parametrize("role", list(ROLE_PARTS), ids=str)
def test_each_role_sees_only_its_parts(alliance, world, client, role):
    members, pipeline, subsidies, events, pending = ROLE_PARTS[role]
    client.force_login(make_member(alliance, role))
    body = client.get(page_url(alliance)).content.decode()
    assert ('data-testid="key-figures"' in body) is (members or pipeline or subsidies)
    assert ('data-testid="chart-composition"' in body) is members
    assert ('data-testid="claims-pipeline"' in body) is pipeline
    assert ('data-testid="subsidies-by-month"' in body) is subsidies
    assert ('data-testid="upcoming-events"' in body) is events
    assert ('data-testid="pending-work"' in body) is pending
    if role == Role.MEMBER_REPRESENTATIVE:
        assert "3,000.25" not in body and "本学期" not in body  # no money, no claims of others
    data = client.get(api_url(alliance)).json()
    assert (data["members"] is not None, data["pipeline"] is not None, data["subsidies"] is not None,
            data["upcoming_events"] is not None) == (members, pipeline, subsidies, events)  # fmt: skip


def test_auditor_has_no_dashboard(alliance, world, client):
    client.force_login(make_member(alliance, Role.AUDITOR))
    assert client.get(page_url(alliance)).status_code == 403
    assert client.get(api_url(alliance)).status_code == 403


def test_other_alliance_and_anonymous_get_nothing(alliance, other_alliance, world, client):
    client.force_login(make_member(other_alliance, Role.SECRETARIAT_ADMIN))
    assert client.get(page_url(alliance)).status_code == 404
    assert client.get(api_url(alliance)).status_code == 404
    client.logout()
    assert client.get(api_url(alliance)).status_code in (401, 403)
    assert client.get(page_url(alliance)).status_code == 302


def test_empty_alliance_renders(alliance, staff_client):
    body = staff_client.get(page_url(alliance)).content.decode()
    assert 'data-testid="chart-subsidies"' in body  # twelve empty months: a chart saying "no data"
    assert staff_client.get(api_url(alliance)).json()["pipeline"]["periods"] == []


# --- a constant number of queries ------------------------------------------------------------------------------


def grow(alliance, n: int):
    """n more enterprises, each with a claim, a finalised and a paid run, an upcoming event and a registration."""
    today = timezone.localdate()
    program, version = d.program(alliance, code=f"bulk-{n}")
    period_ = d.period(alliance, d.months_ago(today, 2, 1), name=f"批量学期{n}")
    units = MemberUnit.objects.bulk_create([
        MemberUnit(alliance=alliance, kind=MemberKind.ENTERPRISE, name=f"批量企业{n}-{i}", status="admitted",
                   admitted_on=today, credit_code=make_credit_code("91", "370303", f"{n * 10000 + i:09d}"))
        for i in range(n)
    ])  # fmt: skip
    statuses = list(ClaimStatus.values)
    Claim.objects.bulk_create([
        Claim(alliance=alliance, program=program, period=period_, enterprise=unit, number=f"BULK-{n}-{i}",
              status=statuses[i % len(statuses)])
        for i, unit in enumerate(units)
    ])  # fmt: skip
    now = timezone.now()
    CalculationRun.objects.bulk_create([
        CalculationRun(alliance=alliance, program=program, period=period_, program_version=version,
                       status=RunStatus.PAID if i % 2 else RunStatus.FINALISED, total=Decimal("10.00"),
                       finalised_at=now - datetime.timedelta(days=i % 300), paid_on=today - datetime.timedelta(days=i % 300))
        for i in range(n)
    ])  # fmt: skip
    events = Event.objects.bulk_create([
        Event(alliance=alliance, kind="seminar", title=f"批量活动{n}-{i}", starts_at=now + datetime.timedelta(hours=i + 1),
              ends_at=now + datetime.timedelta(hours=i + 2), status=EventStatus.PUBLISHED)
        for i in range(n)
    ])  # fmt: skip
    Registration.objects.bulk_create([
        Registration(alliance=alliance, event=event, member_unit=unit, person_name="批量", status="registered")
        for event, unit in zip(events, units, strict=True)
    ])  # fmt: skip


def test_constant_queries_for_10_and_1000_rows(alliance, staff_user, staff_client):
    membership = membership_of(staff_user, alliance)
    d.period(alliance, d.months_ago(timezone.localdate(), 3, 1), name="起始学期")

    def count():
        with CaptureQueriesContext(connection) as selectors:
            compute(alliance, membership)
        with CaptureQueriesContext(connection) as page:
            assert staff_client.get(page_url(alliance)).status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert staff_client.get(api_url(alliance)).status_code == 200
        return len(selectors), len(page), len(api)

    grow(alliance, 10)
    few = count()
    grow(alliance, 990)
    assert MemberUnit.objects.filter(alliance=alliance).count() == 1000
    assert Claim.objects.filter(alliance=alliance).count() == 1000
    assert count() == few
    assert few[0] <= 8


# --- language ------------------------------------------------------------------------------------------------


def test_page_is_chinese_by_default_and_english_on_request(alliance, world, staff_client):
    body = staff_client.get(page_url(alliance)).content.decode()
    assert '<html lang="zh-hans">' in body and "构成" in body
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = staff_client.get(page_url(alliance)).content.decode()
    assert '<html lang="en">' in body
    for text in ("Composition", "Claims pipeline", "Subsidies by month", "Upcoming events", "Technical school"):
        assert text in body, text

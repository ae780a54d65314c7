"""Calendar, event list and cooperation pages with 5,000 events (see bench/README.md).

An alliance with 300 member units, 5,000 events over four years around today (all kinds, most published), 20,000
registrations (a quarter checked in) and 1,000 cooperation records. Each page is requested 20 times as a
secretariat user (and the calendar also as a member representative) through Django's test client; the median time
and the number of queries are printed as Markdown rows.

Run on PostgreSQL:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/chanjiao_bench_events .venv/bin/python bench/events.py
Run on SQLite:      .venv/bin/python bench/events.py
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("VAR_DIR", "/tmp/chanjiao-bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from alliances.models import Alliance, AllianceKind, User  # noqa: E402
from alliances.permissions import Role  # noqa: E402
from alliances.services import grant_role  # noqa: E402
from alliances.tenancy import scope, unscoped  # noqa: E402
from events.models import (  # noqa: E402
    CalendarFeed,
    CooperationKind,
    CooperationRecord,
    Event,
    EventKind,
    EventStatus,
    FeedScope,
    Registration,
    RegistrationStatus,
)
from members.identifiers import make_credit_code  # noqa: E402
from members.models import MemberKind, MemberUnit  # noqa: E402

EVENTS = 5_000
UNITS = 300
REGISTRATIONS = 20_000
RECORDS = 1_000
REQUESTS = 20
SLUG = "bench-events"


def fresh_alliance() -> Alliance:
    with unscoped("bench: drop the previous run"):
        old = Alliance.objects.filter(slug=SLUG).first()
        if old is not None:
            from django.apps import apps

            from alliances.tenancy import is_tenant_owned

            for model in reversed(apps.get_models()):
                if is_tenant_owned(model) and model._meta.label != "alliances.AuditEntry":
                    model._base_manager.filter(alliance=old).delete()
            Alliance.objects.filter(pk=old.pk).delete()
    return Alliance.objects.create(
        name="基准测试职业教育集团（活动）", short_name="基准活动", slug=SLUG, kind=AllianceKind.VOCATIONAL_GROUP,
        region_code="370300",
    )  # fmt: skip


def user(username: str) -> User:
    return User.objects.filter(username=username).first() or User.objects.create_user(
        username, password="Bench#pass2026", name=username
    )


def populate(alliance):
    kinds = [MemberKind.ENTERPRISE] * 4 + [MemberKind.TECHNICAL_SCHOOL]
    units = MemberUnit.objects.bulk_create(
        [
            MemberUnit(alliance=alliance, kind=kinds[n % 5], name=f"基准活动单位{n:04d}", status="admitted",
                       credit_code=make_credit_code("91" if n % 5 else "12", "370303", f"{n + 500000:09d}"),
                       admitted_on=datetime.date(2020, 1, 1))
            for n in range(UNITS)
        ]
    )  # fmt: skip
    # Cooperation among the first two thirds of the units only: the others are left with old attendance or nothing.
    schools = [u for u in units[: UNITS * 2 // 3] if u.kind == MemberKind.TECHNICAL_SCHOOL]
    enterprises = [u for u in units if u.kind == MemberKind.ENTERPRISE]
    partners = [u for u in enterprises if u in units[: UNITS * 2 // 3]]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now - datetime.timedelta(days=3 * 365)
    span_hours = 4 * 365 * 24
    statuses = (
        [EventStatus.PUBLISHED] * 6 + [EventStatus.FINISHED] * 2 + [EventStatus.DRAFT, EventStatus.CANCELLED]
    )
    events = Event.objects.bulk_create(
        [
            Event(alliance=alliance, kind=EventKind.values[n % 9], title=f"基准活动{n:05d}",
                  starts_at=start + datetime.timedelta(hours=(n * 7919) % span_hours),
                  ends_at=start + datetime.timedelta(hours=(n * 7919) % span_hours + 3),
                  venue="淄博市技师学院", host_unit=units[n % UNITS], status=statuses[n % 10], capacity=200)
            for n in range(EVENTS)
        ],
        batch_size=2000,
    )  # fmt: skip
    Registration.objects.bulk_create(
        [
            Registration(alliance=alliance, event=events[n % EVENTS], member_unit=units[(n * 31) % UNITS],
                         person_name=f"参会人{n}",
                         status=RegistrationStatus.CHECKED_IN if n % 4 == 0 else RegistrationStatus.REGISTERED)
            for n in range(REGISTRATIONS)
        ],
        batch_size=5000,
    )  # fmt: skip
    CooperationRecord.objects.bulk_create(
        [
            CooperationRecord(alliance=alliance, kind=CooperationKind.values[n % 10], title=f"基准合作{n:04d}",
                              school=schools[n % len(schools)], enterprise=partners[n % len(partners)],
                              signed_on=(now - datetime.timedelta(days=n % 1200)).date(),
                              class_name="基准班" if n % 10 in (2, 3) else "",
                              students=40 if n % 10 in (2, 3) else None,
                              graduation_year=2027 if n % 10 in (2, 3) else None)
            for n in range(RECORDS)
        ],
        batch_size=2000,
    )  # fmt: skip
    return units, enterprises


def timed(client, path, params=None, cold=False):
    timings, queries, size = [], 0, 0
    for _ in range(5 if cold else REQUESTS):
        if cold:
            cache.clear()  # the feed is built again, not served from the cache
        with CaptureQueriesContext(connection) as captured:
            begin = time.perf_counter()
            response = client.get(path, params or {})
            body = b"".join(response.streaming_content) if response.streaming else response.content
            timings.append(time.perf_counter() - begin)
        assert response.status_code == 200, (path, response.status_code)
        queries, size = len(captured), len(body)
    return statistics.median(timings) * 1000, queries, size


def main():
    call_command("migrate", verbosity=0)
    alliance = fresh_alliance()
    staff, rep = user("bench-events-staff"), user("bench-events-rep")
    with scope(alliance.pk):
        started = time.perf_counter()
        units, enterprises = populate(alliance)
        print(f"populated in {time.perf_counter() - started:.1f} s")
        if connection.vendor == "postgresql":  # fresh statistics, as autovacuum would give a real database
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        grant_role(alliance=alliance, user=staff, role=Role.SECRETARIAT_STAFF)
        grant_role(alliance=alliance, user=rep, role=Role.MEMBER_REPRESENTATIVE, member_unit=enterprises[0])
        alliance_feed = CalendarFeed.objects.create(alliance=alliance, user=staff, scope=FeedScope.ALLIANCE)
        unit_feed = CalendarFeed.objects.create(
            alliance=alliance, user=rep, scope=FeedScope.MEMBER_UNIT, member_unit=enterprises[0]
        )
    month = timezone.localdate().strftime("%Y-%m")
    a = f"/a/{SLUG}"
    api = f"/api/v1/alliances/{SLUG}"
    pages = [
        ("staff", "calendar month view (this month)", f"{a}/calendar/", {"month": month}),
        ("rep", "calendar month view, representative", f"{a}/calendar/", {"month": month}),
        ("staff", "calendar list, upcoming, page 1", f"{a}/calendar/list/", {}),
        ("staff", "calendar list, past, page 100", f"{a}/calendar/list/", {"when": "past", "page": "100"}),
        ("staff", "cooperation list, order classes", f"{a}/cooperation/", {"kind": "order_class"}),
        ("staff", "dormant members", f"{a}/members/dormant/", {}),
        ("staff", "API cooperation records, first page", f"{api}/cooperation-records/", {}),
        ("staff", "API member activity (last activity of every unit)", f"{api}/member-activity/", {"page_size": 500}),
        ("staff", "API dormant members", f"{api}/dormant-members/", {"page_size": 500}),
        ("cold", "iCalendar feed, whole alliance (a year back + future), built", f"{a}/calendar/feed/{alliance_feed.token}.ics", {}),
        ("anon", "iCalendar feed, whole alliance, from the cache", f"{a}/calendar/feed/{alliance_feed.token}.ics", {}),
        ("cold", "iCalendar feed, one unit, built", f"{a}/calendar/feed/{unit_feed.token}.ics", {}),
    ]  # fmt: skip
    try:  # the event pages of the events helper, when present
        pages.insert(4, ("staff", "event list page, first page", reverse("event-list", args=[SLUG]), {}))
        pages.insert(5, ("staff", "API event list, first page", reverse("api:event-list", args=[SLUG]), {}))
    except NoReverseMatch:
        print("(no event list page or API yet)")
    clients = {"staff": Client(), "rep": Client(), "anon": Client(), "cold": Client()}
    clients["staff"].force_login(staff)
    clients["rep"].force_login(rep)
    print(f"\n{EVENTS} events, {REGISTRATIONS} registrations, {RECORDS} cooperation records on {connection.vendor}; "
          f"median of {REQUESTS} requests")  # fmt: skip
    with scope(alliance.pk):
        from events.activity import dormant_members

        print(f"dormant members: {dormant_members().count()} of {UNITS}")
    print("| what | median | queries | size |")
    print("|---|---|---|---|")
    for who, label, path, params in pages:
        median_ms, queries, size = timed(clients[who], path, params, cold=who == "cold")
        print(f"| {label} | {median_ms:.0f} ms | {queries} | {size / 1024:.0f} KiB |")


if __name__ == "__main__":
    main()

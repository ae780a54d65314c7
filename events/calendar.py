"""The alliance's calendar: which events a user sees, the month grid, and private iCalendar (RFC 5545) feeds.

A feed is a `CalendarFeed` row: its token in the URL is the only key, so it opens without login (calendar
programs cannot log in). It answers only while its owner still holds a grant in the alliance that lets them
see events (and, for a unit's feed, still represents that unit); regenerating the address makes the old token
worthless at once, revoking removes it.
"""

from __future__ import annotations

import calendar as pycalendar
import hashlib
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from alliances.audit import record_event
from alliances.permissions import Action

from .models import (
    CalendarFeed,
    Event,
    EventOrganiser,
    EventStatus,
    FeedScope,
    Registration,
    RegistrationStatus,
    new_token,
)

# Events the members see; staff who manage events also see drafts.
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.FINISHED, EventStatus.CANCELLED)
# How far back a feed reaches (calendar programs keep what they have already seen).
FEED_PAST_DAYS = 366
# A built feed is kept this long unless its events change (calendar programs poll every few minutes to hours).
FEED_CACHE_SECONDS = 3600


def calendar_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def visible_events(membership) -> QuerySet:
    """Events `membership` may see on the calendar: all for those who manage events, otherwise no drafts."""
    events = Event.objects.all()
    if not membership.can(Action.MANAGE_EVENTS):
        events = events.filter(status__in=PUBLIC_STATUSES)
    return events


def local_days(event: Event) -> tuple[date, date]:
    """First and last calendar day (Asia/Shanghai) an event occupies. An event ending at 00:00 sharp does not
    occupy the day it ends on."""
    zone = calendar_zone()
    start = event.starts_at.astimezone(zone)
    end = event.ends_at.astimezone(zone)
    if end > start and end.time() == time(0, 0):
        end -= timedelta(microseconds=1)
    return start.date(), max(start.date(), end.date())


# --- The month grid --------------------------------------------------------------------------------------


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    events: list = field(default_factory=list)
    starting: set = field(default_factory=set)  # pks of the events that start on this day


@dataclass
class Month:
    first: date
    weeks: list[list[Day]]

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=32)).replace(day=1)


def parse_month(value: str | None, today: date) -> date:
    """'2026-05' → 1 May 2026; anything unreadable (or out of range) → the current month."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 1900 <= year <= 2200:
            return date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def month_grid(events: QuerySet, first: date, today: date, url_for=None) -> Month:
    """The weeks (Monday first) covering the month of `first`, each day with the events it shows, in one query.

    Each event gets what the page shows, worked out once rather than per day in the template: `local_start` and
    `local_end` (Asia/Shanghai), their labels `span_label` and `start_label`, and `page_url` (from `url_for`)."""
    first = first.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    zone = calendar_zone()
    window_start = datetime.combine(grid_start, time(0, 0), zone)
    window_end = datetime.combine(grid_end + timedelta(days=1), time(0, 0), zone)
    rows = events.filter(starts_at__lt=window_end, ends_at__gt=window_start).order_by("starts_at", "pk")
    days = {}
    day = grid_start
    while day <= grid_end:
        days[day] = Day(day=day, in_month=day.month == first.month, is_today=day == today)
        day += timedelta(days=1)
    for event in rows:
        event.local_start, event.local_end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
        event.span_label = f"{event.local_start:%Y-%m-%d %H:%M}–{event.local_end:%Y-%m-%d %H:%M}"
        event.start_label = f"{event.local_start:%H:%M}"
        event.page_url = url_for(event) if url_for else None
        start, end = local_days(event)
        if start in days:
            days[start].starting.add(event.pk)
        day = max(start, grid_start)
        while day <= min(end, grid_end):
            days[day].events.append(event)
            day += timedelta(days=1)
    ordered = list(days.values())
    return Month(first=first, weeks=[ordered[i : i + 7] for i in range(0, len(ordered), 7)])


# --- Feeds: issuing, regenerating, revoking ----------------------------------------------------------------


def feed_scopes(membership) -> list[str]:
    """The feeds a user may have: the alliance's, and their unit's when they represent one."""
    scopes = [FeedScope.ALLIANCE]
    if membership.member_unit_id:
        scopes.append(FeedScope.MEMBER_UNIT)
    return scopes


@transaction.atomic
def issue_feed(*, alliance, user, membership, feed_scope: str, regenerate: bool = False) -> CalendarFeed:
    """The user's feed of `feed_scope`, made when missing; `regenerate` gives it a new token (the old one stops
    working at once)."""
    if feed_scope not in feed_scopes(membership):
        raise ValueError(feed_scope)
    unit_id = membership.member_unit_id if feed_scope == FeedScope.MEMBER_UNIT else None
    feed = CalendarFeed.objects.select_for_update().filter(user=user, scope=feed_scope).first()
    if feed is None:
        try:
            with transaction.atomic():  # a savepoint: a second click racing this one made the row first
                feed = CalendarFeed.objects.create(
                    alliance=alliance, user=user, scope=feed_scope, member_unit_id=unit_id
                )
        except IntegrityError:
            return CalendarFeed.objects.get(user=user, scope=feed_scope)
        record_event("events.calendar_feed.created", feed, detail={"scope": feed_scope})
        return feed
    if regenerate or feed.member_unit_id != unit_id:
        feed.token = new_token()
        feed.member_unit_id = unit_id
        feed.last_fetched_at = None
        feed.save(update_fields=["token", "member_unit", "last_fetched_at"])
        record_event("events.calendar_feed.regenerated", feed, detail={"scope": feed_scope})
    return feed


@transaction.atomic
def revoke_feed(feed: CalendarFeed) -> None:
    record_event("events.calendar_feed.revoked", feed, detail={"scope": feed.scope})
    feed.delete()


def feed_for_token(alliance, token: str) -> CalendarFeed | None:
    """The feed a token opens in `alliance` (the active scope), or None when the token is unknown or its owner
    may no longer see the alliance's events (grant revoked, account disabled, no longer the unit's
    representative)."""
    from alliances.access import access_alliance_by_slug

    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        return None
    try:
        membership = access_alliance_by_slug(feed.user, alliance.slug)
    except Http404:  # no grant any more
        return None
    if not membership.can(Action.VIEW_EVENTS):
        return None
    if feed.scope == FeedScope.MEMBER_UNIT and (
        feed.member_unit_id is None or feed.member_unit_id != membership.member_unit_id
    ):
        return None
    return feed


def feed_events(feed: CalendarFeed, *, now: datetime | None = None) -> QuerySet:
    """What a feed shows: published, finished and cancelled events of the last year and the future; for a unit's
    feed only those it registered for (and did not cancel), hosts or organises."""
    now = now or timezone.now()
    events = Event.objects.filter(
        status__in=PUBLIC_STATUSES, ends_at__gte=now - timedelta(days=FEED_PAST_DAYS)
    )
    if feed.scope == FeedScope.MEMBER_UNIT:
        unit = feed.member_unit_id
        registered = Registration.objects.filter(member_unit_id=unit).exclude(
            status=RegistrationStatus.CANCELLED
        )
        organised = EventOrganiser.objects.filter(member_unit_id=unit)
        events = events.filter(
            Q(host_unit_id=unit)
            | Q(pk__in=registered.values("event_id"))
            | Q(pk__in=organised.values("event_id"))
        )
    return events.select_related("host_unit").order_by("starts_at", "pk")


def feed_body(feed: CalendarFeed, *, alliance, host: str, base_url: str, name: str) -> bytes:
    """The feed's iCalendar text, from the cache while none of its events changed.

    Building 2,000 events with `icalendar` takes about two seconds; a calendar program asks again every few
    minutes or hours. The cache key holds the feed's token and address and a one-query fingerprint of its events
    (how many, the latest change, the highest id, the sum of sequences), so an added, changed, cancelled or
    removed event — or a new token — gives a new key; other changes (a host unit's name) show within the hour."""
    events = feed_events(feed)
    fingerprint = events.order_by().aggregate(
        count=Count("pk"), changed=Max("updated_at"), last=Max("pk"), sequences=Sum("sequence")
    )
    digest = hashlib.sha256(
        repr((feed.pk, feed.token, host, base_url, name, fingerprint)).encode()
    ).hexdigest()
    key = f"events:ics:{digest}"
    body = cache.get(key)
    if body is None:
        body = build_calendar(events, alliance=alliance, host=host, base_url=base_url, name=name)
        cache.set(key, body, FEED_CACHE_SECONDS)
    return body


# --- iCalendar -----------------------------------------------------------------------------------------------


def event_url_maker(base_url: str, alliance):
    """A function event → its page's absolute URL (one reverse() for the whole feed), or None without the page."""
    placeholder = 987654321
    try:
        path = reverse("event-detail", kwargs={"alliance_slug": alliance.slug, "event_id": placeholder})
    except NoReverseMatch:
        return lambda event: None
    head, tail = f"{base_url}{path}".split(str(placeholder), 1)
    return lambda event: f"{head}{event.pk}{tail}"


def build_calendar(events, *, alliance, host: str, base_url: str, name: str) -> bytes:
    """An RFC 5545 VCALENDAR of `events`: one VEVENT each (UID event.uid@host, DTSTAMP, DTSTART/DTEND with
    TZID Asia/Shanghai and its VTIMEZONE, SUMMARY, LOCATION, DESCRIPTION, STATUS, SEQUENCE, URL)."""
    zone = calendar_zone()
    utc = zoneinfo.ZoneInfo("UTC")
    event_url = event_url_maker(base_url, alliance)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Chanjiao//Chanjiao calendar//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for event in events:
        item = icalendar.Event()
        item.add("uid", f"{event.uid}@{host}")
        item.add("dtstamp", (event.updated_at or timezone.now()).astimezone(utc))
        item.add("dtstart", event.starts_at.astimezone(zone))
        item.add("dtend", event.ends_at.astimezone(zone))
        item.add("summary", event.title)
        if event.venue:
            item.add("location", event.venue)
        description = event.description
        if event.host_unit_id:
            description = f"{event.host_unit.name}\n\n{description}".strip()
        if description:
            item.add("description", description)
        item.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
        item.add("sequence", event.sequence)
        if event.updated_at:
            item.add("last-modified", event.updated_at.astimezone(utc))
        url = event_url(event)
        if url:
            item.add("url", url)
        cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()

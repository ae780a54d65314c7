"""The calendar: a month grid (Monday first) and a list of upcoming or past events, for everyone who may see events
(members see published, finished and cancelled events; those who manage events also drafts); the user's private
iCalendar feed addresses; and the feed itself, opened by its token without login."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from alliances.generic import AllianceListView, AllianceView
from alliances.middleware import public_alliance_view
from alliances.permissions import Action

from .. import calendar as cal
from ..models import CalendarFeed, EventKind, FeedScope

WHEN_CHOICES = ("upcoming", "past")


class CalendarMonthView(AllianceView, TemplateView):
    template_name = "events/calendar_month.html"
    required_action = Action.VIEW_EVENTS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        first = cal.parse_month(self.request.GET.get("month"), today)
        url_for = cal.event_url_maker("", self.alliance)
        month = cal.month_grid(cal.visible_events(self.membership), first, today, url_for=url_for)
        context.update(
            month=month,
            weekdays=[WEEKDAYS[number] for number in range(7)],  # Monday first, translated by gettext
            kinds=EventKind.choices,
            this_month=today.replace(day=1),
            can_manage=self.membership.can(Action.MANAGE_EVENTS),
        )
        return context


class CalendarListView(AllianceListView):
    """Upcoming events (soonest first) or past ones (latest first), optionally of one kind."""

    template_name = "events/calendar_list.html"
    required_action = Action.VIEW_EVENTS

    def get_queryset(self):
        self.filterset = None  # two plain parameters (when, kind), read here
        self.when = (
            self.request.GET.get("when") if self.request.GET.get("when") in WHEN_CHOICES else "upcoming"
        )
        self.kind = self.request.GET.get("kind") if self.request.GET.get("kind") in EventKind.values else ""
        events = cal.visible_events(self.membership).select_related("host_unit")
        if self.kind:
            events = events.filter(kind=self.kind)
        now = timezone.now()
        if self.when == "upcoming":
            return events.filter(ends_at__gte=now).order_by("starts_at", "pk")
        return events.filter(ends_at__lt=now).order_by("-starts_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(when=self.when, kind=self.kind, kinds=EventKind.choices)
        return context


# --- Feeds ---------------------------------------------------------------------------------------------------


def feed_url(request, feed: CalendarFeed) -> str:
    path = reverse("calendar-feed", kwargs={"alliance_slug": request.alliance.slug, "token": feed.token})
    return request.build_absolute_uri(path)


class CalendarFeedsView(AllianceView, View):
    """The user's feed addresses: get one, or a new one (the old address stops working)."""

    required_action = Action.VIEW_EVENTS
    template_name = "events/calendar_feeds.html"

    def get(self, request, alliance_slug):
        scopes = cal.feed_scopes(self.membership)
        feeds = {
            feed.scope: feed for feed in CalendarFeed.objects.filter(user=request.user, scope__in=scopes)
        }
        rows = [
            {"scope": scope, "label": FeedScope(scope).label, "feed": feeds.get(scope),
             "url": feed_url(request, feeds[scope]) if scope in feeds else ""}
            for scope in scopes
        ]  # fmt: skip
        return render(request, self.template_name, {"rows": rows})

    def post(self, request, alliance_slug):
        scope = request.POST.get("scope")
        if scope not in cal.feed_scopes(self.membership):
            messages.error(request, _("Choose one of the calendars offered."))
            return redirect("calendar-feeds", alliance_slug=alliance_slug)
        regenerate = request.POST.get("regenerate") == "1"
        cal.issue_feed(
            alliance=self.alliance, user=request.user, membership=self.membership, feed_scope=scope,
            regenerate=regenerate,
        )  # fmt: skip
        if regenerate:
            messages.success(request, _("A new address was made; the old one no longer works."))
        else:
            messages.success(request, _("Your private calendar address is ready."))
        return redirect("calendar-feeds", alliance_slug=alliance_slug)


class CalendarFeedRevokeView(AllianceView, View):
    required_action = Action.VIEW_EVENTS

    def post(self, request, alliance_slug, calendarfeed_id):
        feed = CalendarFeed.objects.filter(pk=calendarfeed_id, user=request.user).first()
        if feed is None:
            raise Http404
        cal.revoke_feed(feed)
        messages.success(request, _("The calendar address was removed; it no longer works."))
        return redirect("calendar-feeds", alliance_slug=alliance_slug)


@public_alliance_view
def calendar_feed(request, alliance_slug, token):
    """The iCalendar feed. No login (calendar programs cannot log in): the token is the key, checked in the
    alliance of the address; an unknown, regenerated or revoked token, or one whose owner lost access, is 404."""
    if request.method not in ("GET", "HEAD"):
        raise Http404
    feed = cal.feed_for_token(request.alliance, token)
    if feed is None:
        raise Http404
    host = request.get_host().split(":")[0]
    base_url = f"{request.scheme}://{request.get_host()}"
    name = request.alliance.short_name or request.alliance.name
    if feed.scope == FeedScope.MEMBER_UNIT and feed.member_unit_id:
        name = f"{name} · {feed.member_unit.name}"
    body = cal.feed_body(feed, alliance=request.alliance, host=host, base_url=base_url, name=name)
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response

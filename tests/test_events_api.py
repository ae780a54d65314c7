"""The events API: events (staff CRUD and steps, members read), agenda items, registrations (register, cancel,
confirm, on behalf), check-in by token; filters shared with the page; 400 and 409; masking; constant queries;
the OpenAPI schema."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from alliances.permissions import Role
from events.models import Event, EventKind, EventStatus, Registration, RegistrationStatus
from events.services import events as event_services
from events.services import registrations as services

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db
R = RegistrationStatus


def api(name, alliance, **kwargs):
    return reverse(f"api:{name}", kwargs={"alliance_slug": alliance.slug, **kwargs})


def make_event(alliance, *, publish=True, **extra) -> Event:
    starts = timezone.now() + datetime.timedelta(days=5)
    data = {"kind": EventKind.JOB_FAIR, "title": "春季专场招聘会", "starts_at": starts,
            "ends_at": starts + datetime.timedelta(hours=4), "registration_opens": True, **extra}  # fmt: skip
    event = event_services.create_event(alliance=alliance, data=data)
    return event_services.publish_event(event) if publish else event


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff(staff_user):
    return client_for(staff_user)


@pytest.fixture
def unit(alliance):
    return make_unit(alliance, name="淄博精工有限公司")


@pytest.fixture
def rep(alliance, unit):
    return client_for(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=unit))


def test_staff_create_publish_and_cancel(alliance, staff, unit):
    starts = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    body = {"kind": "competition", "title": "焊工技能大赛", "starts_at": starts.isoformat(),
            "ends_at": (starts + datetime.timedelta(hours=6)).isoformat(), "venue": "实训基地",
            "host_unit": unit.pk, "organisers": [unit.pk], "capacity": 20, "quota_per_unit": 2}  # fmt: skip
    bad = staff.post(api("event-list", alliance), {**body, "ends_at": (starts - datetime.timedelta(hours=1)).isoformat()},
                     format="json")  # fmt: skip
    assert bad.status_code == 400 and "ends_at" in bad.json()["error"]["details"]
    created = staff.post(api("event-list", alliance), body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (
        data["status"] == "draft"
        and data["organisers"] == [unit.pk]
        and data["attendance"]["registered"] == 0
    )
    event_id = data["id"]
    assert created["Location"].endswith(api("event-detail", alliance, event_id=event_id))
    patched = staff.patch(
        api("event-detail", alliance, event_id=event_id), {"venue": "新实训基地"}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["venue"] == "新实训基地"
    published = staff.post(api("event-publish", alliance, event_id=event_id))
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = staff.post(api("event-publish", alliance, event_id=event_id))
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert staff.delete(api("event-detail", alliance, event_id=event_id)).status_code == 409
    no_reason = staff.post(api("event-cancel", alliance, event_id=event_id), {}, format="json")
    assert no_reason.status_code == 400
    cancelled = staff.post(
        api("event-cancel", alliance, event_id=event_id), {"reason": "改期"}, format="json"
    )
    assert cancelled.status_code == 200 and cancelled.json()["cancellation_reason"] == "改期"
    assert staff.post(api("event-minutes", alliance, event_id=event_id), {"minutes": "x"}).status_code == 409


def test_drafts_are_deleted_and_hidden_from_members(alliance, staff, rep):
    draft = make_event(alliance, publish=False, title="草稿活动")
    published = make_event(alliance, title="已发布活动")
    titles = {e["title"] for e in rep.get(api("event-list", alliance)).json()["results"]}
    assert titles == {"已发布活动"}
    assert rep.get(api("event-detail", alliance, event_id=draft.pk)).status_code == 404
    assert rep.post(api("event-list", alliance), {"title": "x"}).status_code == 403
    assert rep.post(api("event-publish", alliance, event_id=draft.pk)).status_code == 403
    assert staff.delete(api("event-detail", alliance, event_id=draft.pk)).status_code == 204
    assert staff.get(api("event-detail", alliance, event_id=published.pk)).status_code == 200


def test_list_filters_are_the_pages(alliance, staff):
    make_event(alliance, title="春季专场招聘会")
    make_event(alliance, title="数控大赛", kind=EventKind.COMPETITION)
    make_event(alliance, title="年会", kind=EventKind.ANNUAL_MEETING, publish=False)

    def titles(**query):
        return {e["title"] for e in staff.get(api("event-list", alliance), query).json()["results"]}

    assert titles(kind="competition") == {"数控大赛"}
    assert titles(status="draft") == {"年会"}
    assert titles(q="招聘") == {"春季专场招聘会"}
    assert titles(starts_from=(timezone.localdate() + datetime.timedelta(days=30)).isoformat()) == set()


def test_agenda_items(alliance, staff, rep):
    event = make_event(alliance)
    first = staff.post(api("agenda-item-list", alliance), {"event": event.pk, "starts_at": "09:00", "topic": "开幕"},
                       format="json")  # fmt: skip
    second = staff.post(api("agenda-item-list", alliance), {"event": event.pk, "topic": "企业宣讲", "speaker": "王总"},
                        format="json")  # fmt: skip
    assert first.status_code == second.status_code == 201
    assert (
        staff.post(
            api("agenda-item-list", alliance), {"event": event.pk, "topic": ""}, format="json"
        ).status_code
        == 400
    )
    moved = staff.post(
        api("agenda-item-move", alliance, agendaitem_id=second.json()["id"]), {"direction": "up"}
    )
    assert [item["topic"] for item in moved.json()] == ["企业宣讲", "开幕"]
    listed = rep.get(api("agenda-item-list", alliance), {"event": event.pk}).json()["results"]
    assert [item["topic"] for item in listed] == ["企业宣讲", "开幕"]
    assert rep.post(api("agenda-item-list", alliance), {"event": event.pk, "topic": "x"}).status_code == 403
    patched = staff.patch(
        api("agenda-item-detail", alliance, agendaitem_id=first.json()["id"]), {"topic": "开幕式"}
    )
    assert patched.json()["topic"] == "开幕式"
    assert (
        staff.delete(api("agenda-item-detail", alliance, agendaitem_id=first.json()["id"])).status_code == 204
    )
    detail = rep.get(api("event-detail", alliance, event_id=event.pk)).json()
    assert [item["topic"] for item in detail["agenda"]] == ["企业宣讲"]


def test_registration_flow(alliance, staff, rep, unit):
    event = make_event(alliance, capacity=1)
    registered = rep.post(api("registration-list", alliance),
                          {"event": event.pk, "person_name": "应聘者甲", "mobile": "13912345678"}, format="json")  # fmt: skip
    assert registered.status_code == 201 and registered.json()["status"] == "registered"
    assert registered.json()["member_unit"] == unit.pk and registered.json()["mobile"] == "13912345678"
    assert "?code=" in registered.json()["check_in_url"]
    waiting = rep.post(
        api("registration-list", alliance), {"event": event.pk, "person_name": "应聘者乙"}, format="json"
    )
    assert waiting.status_code == 201 and waiting.json()["status"] == "waitlisted"
    bad = rep.post(api("registration-list", alliance), {"event": event.pk, "person_name": "丙", "mobile": "1"},
                   format="json")  # fmt: skip
    assert bad.status_code == 400 and "mobile" in bad.json()["error"]["details"]
    cancelled = rep.post(api("registration-cancel", alliance, registration_id=registered.json()["id"]))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Registration.objects.get(pk=waiting.json()["id"]).status == R.REGISTERED  # promoted
    again = rep.post(api("registration-cancel", alliance, registration_id=registered.json()["id"]))
    assert again.status_code == 409
    confirmed = staff.post(api("registration-confirm", alliance, registration_id=waiting.json()["id"]))
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert (
        rep.post(api("registration-confirm", alliance, registration_id=waiting.json()["id"])).status_code
        == 403
    )


def test_registering_closed_events_answers_409_and_drafts_are_unknown(alliance, rep):
    draft = make_event(alliance, publish=False)
    unknown = rep.post(
        api("registration-list", alliance), {"event": draft.pk, "person_name": "甲"}, format="json"
    )
    assert unknown.status_code == 400 and "event" in unknown.json()["error"]["details"]
    closed = make_event(alliance)
    Event.objects.filter(pk=closed.pk).update(
        registration_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    answer = rep.post(
        api("registration-list", alliance), {"event": closed.pk, "person_name": "甲"}, format="json"
    )
    assert answer.status_code == 409


def test_representatives_touch_only_their_own_units_registrations(alliance, staff, rep, unit):
    event = make_event(alliance)
    other_unit = make_unit(alliance, name="别家单位")
    theirs = services.register(event, member_unit=other_unit, person_name="别人", mobile="13700001111")
    mine = services.register(event, member_unit=unit, person_name="自己")
    listed = {r["person_name"] for r in rep.get(api("registration-list", alliance)).json()["results"]}
    assert listed == {"自己"}
    assert rep.get(api("registration-detail", alliance, registration_id=theirs.pk)).status_code == 404
    assert rep.post(api("registration-cancel", alliance, registration_id=theirs.pk)).status_code == 404
    assert (
        rep.post(api("registration-secretariat-cancel", alliance, registration_id=mine.pk)).status_code == 403
    )
    # The bureau reads every registration, masked, without the check-in address.
    bureau = client_for(make_member(alliance, Role.BUREAU_OFFICIAL))
    seen = {
        r["person_name"]: r
        for r in bureau.get(api("registration-list", alliance), {"event": event.pk}).json()["results"]
    }
    assert seen["别人"]["mobile"] == "137****1111" and seen["别人"]["check_in_url"] is None
    assert bureau.post(api("registration-cancel", alliance, registration_id=theirs.pk)).status_code == 403
    # Staff may reveal and act on behalf of a unit.
    assert (
        staff.get(api("registration-detail", alliance, registration_id=theirs.pk)).json()["mobile"]
        == "13700001111"
    )
    behalf = staff.post(api("registration-on-behalf", alliance),
                        {"event": event.pk, "member_unit": other_unit.pk, "person_name": "代报"}, format="json")  # fmt: skip
    assert behalf.status_code == 201 and behalf.json()["member_unit"] == other_unit.pk


def test_check_in_by_token_and_by_hand(alliance, staff, unit, other_alliance):
    event, elsewhere = make_event(alliance), make_event(alliance, title="另一场")
    registration = services.register(event, member_unit=unit, person_name="签到人")
    stranger = services.register(elsewhere, member_unit=unit, person_name="外人")
    foreign = services.register(
        make_event(other_alliance), member_unit=make_unit(other_alliance), person_name="乙方"
    )
    path = api("event-check-in", alliance, event_id=event.pk)
    scanned = f"https://cj.example.cn/a/{alliance.slug}/events/{event.pk}/check-in/?code={registration.check_in_token}"
    done = staff.post(path, {"code": scanned}, format="json")
    assert done.status_code == 200 and done.json()["already_checked_in"] is False
    assert done.json()["registration"]["status"] == "checked_in"
    assert (
        staff.post(path, {"code": registration.check_in_token}, format="json").json()["already_checked_in"]
        is True
    )
    for code in (stranger.check_in_token, foreign.check_in_token):
        refused = staff.post(path, {"code": code}, format="json")
        assert refused.status_code == 400 and "code" in refused.json()["error"]["details"]
    by_hand = staff.post(api("registration-check-in", alliance, registration_id=stranger.pk))
    assert by_hand.status_code == 200 and by_hand.json()["registration"]["status"] == "checked_in"


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_lists_run_the_same_queries_for_10_and_100_rows(alliance, staff, unit):
    organiser = make_unit(alliance)
    starts = timezone.now() + datetime.timedelta(days=2)
    main_event = make_event(alliance)

    def add(count):
        events = Event.objects.bulk_create([
            Event(alliance=alliance, kind=EventKind.TRAINING, title=f"培训{n}", starts_at=starts,
                  ends_at=starts + datetime.timedelta(hours=1), status=EventStatus.PUBLISHED, host_unit=unit)
            for n in range(count)
        ])  # fmt: skip
        for event in events[:3]:
            event.organisers.add(organiser, through_defaults={"alliance": alliance})
        Registration.objects.bulk_create([
            Registration(alliance=alliance, event=main_event, member_unit=unit, person_name=f"学员{count}-{n}")
            for n in range(count)
        ])  # fmt: skip

    events_path, registrations_path = api("event-list", alliance), api("registration-list", alliance)
    add(10)
    few = (_count(staff, events_path), _count(staff, registrations_path))
    add(90)
    assert (_count(staff, events_path), _count(staff, registrations_path)) == few


def test_openapi_documents_the_event_routes(staff_client):
    schema = staff_client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in (
        "/api/v1/alliances/{alliance_slug}/events/",
        "/api/v1/alliances/{alliance_slug}/events/{event_id}/publish/",
        "/api/v1/alliances/{alliance_slug}/events/{event_id}/check-in/",
        "/api/v1/alliances/{alliance_slug}/agenda-items/{agendaitem_id}/move/",
        "/api/v1/alliances/{alliance_slug}/registrations/on-behalf/",
        "/api/v1/alliances/{alliance_slug}/registrations/{registration_id}/cancel/",
    ):
        assert path in schema["paths"], path
    assert (
        "409"
        in schema["paths"]["/api/v1/alliances/{alliance_slug}/events/{event_id}/publish/"]["post"][
            "responses"
        ]
    )

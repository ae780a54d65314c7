"""Every foreign key a form, filter or serializer of the events app takes is limited to the alliance of the request:
an id of another alliance's member unit, event or meeting is refused like an unknown id (400 or a form error), its
name is never offered as a choice, and nothing is written. The querysets are declared on the scoped default
manager (alliances/tenancy.py), which filters them when they are evaluated inside the request."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from alliances.governance import GoverningBody, Meeting
from alliances.permissions import Role
from events.models import (
    AgendaItem,
    CooperationKind,
    CooperationRecord,
    Event,
    EventKind,
    EventStatus,
    Registration,
)
from members.models import MemberKind

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db


def api(name, alliance, **kwargs):
    return reverse(f"api:{name}", kwargs={"alliance_slug": alliance.slug, **kwargs})


def page(name, alliance, **kwargs):
    return reverse(name, kwargs={"alliance_slug": alliance.slug, **kwargs})


def event_of(alliance, title, kind=EventKind.CEREMONY, status=EventStatus.PUBLISHED) -> Event:
    starts = timezone.now() + datetime.timedelta(days=10)
    return Event.objects.create(
        alliance=alliance, kind=kind, title=title, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2),
        status=status, published_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def world(alliance, other_alliance):
    """Alliance A (the user's) and B, each with a school, an enterprise and a published signing ceremony."""
    return {
        "school": make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="甲方技师学院"),
        "enterprise": make_unit(alliance, MemberKind.ENTERPRISE, name="甲方机械有限公司"),
        "event": event_of(alliance, "甲方签约仪式"),
        "b_school": make_unit(other_alliance, MemberKind.TECHNICAL_SCHOOL, name="乙方技师学院"),
        "b_enterprise": make_unit(other_alliance, MemberKind.ENTERPRISE, name="乙方机械有限公司"),
        "b_event": event_of(other_alliance, "乙方签约仪式"),
    }


@pytest.fixture
def staff_api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def details(response) -> dict:
    return response.json()["error"]["details"]


def test_api_event_fields_take_this_alliances_units_only(alliance, staff_api, world):
    starts = timezone.now() + datetime.timedelta(days=3)
    body = {"kind": "seminar", "title": "校企合作座谈会", "starts_at": starts.isoformat(),
            "ends_at": (starts + datetime.timedelta(hours=2)).isoformat()}  # fmt: skip
    for field, value in (("host_unit", world["b_school"].pk), ("organisers", [world["b_enterprise"].pk])):
        refused = staff_api.post(api("event-list", alliance), {**body, field: value}, format="json")
        assert refused.status_code == 400 and field in details(refused), refused.json()
    assert not Event.objects.filter(title="校企合作座谈会").exists()
    event = world["event"]
    patched = staff_api.patch(
        api("event-detail", alliance, event_id=event.pk), {"host_unit": world["b_school"].pk}, format="json"
    )
    assert patched.status_code == 400 and "host_unit" in details(patched)
    event.refresh_from_db()
    assert event.host_unit_id is None


def test_api_agenda_and_registrations_refuse_another_alliances_event_and_unit(
    alliance, other_alliance, staff_api, world
):
    item = staff_api.post(api("agenda-item-list", alliance), {"event": world["b_event"].pk, "topic": "致辞"},
                          format="json")  # fmt: skip
    assert item.status_code == 400 and "event" in details(item)
    on_behalf = api("registration-on-behalf", alliance)
    for body, field in (
        ({"event": world["event"].pk, "member_unit": world["b_enterprise"].pk}, "member_unit"),
        ({"event": world["b_event"].pk, "member_unit": world["enterprise"].pk}, "event"),
    ):
        refused = staff_api.post(on_behalf, {**body, "person_name": "王五"}, format="json")
        assert refused.status_code == 400 and field in details(refused), refused.json()
    rep = APIClient()
    rep.force_authenticate(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=world["enterprise"]))
    refused = rep.post(api("registration-list", alliance), {"event": world["b_event"].pk, "person_name": "赵六"},
                       format="json")  # fmt: skip
    assert refused.status_code == 400 and "event" in details(refused)
    assert not AgendaItem.objects.exists() and not Registration.objects.exists()


def test_api_cooperation_fields_take_this_alliances_rows_only(alliance, staff_api, world):
    body = {"kind": CooperationKind.AGREEMENT, "title": "校企合作协议", "school": world["school"].pk,
            "enterprise": world["enterprise"].pk, "event": world["event"].pk}  # fmt: skip
    for field, foreign in (("school", "b_school"), ("enterprise", "b_enterprise"), ("event", "b_event")):
        refused = staff_api.post(api("cooperation-record-list", alliance), {**body, field: world[foreign].pk},
                                 format="json")  # fmt: skip
        assert refused.status_code == 400 and field in details(refused), refused.json()
    assert not CooperationRecord.objects.exists()
    created = staff_api.post(api("cooperation-record-list", alliance), body, format="json")
    assert created.status_code == 201, created.json()
    record_id = created.json()["id"]
    patched = staff_api.patch(api("cooperation-record-detail", alliance, cooperationrecord_id=record_id),
                              {"school": world["b_school"].pk}, format="json")  # fmt: skip
    assert patched.status_code == 400 and "school" in details(patched)
    assert CooperationRecord.objects.get(pk=record_id).school == world["school"]


def test_forms_offer_and_accept_this_alliances_rows_only(alliance, other_alliance, staff_client, world):
    # The choices: none of B's units or events on A's forms and filters.
    for path in (page("cooperation-create", alliance), page("event-create", alliance),
                 page("event-register-unit", alliance, event_id=world["event"].pk),
                 page("cooperation-list", alliance), page("event-list", alliance)):  # fmt: skip
        body = staff_client.get(path).content.decode()
        assert "甲方" in body and "乙方" not in body, path
    # Posting B's ids anyway: a form error, nothing written.
    cooperation = {"kind": CooperationKind.AGREEMENT, "title": "校企合作协议", "school": world["b_school"].pk,
                   "enterprise": world["enterprise"].pk, "status": "active"}  # fmt: skip
    response = staff_client.post(page("cooperation-create", alliance), cooperation)
    assert response.status_code == 400 and "school" in response.context["form"].errors
    starts = timezone.localtime() + datetime.timedelta(days=5)
    event = {"kind": "seminar", "title": "乙方主办的座谈会", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
             "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
             "host_unit": world["b_school"].pk, "registration_opens": "on"}  # fmt: skip
    response = staff_client.post(page("event-create", alliance), event)
    assert response.status_code == 200 and "host_unit" in response.context["form"].errors
    response = staff_client.post(
        page("event-register-unit", alliance, event_id=world["event"].pk),
        {"member_unit": world["b_enterprise"].pk, "person_name": "王五"},
    )
    assert response.status_code == 200 and "member_unit" in response.context["form"].errors
    assert not CooperationRecord.objects.exists() and not Registration.objects.exists()
    assert not Event.objects.filter(title="乙方主办的座谈会").exists()


def test_a_council_meeting_links_only_this_alliances_meetings(alliance, other_alliance, staff_client):
    council = event_of(alliance, "第一届理事会第三次会议", kind=EventKind.COUNCIL_MEETING)
    foreign = Meeting.objects.create(
        alliance=other_alliance, body=GoverningBody.COUNCIL, title="乙方理事会", held_on=datetime.date(2026, 3, 1),
        seats=10, present=9,
    )  # fmt: skip
    response = staff_client.post(
        page("event-meeting", alliance, event_id=council.pk), {"meeting": foreign.pk}
    )
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.meeting_id is None

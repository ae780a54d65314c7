"""Registration: capacity, per-unit quota, the waiting list and its automatic promotion, closing, confirmation;
concurrency (PostgreSQL: racing registrations never exceed capacity or quota); check-in by QR token (a token of
another event or alliance is refused) and by hand; the registration pages, QR code, scan desk and export."""

from __future__ import annotations

import datetime
import io
import threading
from urllib.parse import urlsplit

import pytest
import segno
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from alliances.models import AuditEntry
from alliances.permissions import Role
from alliances.tenancy import scope
from events.models import Event, EventKind, EventStatus, Registration, RegistrationStatus
from events.services import events as event_services
from events.services import registrations as services
from members.models import Contact, MemberKind, MemberStatus

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db
R = RegistrationStatus


def make_event(alliance, *, publish=True, **extra) -> Event:
    starts = timezone.now() + datetime.timedelta(days=7)
    data = {
        "kind": EventKind.COMPETITION, "title": "2026年数控车工技能大赛", "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=8), "venue": "实训中心", "registration_opens": True, **extra,
    }  # fmt: skip
    event = event_services.create_event(alliance=alliance, data=data)
    return event_services.publish_event(event) if publish else event


def person(event, unit, name="张三", **extra) -> Registration:
    return services.register(event, member_unit=unit, person_name=name, **extra)


def url(name, alliance, *args):
    return reverse(name, args=[alliance.slug, *args])


def statuses(event) -> dict[str, str]:
    return dict(Registration.objects.filter(event=event).values_list("person_name", "status"))


@pytest.fixture
def units(alliance):
    made = []
    for letter in "ABC":
        unit = make_unit(alliance, name=f"{letter}精密制造有限公司")
        Contact.objects.create(alliance=alliance, member_unit=unit, name="联系人", email=f"{letter.lower()}@example.cn",
                               is_primary=True)  # fmt: skip
        made.append(unit)
    return made


# --- Capacity, quota, waiting list ------------------------------------------------------------------------


def test_full_event_waitlists_and_a_cancellation_promotes_the_first(
    alliance, units, django_capture_on_commit_callbacks
):
    a, b, c = units
    event = make_event(alliance, capacity=2)
    first, second = person(event, a, "甲"), person(event, b, "乙")
    third, fourth = person(event, c, "丙"), person(event, a, "丁")
    assert (first.status, second.status, third.status, fourth.status) == (R.REGISTERED, R.REGISTERED,
                                                                          R.WAITLISTED, R.WAITLISTED)  # fmt: skip
    assert third.waitlisted_at <= fourth.waitlisted_at
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_registration(second)
    assert [r.person_name for r in cancelled.promoted] == ["丙"]
    assert statuses(event) == {"甲": R.REGISTERED, "乙": R.CANCELLED, "丙": R.REGISTERED, "丁": R.WAITLISTED}
    assert [m.to for m in mail.outbox] == [["c@example.cn"]] and "丙" in mail.outbox[0].body
    assert services.places(event).taken == 2
    assert AuditEntry.objects.filter(action="events.registration.promoted", object_id=str(third.pk)).exists()


def test_quota_per_unit_waitlists_and_promotion_skips_units_without_quota(alliance, units):
    a, b, c = units
    event = make_event(alliance, capacity=2, quota_per_unit=1)
    a1 = person(event, a, "A1")
    a2 = person(event, a, "A2")  # A's quota is used: waiting though a place is free
    assert a2.status == R.WAITLISTED
    b1 = person(event, b, "B1")  # the last place
    c1 = person(event, c, "C1")
    assert c1.status == R.WAITLISTED
    services.cancel_registration(b1)  # one place: A2 is first in line but A has no quota left → C1
    assert statuses(event) == {"A1": R.REGISTERED, "A2": R.WAITLISTED, "B1": R.CANCELLED, "C1": R.REGISTERED}
    with pytest.raises(services.RegistrationConflict):
        services.confirm_registration(a2)  # no place within A's quota
    services.cancel_registration(a1)  # A's place frees: now A2 moves up
    assert statuses(event)["A2"] == R.REGISTERED


def test_more_places_promote_at_once(alliance, units):
    event = make_event(alliance, capacity=1)
    person(event, units[0], "甲")
    waiting = person(event, units[1], "乙")
    with pytest.raises(ValidationError) as error:
        event_services.update_event(event, {"capacity": 0})
    assert "capacity" in error.value.message_dict
    event_services.update_event(event, {"capacity": 2})
    waiting.refresh_from_db()
    assert waiting.status == R.REGISTERED


def test_registration_closes(alliance, units):
    unit = units[0]
    with pytest.raises(services.RegistrationConflict):
        person(make_event(alliance, publish=False), unit)
    with pytest.raises(services.RegistrationConflict):
        person(make_event(alliance, registration_opens=False), unit)
    late = make_event(alliance)
    Event.objects.filter(pk=late.pk).update(
        registration_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(services.RegistrationConflict) as error:
        person(late, unit)
    assert error.value.code == "closed"
    started = make_event(alliance)
    Event.objects.filter(pk=started.pk).update(starts_at=timezone.now() - datetime.timedelta(minutes=5))
    with pytest.raises(services.RegistrationConflict):
        person(started, unit)
    cancelled = make_event(alliance)
    event_services.cancel_event(cancelled, reason="取消")
    with pytest.raises(services.RegistrationConflict):
        person(cancelled, unit)
    assert not Registration.objects.exists()


def test_registration_checks_the_person_and_the_unit(alliance, other_alliance, units):
    event = make_event(alliance)
    person(event, units[0], "张三")
    with pytest.raises(ValidationError) as error:
        person(event, units[0], "张三")
    assert "person_name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        person(event, units[0], "李四", mobile="12345")
    assert "mobile" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        person(event, make_unit(alliance, status=MemberStatus.APPLIED), "王五")
    assert "member_unit" in error.value.message_dict
    with pytest.raises(ValidationError):
        person(event, make_unit(other_alliance), "赵六")
    person(event, units[0], "张三 ".strip() + "丰")  # another person of the same unit


def test_states_cancel_and_confirm(alliance, units):
    event = make_event(alliance)
    registration = person(event, units[0])
    services.confirm_registration(registration)
    registration.refresh_from_db()
    assert registration.status == R.CONFIRMED
    with pytest.raises(services.RegistrationConflict):
        services.confirm_registration(registration)
    done = services.check_in(registration)
    assert not done.already and done.registration.status == R.CHECKED_IN and done.registration.checked_in_at
    with pytest.raises(services.RegistrationConflict):
        services.cancel_registration(registration)  # checked in: no longer cancelled
    other = services.cancel_registration(person(event, units[1]))
    with pytest.raises(services.RegistrationConflict):
        services.cancel_registration(other)
    with pytest.raises(services.RegistrationConflict):
        services.check_in(other)


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="racing transactions need PostgreSQL's row locks (SQLite serialises)",
)


def _race(alliance, event, racers: list, barrier_size: int) -> list:
    """Run `register` from one thread per racer, each on its own database connection, released together."""
    barrier = threading.Barrier(barrier_size)
    results, errors = [], []

    def run(unit, name):
        try:
            with scope(alliance.pk):
                barrier.wait(timeout=30)
                results.append(services.register(event, member_unit=unit, person_name=name).status)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=racer) for racer in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_racing_for_the_last_three_seats_never_exceed_capacity(alliance):
    units = [make_unit(alliance, name=f"竞速单位{n}") for n in range(27)]
    event = make_event(alliance, capacity=10)
    for n in range(7):
        person(event, units[n], f"先到{n}")
    results = _race(alliance, event, [(units[7 + n], f"竞速{n}") for n in range(20)], 20)
    assert sorted(results).count(R.REGISTERED) == 3 and results.count(R.WAITLISTED) == 17
    held = Registration.objects.filter(event=event, status__in=[R.REGISTERED, R.CONFIRMED, R.CHECKED_IN])
    assert held.count() == 10


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_racing_people_of_one_unit_never_exceed_its_quota(alliance):
    unit = make_unit(alliance, name="同一单位")
    event = make_event(alliance, capacity=50, quota_per_unit=2)
    results = _race(alliance, event, [(unit, f"员工{n}") for n in range(12)], 12)
    assert results.count(R.REGISTERED) == 2 and results.count(R.WAITLISTED) == 10


# --- Check-in ---------------------------------------------------------------------------------------------------


def test_codes_are_parsed_from_urls_and_bare_tokens():
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    assert services.parse_check_in_code(token) == token
    assert (
        services.parse_check_in_code(f"https://cj.example.cn/a/zibo/events/7/check-in/?code={token}") == token
    )
    assert services.parse_check_in_code(f"  /a/zibo/events/7/check-in/?token={token}\n") == token
    assert services.parse_check_in_code(f"/a/zibo/events/7/check-in/{token}/") == token
    assert services.parse_check_in_code("") is None
    assert services.parse_check_in_code("<script>") is None


def test_check_in_by_token_refuses_other_events_and_alliances(alliance, other_alliance, units):
    event, other_event = make_event(alliance), make_event(alliance, title="另一场比赛")
    mine, theirs = person(event, units[0]), person(other_event, units[1])
    foreign = person(make_event(other_alliance), make_unit(other_alliance))
    done = services.check_in_by_code(
        event, f"https://x/a/{alliance.slug}/events/{event.pk}/check-in/?code={mine.check_in_token}"
    )
    assert done.registration == mine and not done.already
    assert services.check_in_by_code(event, mine.check_in_token).already
    for code in (theirs.check_in_token, "nonsense", ""):
        with pytest.raises(services.NotThisEvent) as error:
            services.check_in_by_code(event, code)
        assert error.value.code == "not_this_event"
    with scope(alliance.pk), pytest.raises(services.NotThisEvent):  # as in a request of alliance A
        services.check_in_by_code(event, foreign.check_in_token)
    theirs.refresh_from_db()
    assert theirs.status == R.REGISTERED


def test_waitlisted_cannot_check_in(alliance, units):
    event = make_event(alliance, capacity=1)
    person(event, units[0])
    waiting = person(event, units[1], "李四")
    with pytest.raises(services.RegistrationConflict):
        services.check_in_by_code(event, waiting.check_in_token)


# --- Pages -------------------------------------------------------------------------------------------------------


@pytest.fixture
def reps(alliance, units):
    """Two representatives, each in their own browser (client)."""
    clients = []
    for unit in units[:2]:
        client = Client()
        client.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=unit))
        clients.append(client)
    return clients


def test_representative_registers_sees_the_qr_code_and_cancels(alliance, units, reps, staff_client):
    first, second = reps
    event = make_event(alliance, capacity=1)
    detail = first.get(url("event-detail", alliance, event.pk)).content.decode()
    assert 'data-testid="event-register"' in detail
    response = first.post(url("event-register", alliance, event.pk),
                          {"person_name": "王工", "person_title": "技师", "mobile": "13812345678"})  # fmt: skip
    mine = Registration.objects.get(person_name="王工")
    assert response.status_code == 302 and mine.member_unit == units[0] and mine.status == R.REGISTERED
    second.post(url("event-register", alliance, event.pk), {"person_name": "李工"})
    theirs = Registration.objects.get(person_name="李工")
    assert theirs.status == R.WAITLISTED and theirs.member_unit == units[1]
    page = first.get(url("registration-detail", alliance, mine.pk)).content.decode()
    expected = f"http://testserver{url('event-check-in', alliance, event.pk)}?code={mine.check_in_token}"
    assert expected in page and "13812345678" in page  # own unit sees its mobile
    assert (
        segno.make(expected, error="m").svg_inline(scale=5, svgclass="qr-code", lineclass=None, light="#fff")
        in page
    )
    png = first.get(url("registration-qr", alliance, mine.pk))
    assert (
        png.status_code == 200 and png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    )
    # Another unit's registration is out of reach; staff see it with the mobile masked.
    assert second.get(url("registration-detail", alliance, mine.pk)).status_code == 404
    assert second.post(url("registration-cancel", alliance, mine.pk)).status_code == 404
    staff_page = staff_client.get(url("registration-detail", alliance, mine.pk)).content.decode()
    assert "138****5678" in staff_page and "13812345678" not in staff_page
    # Cancelling passes the place on.
    first.post(url("registration-cancel", alliance, mine.pk))
    assert statuses(event) == {"王工": R.CANCELLED, "李工": R.REGISTERED}


def test_staff_register_confirm_cancel_and_check_in_by_hand(alliance, units, staff_client):
    event = make_event(alliance, capacity=2)
    response = staff_client.post(url("event-register-unit", alliance, event.pk),
                                 {"member_unit": units[2].pk, "person_name": "代报名"})  # fmt: skip
    registration = Registration.objects.get(person_name="代报名")
    assert response.status_code == 302 and registration.member_unit == units[2]
    staff_client.post(url("registration-confirm", alliance, registration.pk))
    staff_client.post(url("registration-check-in", alliance, registration.pk))
    registration.refresh_from_db()
    assert registration.status == R.CHECKED_IN
    other = person(event, units[0], "撤销者")
    staff_client.post(url("registration-secretariat-cancel", alliance, other.pk))
    other.refresh_from_db()
    assert other.status == R.CANCELLED
    closed = make_event(alliance, publish=False)
    page = staff_client.post(url("event-register-unit", alliance, closed.pk), {"member_unit": units[2].pk,
                                                                                 "person_name": "草稿报名"})  # fmt: skip
    assert page.status_code == 200 and not Registration.objects.filter(person_name="草稿报名").exists()


def test_scan_desk_checks_in_by_the_scanned_address(alliance, units, staff_client):
    event, elsewhere = make_event(alliance), make_event(alliance, title="另一场")
    registration = person(event, units[0], "扫码者", person_title="高级技师")
    stranger = person(elsewhere, units[1], "别处的人")
    desk = url("event-check-in", alliance, event.pk)
    assert 'data-testid="check-in-code"' in staff_client.get(desk).content.decode()
    scanned = f"http://testserver{desk}?code={registration.check_in_token}"
    # Opening the QR address shows the person first, without checking in.
    preview = staff_client.get(scanned).content.decode()
    assert "扫码者" in preview and 'data-testid="check-in-confirm"' in preview
    registration.refresh_from_db()
    assert registration.status == R.REGISTERED
    # The scanner types the address and Enter: htmx swaps the panel.
    answer = staff_client.post(desk, {"code": scanned}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in answer and "扫码者" in answer and units[0].name in answer and "is-done" in answer
    again = staff_client.post(desk, {"code": scanned}, HTTP_HX_REQUEST="true").content.decode()
    assert "is-already" in again
    wrong = staff_client.post(
        desk, {"code": stranger.check_in_token}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "is-refused" in wrong and "别处的人" not in wrong
    stranger.refresh_from_db()
    assert stranger.status == R.REGISTERED
    assert path_of(scanned) == desk


def path_of(address: str) -> str:
    return urlsplit(address).path


def test_not_this_event_message_reads_clearly(alliance, units, client, staff_user):
    client.force_login(staff_user)
    client.cookies["django_language"] = "en"
    event, elsewhere = make_event(alliance), make_event(alliance, title="另一场")
    stranger = person(elsewhere, units[1])
    body = client.post(
        url("event-check-in", alliance, event.pk), {"code": stranger.check_in_token}
    ).content.decode()
    assert "Not a registration of this event." in body


def test_representatives_cannot_use_the_desk(alliance, reps):
    event = make_event(alliance)
    assert reps[0].get(url("event-check-in", alliance, event.pk)).status_code == 403


def test_attendance_on_the_event_page_and_export(alliance, units, staff_client, reps):
    event = make_event(alliance)
    came = person(event, units[0], "到场", mobile="13800001111")
    person(event, units[0], "未到", mobile="13800002222")
    person(event, units[1], "乙方", mobile="13800003333")
    services.check_in(came)
    page = staff_client.get(url("event-detail", alliance, event.pk)).content.decode()
    assert 'data-testid="attendance-by-unit"' in page and "138****1111" in page
    rep_page = reps[0].get(url("event-detail", alliance, event.pk)).content.decode()
    assert "13800001111" in rep_page and "乙方" not in rep_page  # own unit only, unmasked
    csv_response = staff_client.get(url("event-attendance-export", alliance, event.pk) + "?format=csv")
    text = csv_response.content.decode("utf-8-sig")
    assert csv_response.status_code == 200 and "13800001111" in text and "到场" in text  # staff may reveal
    xlsx = staff_client.get(url("event-attendance-export", alliance, event.pk))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "乙方" in values and "13800003333" in values
    assert (
        AuditEntry.objects.filter(action="events.attendance.exported", object_id=str(event.pk)).count() == 2
    )
    assert reps[0].get(url("event-attendance-export", alliance, event.pk)).status_code == 403


def test_registration_page_shows_closed_reason(alliance, reps):
    event = make_event(alliance)
    Event.objects.filter(pk=event.pk).update(
        registration_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    body = reps[0].get(url("event-register", alliance, event.pk)).content.decode()
    assert 'data-testid="registration-closed"' in body
    response = reps[0].post(url("event-register", alliance, event.pk), {"person_name": "迟到者"})
    assert response.status_code == 200 and not Registration.objects.exists()


def test_school_representatives_register_too(alliance, client):
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL)
    client.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=school))
    event = make_event(alliance)
    client.post(url("event-register", alliance, event.pk), {"person_name": "带队老师"})
    assert Registration.objects.get().member_unit == school
    assert EventStatus.PUBLISHED == Event.objects.get().status

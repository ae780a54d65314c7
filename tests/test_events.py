"""Events: the services and the status steps, agenda and attachments, the council-meeting link to governance,
e-mail (published, changed, cancelled) and the hourly reminders, and the pages (visibility, filters, htmx
agenda editor, constant queries)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from alliances import governance_services
from alliances.governance import Meeting
from alliances.models import AuditEntry
from alliances.permissions import Role
from events import notifications
from events.models import (
    AgendaItem,
    AttachmentKind,
    Event,
    EventAttachment,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from events.services import events as services
from events.services import registrations as registration_services
from members.models import Contact, CouncilRole, MemberKind, MemberStatus

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db
R = RegistrationStatus
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def event_data(**extra) -> dict:
    starts = timezone.localtime(timezone.now() + datetime.timedelta(days=10)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return {
        "kind": EventKind.COMPETITION, "title": "2026年数控车工技能大赛", "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=8), "venue": "淄博市公共实训中心", "capacity": None,
        "quota_per_unit": None, "registration_opens": True, "registration_deadline": None, **extra,
    }  # fmt: skip


def make_event(alliance, *, publish=True, organisers=(), **extra) -> Event:
    event = services.create_event(alliance=alliance, data=event_data(**extra), organisers=organisers)
    if publish:
        event = services.publish_event(event)
    return event


@pytest.fixture
def rep_client(alliance):
    """A second browser: a member representative (the `client` fixture is the staff member's)."""
    other = Client()
    other.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE))
    return other


def url(name, alliance, *args):
    return reverse(name, args=[alliance.slug, *args])


def person(event, unit, name="张三", **extra) -> Registration:
    return registration_services.register(event, member_unit=unit, person_name=name, **extra)


def units_with_contacts(alliance, count=3):
    units = []
    for n in range(count):
        unit = make_unit(alliance, name=f"淄博制造{n}有限公司")
        Contact.objects.create(alliance=alliance, member_unit=unit, name="联系人", email=f"primary{n}@example.cn",
                               is_primary=True)  # fmt: skip
        Contact.objects.create(alliance=alliance, member_unit=unit, name="其他", email=f"other{n}@example.cn")
        units.append(unit)
    return units


# --- Creating, editing, steps ---------------------------------------------------------------------------


def test_create_checks_the_rules(alliance, other_alliance):
    data = event_data()
    with pytest.raises(ValidationError) as error:
        services.create_event(
            alliance=alliance, data={**data, "ends_at": data["starts_at"] - datetime.timedelta(hours=1)}
        )
    assert "ends_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_event(alliance=alliance, data={**data, "capacity": 2, "quota_per_unit": 3})
    assert "quota_per_unit" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.create_event(alliance=alliance, data={**data, "host_unit": make_unit(other_alliance)})
    assert "host_unit" in error.value.message_dict
    applicant = make_unit(alliance, status=MemberStatus.APPLIED)
    with pytest.raises(ValidationError) as error:
        services.create_event(alliance=alliance, data=data, organisers=[applicant])
    assert "organisers" in error.value.message_dict
    assert not Event.objects.exists()


def test_create_is_a_draft_with_organisers_and_is_audited(alliance):
    host, partner = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL), make_unit(alliance)
    event = make_event(alliance, publish=False, host_unit=host, organisers=[host, partner])
    assert event.status == EventStatus.DRAFT and event.starts_at.tzinfo is not None
    assert set(event.organisers.all()) == {host, partner}
    assert AuditEntry.objects.filter(action="events.event.created", object_id=str(event.pk)).exists()


def test_publish_tells_every_current_member_once_after_commit(alliance, django_capture_on_commit_callbacks):
    units = units_with_contacts(alliance)
    applicant = make_unit(alliance, status=MemberStatus.APPLIED)
    Contact.objects.create(alliance=alliance, member_unit=applicant, name="申请人", email="applicant@example.cn",
                           is_primary=True)  # fmt: skip
    event = make_event(alliance, publish=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.publish_event(event)
    assert len(callbacks) == 1 and not mail.outbox  # nothing leaves before the commit
    callbacks[0]()
    assert sorted(m.to[0] for m in mail.outbox) == [f"primary{n}@example.cn" for n in range(len(units))]
    assert all(len(m.to) == 1 and event.title in m.subject for m in mail.outbox)
    assert "event" in mail.outbox[0].body or event.title in mail.outbox[0].body
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED and event.published_at
    with pytest.raises(services.EventConflict):
        services.publish_event(event)


def test_changing_time_or_venue_of_a_published_event_raises_sequence_and_tells_registrants(
    alliance, django_capture_on_commit_callbacks
):
    unit = units_with_contacts(alliance, 1)[0]
    event = make_event(alliance)
    person(event, unit)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_event(event, {"description": "新的说明"})
    event.refresh_from_db()
    assert event.sequence == 0 and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        services.update_event(event, {"venue": "淄博职业学院体育馆"})
    event.refresh_from_db()
    assert event.sequence == 1
    assert [m.to for m in mail.outbox] == [["primary0@example.cn"]]
    assert "淄博职业学院体育馆" in mail.outbox[0].body


def test_new_start_sends_the_reminder_again(alliance):
    event = make_event(alliance)
    Event.objects.filter(pk=event.pk).update(reminder_sent_at=timezone.now())
    services.update_event(event, {"starts_at": event.starts_at + datetime.timedelta(hours=1)})
    event.refresh_from_db()
    assert event.reminder_sent_at is None


def test_cancel_needs_a_reason_and_tells_registrants(alliance, django_capture_on_commit_callbacks):
    units = units_with_contacts(alliance, 3)
    event = make_event(alliance, capacity=1)
    first = person(event, units[0])
    person(event, units[1])  # waitlisted: told too
    gone = person(event, units[2], name="李四")
    registration_services.cancel_registration(gone)  # cancelled: not told
    with pytest.raises(ValidationError) as error:
        services.cancel_event(event, reason="  ")
    assert "reason" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_event(event, reason="台风预警，改期举行")
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED and event.cancellation_reason == "台风预警，改期举行"
    assert sorted(m.to[0] for m in mail.outbox) == ["primary0@example.cn", "primary1@example.cn"]
    assert "台风预警" in mail.outbox[0].body
    with pytest.raises(services.EventConflict):
        services.cancel_event(event, reason="again")
    with pytest.raises(services.EventConflict):
        services.update_event(event, {"title": "改"})
    first.refresh_from_db()
    assert first.status == R.REGISTERED  # the record of who had registered stays


def test_finish_records_no_shows_and_closes_the_waiting_list(alliance):
    a, b, c, d = (make_unit(alliance) for _ in range(4))
    event = make_event(alliance, capacity=3)
    came = person(event, a)
    confirmed = registration_services.confirm_registration(person(event, b))
    missed = person(event, c)
    waiting = person(event, d)
    registration_services.check_in(came)
    with pytest.raises(services.EventConflict):
        services.finish_event(event)  # not started yet
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    services.finish_event(event)
    statuses = {r.pk: r.status for r in Registration.objects.filter(event=event)}
    assert statuses == {came.pk: R.CHECKED_IN, confirmed.pk: R.NO_SHOW, missed.pk: R.NO_SHOW,
                        waiting.pk: R.CANCELLED}  # fmt: skip
    event.refresh_from_db()
    assert event.status == EventStatus.FINISHED
    services.record_minutes(event, "会议纪要：比赛圆满结束。")
    event.refresh_from_db()
    assert event.minutes == "会议纪要：比赛圆满结束。"


def test_minutes_are_not_kept_for_drafts(alliance):
    with pytest.raises(services.EventConflict):
        services.record_minutes(make_event(alliance, publish=False), "x")


def test_only_drafts_are_deleted(alliance):
    draft = make_event(alliance, publish=False)
    services.delete_event(draft)
    assert not Event.objects.filter(pk=draft.pk).exists()
    with pytest.raises(services.EventConflict):
        services.delete_event(make_event(alliance))


# --- Agenda and attachments ------------------------------------------------------------------------------


def test_agenda_add_edit_move_reorder_remove(alliance):
    event = make_event(alliance, publish=False)
    opening = services.add_agenda_item(
        event, {"starts_at": datetime.time(9, 0), "topic": "开幕式", "speaker": "王理事长"}
    )
    contest = services.add_agenda_item(event, {"starts_at": datetime.time(9, 30), "topic": "理论考试"})
    awards = services.add_agenda_item(event, {"topic": "颁奖", "speaker_unit": "淄博市人社局"})

    def order():
        return list(
            AgendaItem.objects.filter(event=event).order_by("position").values_list("topic", flat=True)
        )

    assert order() == ["开幕式", "理论考试", "颁奖"]
    services.move_agenda_item(awards, -1)
    assert order() == ["开幕式", "颁奖", "理论考试"]
    services.reorder_agenda(event, [contest.pk, opening.pk, awards.pk])
    assert order() == ["理论考试", "开幕式", "颁奖"]
    with pytest.raises(ValidationError):
        services.reorder_agenda(event, [contest.pk])
    services.update_agenda_item(contest, {"topic": "实操比赛"})
    with pytest.raises(ValidationError) as error:
        services.update_agenda_item(contest, {"topic": " "})
    assert "topic" in error.value.message_dict
    services.remove_agenda_item(opening)
    assert order() == ["实操比赛", "颁奖"]
    services.cancel_event(event, reason="取消")
    with pytest.raises(services.EventConflict):
        services.add_agenda_item(event, {"topic": "晚到的议程"})


def test_attachments_are_checked_by_content_and_photos_must_be_images(alliance):
    event = make_event(alliance)
    [document] = services.add_attachments(event, [SimpleUploadedFile("通知.pdf", PDF)], title="比赛通知")
    assert document.title == "比赛通知" and document.content_type == "application/pdf"
    with pytest.raises(ValidationError) as error:
        services.add_attachments(event, [SimpleUploadedFile("photo.jpg", PDF)], kind=AttachmentKind.PHOTO)
    assert "files" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.add_attachments(event, [SimpleUploadedFile("fake.pdf", b"MZ\x90\x00not a pdf")])
    [photo] = services.add_attachments(
        event, [SimpleUploadedFile("合影.png", PNG)], kind=AttachmentKind.PHOTO
    )
    assert photo.kind == AttachmentKind.PHOTO and photo.title == "合影.png"
    services.remove_attachment(document)
    assert list(EventAttachment.objects.filter(event=event)) == [photo]


def test_attachment_download_is_permission_checked(alliance, rep_client, staff_client):
    event = make_event(alliance)
    draft = make_event(alliance, publish=False)
    [document] = services.add_attachments(event, [SimpleUploadedFile("notice.pdf", PDF)])
    [photo] = services.add_attachments(event, [SimpleUploadedFile("p.png", PNG)], kind=AttachmentKind.PHOTO)
    [secret] = services.add_attachments(draft, [SimpleUploadedFile("draft.pdf", PDF)])
    client = rep_client
    response = client.get(url("event-attachment", alliance, document.pk))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.filter(action="file.downloaded", object_id=str(document.pk)).exists()
    inline = client.get(url("event-attachment", alliance, photo.pk) + "?inline=1")
    assert inline.status_code == 200 and inline["Content-Type"] == "image/png"
    assert inline["Content-Disposition"].startswith("inline")
    assert client.get(url("event-attachment", alliance, secret.pk)).status_code == 404
    assert staff_client.get(url("event-attachment", alliance, secret.pk)).status_code == 200


# --- Council meetings and their resolutions ------------------------------------------------------------------


def test_council_meeting_event_records_the_governance_meeting_and_lists_its_resolutions(
    alliance, staff_client
):
    for n in range(3):
        make_unit(
            alliance, MemberKind.TECHNICAL_SCHOOL, council_role=CouncilRole.COUNCIL, name=f"理事单位{n}"
        )
    event = make_event(alliance, kind=EventKind.COUNCIL_MEETING, title="第一届理事会第三次会议")
    meeting = services.record_meeting_for_event(event, present=3)
    event.refresh_from_db()
    assert event.meeting == meeting
    assert meeting.body == "council" and meeting.seats == 3 and meeting.title == event.title
    assert meeting.held_on == timezone.localdate(event.starts_at)
    with pytest.raises(services.EventConflict):
        services.record_meeting_for_event(event, present=3)  # already linked
    resolution = governance_services.record_resolution(
        meeting=meeting, number="LSH-2026-01", subject="other", title="关于举办技能大赛的决议",
        votes_for=3, votes_against=0, votes_abstaining=0,
    )  # fmt: skip
    body = staff_client.get(url("event-detail", alliance, event.pk)).content.decode()
    assert "关于举办技能大赛的决议" in body
    assert url("governance-resolution-detail", alliance, resolution.pk) in body
    assert url("governance-meeting-detail", alliance, meeting.pk) in body


def test_linking_an_existing_meeting_checks_the_body(alliance):
    standing = governance_services.record_meeting(
        alliance=alliance, body="standing_council", title="常务理事会", held_on=datetime.date(2026, 3, 1), present=2,
        seats=3,
    )  # fmt: skip
    council = governance_services.record_meeting(
        alliance=alliance,
        body="council",
        title="理事会",
        held_on=datetime.date(2026, 3, 1),
        present=2,
        seats=3,
    )
    event = make_event(alliance, kind=EventKind.COUNCIL_MEETING)
    assert list(services.linkable_meetings(event)) == [council]
    with pytest.raises(ValidationError) as error:
        services.link_meeting(event, standing)
    assert "meeting" in error.value.message_dict
    services.link_meeting(event, council)
    other = make_event(alliance, kind=EventKind.COUNCIL_MEETING)
    with pytest.raises(ValidationError):
        services.link_meeting(other, council)
    with pytest.raises(services.EventConflict):
        services.record_meeting_for_event(make_event(alliance), present=1)  # a competition is no meeting
    assert Meeting.objects.count() == 2


def test_a_linked_council_meeting_keeps_its_kind(alliance):
    council = governance_services.record_meeting(
        alliance=alliance, body="council", title="理事会", held_on=datetime.date(2026, 3, 1), present=2, seats=3,
    )  # fmt: skip
    event = make_event(alliance, kind=EventKind.COUNCIL_MEETING)
    services.link_meeting(event, council)
    for kind in (EventKind.SEMINAR, EventKind.STANDING_COUNCIL_MEETING):
        with pytest.raises(ValidationError) as error:
            services.update_event(event, {"kind": kind})
        assert "kind" in error.value.message_dict
    event.refresh_from_db()
    assert event.kind == EventKind.COUNCIL_MEETING
    services.update_event(event, {"venue": "市技师学院报告厅"})  # other changes are fine


def test_an_agenda_item_removed_meanwhile_is_a_conflict_not_an_error(alliance):
    event = make_event(alliance)
    first = services.add_agenda_item(event, {"topic": "开幕致辞"})
    services.add_agenda_item(event, {"topic": "技能展示"})
    stale = AgendaItem.objects.get(pk=first.pk)
    services.remove_agenda_item(first)
    with pytest.raises(services.EventConflict):
        services.move_agenda_item(stale, 1)
    with pytest.raises(services.EventConflict):
        services.update_agenda_item(stale, {"topic": "改"})


def test_record_the_meeting_from_the_event_page(alliance, staff_client):
    for n in range(2):
        make_unit(alliance, council_role=CouncilRole.STANDING, name=f"常务理事单位{n}")
    event = make_event(alliance, kind=EventKind.STANDING_COUNCIL_MEETING)
    page = staff_client.get(url("event-detail", alliance, event.pk)).content.decode()
    assert 'data-testid="record-meeting-form"' in page
    response = staff_client.post(url("event-meeting", alliance, event.pk), {"present": "2"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.meeting.body == "standing_council" and event.meeting.present == 2


# --- Reminders ---------------------------------------------------------------------------------------------


def test_reminders_go_once_to_registrants_of_events_within_a_day(alliance, other_alliance):
    unit, other_unit = units_with_contacts(alliance, 2)
    soon = make_event(alliance, title="明天上午的培训")
    far = make_event(alliance, title="下周的招聘会")
    draft = make_event(alliance, publish=False, title="草稿")
    person(soon, unit)
    gone = person(soon, other_unit, name="李四")
    registration_services.cancel_registration(gone)
    person(far, unit)
    foreign_unit = units_with_contacts(other_alliance, 1)[0]
    foreign = make_event(other_alliance, title="乙方培训")
    person(foreign, foreign_unit)
    now = timezone.now()
    Event.objects.filter(pk__in=[soon.pk, draft.pk, foreign.pk]).update(
        starts_at=now + datetime.timedelta(hours=5), ends_at=now + datetime.timedelta(hours=8)
    )
    mail.outbox.clear()
    from events.tasks import send_event_reminders

    assert send_event_reminders.delay().get() == 2  # the task, across alliances
    assert sorted(
        (m.to[0], "明天上午的培训" in m.subject or "乙方培训" in m.subject) for m in mail.outbox
    ) == [
        ("primary0@example.cn", True),
        (foreign_unit.contacts.get(is_primary=True).email, True),
    ]
    assert notifications.send_due_reminders() == 0  # once
    assert Event.objects.get(pk=soon.pk).reminder_sent_at is not None
    assert Event.objects.get(pk=far.pk).reminder_sent_at is None


def test_reminder_beat_entry_is_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-event-reminders"]
    assert entry["task"] == "events.tasks.send_event_reminders"
    assert entry["schedule"] == datetime.timedelta(hours=1)


# --- Pages ----------------------------------------------------------------------------------------------------


def test_members_do_not_see_drafts(alliance, rep_client, staff_client):
    published = make_event(alliance, title="已发布的研讨会", kind=EventKind.SEMINAR)
    draft = make_event(alliance, publish=False, title="尚未发布的年会", kind=EventKind.ANNUAL_MEETING)
    body = rep_client.get(url("event-list", alliance)).content.decode()
    assert published.title in body and draft.title not in body
    assert rep_client.get(url("event-detail", alliance, draft.pk)).status_code == 404
    assert rep_client.get(url("event-detail", alliance, published.pk)).status_code == 200
    staff_body = staff_client.get(url("event-list", alliance)).content.decode()
    assert published.title in staff_body and draft.title in staff_body


def test_list_filters(alliance, staff_client):
    host = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院")
    make_event(alliance, title="数控技能大赛", host_unit=host)
    make_event(alliance, title="春季专场招聘会", kind=EventKind.JOB_FAIR,
               starts_at=timezone.now() + datetime.timedelta(days=40),
               ends_at=timezone.now() + datetime.timedelta(days=40, hours=3))  # fmt: skip
    make_event(alliance, title="年会筹备", kind=EventKind.ANNUAL_MEETING, publish=False)
    page = url("event-list", alliance)

    def titles(**query):
        body = staff_client.get(page, query).content.decode()
        return {t for t in ("数控技能大赛", "春季专场招聘会", "年会筹备") if t in body}

    assert titles(kind="job_fair") == {"春季专场招聘会"}
    assert titles(status="draft") == {"年会筹备"}
    assert titles(q="技师学院") == {"数控技能大赛"}
    assert titles(host_unit=host.pk) == {"数控技能大赛"}
    later = timezone.localdate() + datetime.timedelta(days=30)
    assert titles(starts_from=later.isoformat()) == {"春季专场招聘会"}
    assert titles(starts_until=later.isoformat()) == {"数控技能大赛", "年会筹备"}
    assert staff_client.get(page, {"starts_from": "not-a-date", "kind": "nope"}).status_code == 200


def test_staff_create_edit_publish_and_cancel_through_the_pages(
    alliance, staff_client, django_capture_on_commit_callbacks
):
    units_with_contacts(alliance, 2)
    data = event_data(title="校企合作洽谈会", kind=EventKind.SEMINAR)
    form = {
        "kind": data["kind"], "title": data["title"], "starts_at": data["starts_at"].strftime("%Y-%m-%dT%H:%M"),
        "ends_at": data["ends_at"].strftime("%Y-%m-%dT%H:%M"), "venue": "会议中心", "capacity": "50",
        "quota_per_unit": "2", "registration_opens": "on",
    }  # fmt: skip
    bad = staff_client.post(
        url("event-create", alliance), {**form, "ends_at": form["starts_at"][:11] + "08:00"}
    )
    assert bad.status_code == 200 and not Event.objects.exists()
    response = staff_client.post(url("event-create", alliance), form)
    event = Event.objects.get()
    assert response.status_code == 302 and event.capacity == 50 and event.quota_per_unit == 2
    assert timezone.localtime(event.starts_at).strftime("%Y-%m-%dT%H:%M") == form["starts_at"]
    assert staff_client.get(url("event-edit", alliance, event.pk)).status_code == 200
    staff_client.post(url("event-edit", alliance, event.pk), {**form, "venue": "新会议中心"})
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url("event-publish", alliance, event.pk))
    event.refresh_from_db()
    assert event.venue == "新会议中心" and event.status == EventStatus.PUBLISHED and len(mail.outbox) == 2
    with translation.override("en"):
        missing = staff_client.post(
            url("event-cancel", alliance, event.pk), {"reason": ""}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert missing.status_code == 200
    staff_client.post(url("event-cancel", alliance, event.pk), {"reason": "场地维修"})
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert "场地维修" in staff_client.get(url("event-detail", alliance, event.pk)).content.decode()


def test_representatives_cannot_manage(alliance, client):
    event = make_event(alliance, publish=False)
    client.force_login(make_member(alliance, Role.MEMBER_REPRESENTATIVE))
    assert client.get(url("event-create", alliance)).status_code == 403
    assert client.post(url("event-publish", alliance, event.pk)).status_code == 403
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT


def test_agenda_editor_answers_htmx_with_the_panel(alliance, staff_client):
    event = make_event(alliance, publish=False)
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = staff_client.post(
        url("event-agenda", alliance, event.pk), {"starts_at": "09:00", "topic": "开幕式"}, **htmx
    )
    body = response.content.decode()
    assert (
        response.status_code == 200
        and 'id="agenda-panel"' in body
        and "<html" not in body
        and "开幕式" in body
    )
    staff_client.post(
        url("event-agenda", alliance, event.pk), {"starts_at": "10:00", "topic": "颁奖"}, **htmx
    )
    award = AgendaItem.objects.get(topic="颁奖")
    edit = staff_client.get(url("agenda-item-edit", alliance, award.pk), **htmx).content.decode()
    assert 'data-testid="agenda-edit-form"' in edit
    staff_client.post(url("agenda-item-edit", alliance, award.pk),
                      {"starts_at": "10:30", "topic": "颁奖仪式", "speaker": "李秘书长"}, **htmx)  # fmt: skip
    moved = staff_client.post(
        url("agenda-item-move", alliance, award.pk), {"direction": "up"}, **htmx
    ).content.decode()
    assert moved.index("颁奖仪式") < moved.index("开幕式")
    empty = staff_client.post(url("event-agenda", alliance, event.pk), {"topic": ""}, **htmx)
    assert empty.status_code == 200 and "has-error" in empty.content.decode()
    staff_client.post(url("agenda-item-delete", alliance, award.pk), **htmx)
    assert list(AgendaItem.objects.values_list("topic", flat=True)) == ["开幕式"]
    # Without htmx the same forms work as plain posts.
    assert (
        staff_client.post(url("agenda-item-delete", alliance, AgendaItem.objects.get().pk)).status_code == 302
    )


def test_upload_and_gallery_on_the_event_page(alliance, staff_client):
    event = make_event(alliance)
    staff_client.post(url("event-attachments", alliance, event.pk),
                      {"kind": "photo", "title": "", "files": [SimpleUploadedFile("合影.png", PNG)]})  # fmt: skip
    staff_client.post(url("event-attachments", alliance, event.pk),
                      {"kind": "document", "title": "议程", "files": [SimpleUploadedFile("a.pdf", PDF)]})  # fmt: skip
    body = staff_client.get(url("event-detail", alliance, event.pk)).content.decode()
    photo = EventAttachment.objects.get(kind="photo")
    assert (
        'data-testid="event-photos"' in body
        and f"{url('event-attachment', alliance, photo.pk)}?inline=1" in body
    )
    assert "议程" in body


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_event_list_runs_the_same_queries_for_10_and_100_events(alliance, staff_client, rep_client):
    client = rep_client
    host = make_unit(alliance)
    starts = timezone.now() + datetime.timedelta(days=3)

    def add(count):
        Event.objects.bulk_create([
            Event(alliance=alliance, kind=EventKind.SEMINAR, title=f"研讨会{n}", starts_at=starts,
                  ends_at=starts + datetime.timedelta(hours=2), status=EventStatus.PUBLISHED, host_unit=host)
            for n in range(count)
        ])  # fmt: skip
        event = Event.objects.order_by("-pk").first()
        person(event, host, name=f"参会者{count}")

    page = url("event-list", alliance) + "?page=1"
    add(10)
    few = (_queries(staff_client, page), _queries(client, page))
    add(90)
    assert (_queries(staff_client, page), _queries(client, page)) == few


def test_event_page_runs_the_same_queries_for_10_and_100_registrations(alliance, staff_client):
    event = make_event(alliance)
    units = [make_unit(alliance) for _ in range(5)]
    path = url("event-detail", alliance, event.pk)

    def add(count, start):
        Registration.objects.bulk_create([
            Registration(alliance=alliance, event=event, member_unit=units[n % 5], person_name=f"参会者{start + n}",
                         mobile="13912345678", status=[R.REGISTERED, R.CHECKED_IN, R.WAITLISTED][n % 3])
            for n in range(count)
        ])  # fmt: skip

    add(10, 0)
    few = _queries(staff_client, path)
    add(90, 10)
    assert _queries(staff_client, path) == few
    body = staff_client.get(path).content.decode()
    assert "139****5678" in body and "13912345678" not in body  # masked for others on screen

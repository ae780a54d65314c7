"""Cooperation records between member schools and enterprises: the rules of the service, status changes,
documents, the pages (representatives see only their own unit's records), the event entry point and partial,
constant queries, the order-class selector and the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from alliances.access import Membership
from alliances.models import AuditEntry
from alliances.permissions import Role
from events.models import (
    CooperationDocument,
    CooperationKind,
    CooperationRecord,
    CooperationStatus,
    Event,
    EventKind,
    EventStatus,
)
from events.services import cooperation as services
from members.models import MemberKind, MemberStatus, Specialty

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db
K, S = CooperationKind, CooperationStatus
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def parties(alliance):
    school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院")
    enterprise = make_unit(alliance, MemberKind.ENTERPRISE, name="山东精密机械有限公司")
    return school, enterprise


def order_class(school, enterprise, **extra) -> dict:
    return {
        "kind": K.ORDER_CLASS, "title": "数控技术订单班", "school": school, "enterprise": enterprise,
        "signed_on": datetime.date(2025, 9, 1), "class_name": "精密2025级订单班", "students": 40,
        "graduation_year": 2027, "graduates_employed": None, **extra,
    }  # fmt: skip


def ceremony(alliance, title="2025年校企合作签约仪式", **extra) -> Event:
    starts = timezone.make_aware(datetime.datetime(2025, 9, 1, 9, 30))
    return Event.objects.create(
        alliance=alliance, kind=EventKind.CEREMONY, title=title, starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2), status=extra.pop("status", EventStatus.FINISHED), **extra,
    )  # fmt: skip


def url(name, alliance, *args):
    return reverse(name, args=[alliance.slug, *args])


def api(name, alliance, **kwargs):
    return reverse(f"api:{name}", kwargs={"alliance_slug": alliance.slug, **kwargs})


def record(alliance, school, enterprise, **extra) -> CooperationRecord:
    return services.record_cooperation(alliance=alliance, data=order_class(school, enterprise, **extra))


# --- Rules ------------------------------------------------------------------------------------------------


def test_records_an_order_class_and_audits_it(alliance, parties):
    school, enterprise = parties
    made = record(alliance, school, enterprise, participants=12, graduates_employed=30)
    assert made.status == S.ACTIVE and made.participants is None  # participants do not belong to a class
    assert made.graduates_employed == 30
    assert AuditEntry.objects.filter(action="events.cooperation.recorded", object_id=str(made.pk)).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"graduates_employed": 41}, "graduates_employed"),
        ({"starts_on": datetime.date(2025, 9, 1), "ends_on": datetime.date(2025, 8, 31)}, "ends_on"),
        ({"class_name": ""}, "class_name"),
        ({"students": None}, "students"),
        ({"graduation_year": None}, "graduation_year"),
    ],
)
def test_rules_of_an_order_class(alliance, parties, change, field):
    school, enterprise = parties
    with pytest.raises(ValidationError) as caught:
        record(alliance, school, enterprise, **change)
    assert field in caught.value.message_dict
    assert not CooperationRecord.objects.exists()


def test_the_school_must_be_a_school_and_the_enterprise_an_enterprise(alliance, parties):
    school, enterprise = parties
    with pytest.raises(ValidationError) as caught:
        record(alliance, enterprise, school)
    assert set(caught.value.message_dict) >= {"school", "enterprise"}
    association = make_unit(alliance, MemberKind.ASSOCIATION)
    with pytest.raises(ValidationError) as caught:
        record(alliance, school, association)
    assert "enterprise" in caught.value.message_dict


def test_both_parties_must_be_current_members(alliance, parties):
    school, enterprise = parties
    enterprise.status = MemberStatus.WITHDRAWN
    enterprise.save()
    with pytest.raises(ValidationError) as caught:
        record(alliance, school, enterprise)
    assert "enterprise" in caught.value.message_dict
    applicant = make_unit(alliance, MemberKind.HIGHER_VOCATIONAL, status=MemberStatus.APPLIED)
    with pytest.raises(ValidationError) as caught:
        record(alliance, applicant, make_unit(alliance))
    assert "school" in caught.value.message_dict


def test_a_record_of_a_member_that_left_can_still_be_edited(alliance, parties):
    school, enterprise = parties
    made = record(alliance, school, enterprise)
    enterprise.status = MemberStatus.WITHDRAWN
    enterprise.save()
    changes = services.update_cooperation(made, {"graduates_employed": 35})
    assert changes == {"graduates_employed": [None, 35]}
    made.refresh_from_db()
    assert made.graduates_employed == 35
    with pytest.raises(ValidationError):
        services.update_cooperation(made, {"graduates_employed": 45})
    assert services.update_cooperation(made, {"graduates_employed": 35}) == {}
    assert AuditEntry.objects.filter(action="events.cooperation.updated").count() == 1


def test_other_kinds_keep_participants_and_drop_class_details(alliance, parties):
    school, enterprise = parties
    made = services.record_cooperation(
        alliance=alliance,
        data={"kind": K.TEACHER_PLACEMENT, "title": "2025年暑期教师企业实践", "school": school,
              "enterprise": enterprise, "participants": 15, "students": 40, "class_name": "x",
              "starts_on": datetime.date(2025, 7, 10), "ends_on": datetime.date(2025, 8, 20)},
    )  # fmt: skip
    assert (made.participants, made.students, made.class_name) == (15, None, "")


def test_status_steps(alliance, parties):
    school, enterprise = parties
    made = record(alliance, school, enterprise)
    with pytest.raises(services.CooperationConflict):
        services.change_cooperation_status(made, S.PLANNED)
    with pytest.raises(ValidationError) as caught:
        services.change_cooperation_status(made, S.TERMINATED)
    assert "reason" in caught.value.message_dict
    services.change_cooperation_status(made, S.COMPLETED)
    made.refresh_from_db()
    assert made.status == S.COMPLETED
    with pytest.raises(services.CooperationConflict):
        services.change_cooperation_status(made, S.TERMINATED, reason="企业搬迁")
    assert services.allowed_statuses(S.PLANNED) == [S.ACTIVE, S.TERMINATED]
    entry = AuditEntry.objects.get(action="events.cooperation.status_changed")
    assert entry.detail["from"] == S.ACTIVE and entry.detail["to"] == S.COMPLETED


def test_documents_are_checked_by_content(alliance, parties):
    school, enterprise = parties
    made = record(alliance, school, enterprise)
    with pytest.raises(ValidationError):
        services.attach_cooperation_documents(made, [SimpleUploadedFile("协议.pdf", b"not a pdf")])
    saved = services.attach_cooperation_documents(made, [SimpleUploadedFile("协议.pdf", PDF)])
    assert saved[0].content_type == "application/pdf" and saved[0].record == made


def test_signed_at_an_event_takes_its_date(alliance, parties):
    school, enterprise = parties
    event = ceremony(alliance)
    made = record(alliance, school, enterprise, signed_on=None, event=event)
    assert made.signed_on == datetime.date(2025, 9, 1)


def test_nothing_is_signed_at_a_cancelled_event(alliance, parties, staff_client):
    school, enterprise = parties
    cancelled = ceremony(alliance, title="取消的签约仪式", status=EventStatus.CANCELLED)
    with pytest.raises(ValidationError) as error:
        record(alliance, school, enterprise, event=cancelled)
    assert "event" in error.value.message_dict and not CooperationRecord.objects.exists()
    # A record linked before the event was cancelled keeps its link when other details change.
    held = ceremony(alliance, title="如期举行的签约仪式")
    made = record(alliance, school, enterprise, event=held)
    Event.objects.filter(pk=held.pk).update(status=EventStatus.CANCELLED)
    services.update_cooperation(made, {"title": "数控技术订单班（修订）"})
    # The event's page offers no recording, the form offers no cancelled ceremony.
    page = staff_client.get(url("event-detail", alliance, cancelled.pk)).content.decode()
    assert 'data-testid="record-agreement-at-event"' not in page
    form = staff_client.get(url("cooperation-create", alliance)).content.decode()
    assert "取消的签约仪式" not in form


def test_order_class_graduates_selector(alliance, parties):
    school, enterprise = parties
    counted = record(alliance, school, enterprise, graduates_employed=30)
    named = record(alliance, school, enterprise, kind=K.NAMED_CLASS, graduates_employed=12)
    record(alliance, school, enterprise, graduation_year=2028, graduates_employed=5)  # another year
    terminated = record(alliance, school, enterprise, graduates_employed=3)
    services.change_cooperation_status(terminated, S.TERMINATED, reason="企业停产")
    planned = services.record_cooperation(
        alliance=alliance, data=order_class(school, enterprise), status=S.PLANNED
    )
    rows = services.order_class_graduates(alliance, 2027)
    assert {row.pk for row in rows} == {counted.pk, named.pk}
    assert planned.pk not in {row.pk for row in rows}
    assert sum(row.graduates_employed for row in rows) == 42


# --- Pages ------------------------------------------------------------------------------------------------


def test_staff_record_a_cooperation_on_the_page(alliance, parties, staff_client):
    school, enterprise = parties
    specialty = Specialty.objects.order_by("code").first()
    response = staff_client.post(
        url("cooperation-create", alliance),
        {"kind": K.ORDER_CLASS, "title": "数控订单班", "school": school.pk, "enterprise": enterprise.pk,
         "status": S.ACTIVE, "signed_on": "2025-09-01", "class_name": "精密班", "specialty": specialty.pk,
         "students": "40", "graduation_year": "2027", "graduates_employed": "",
         "documents": [SimpleUploadedFile("订单班协议.pdf", PDF)]},
    )  # fmt: skip
    made = CooperationRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == url(
        "cooperation-detail", alliance, made.pk
    )
    assert made.specialty == specialty and made.documents.count() == 1
    page = staff_client.get(response["Location"]).content.decode()
    assert "精密班" in page and "订单班协议.pdf" in page


def test_the_form_shows_the_services_errors(alliance, parties, staff_client):
    school, enterprise = parties
    with translation.override("en"):
        response = staff_client.post(
            url("cooperation-create", alliance),
            {"kind": K.ORDER_CLASS, "title": "订单班", "school": school.pk, "enterprise": enterprise.pk,
             "status": S.ACTIVE, "class_name": "精密班", "students": "40", "graduation_year": "2027",
             "graduates_employed": "41"},
            HTTP_ACCEPT_LANGUAGE="en",
        )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["graduates_employed"]
    assert not CooperationRecord.objects.exists()


def test_the_form_offers_current_schools_and_enterprises_only(alliance, parties, staff_client):
    school, enterprise = parties
    gone = make_unit(
        alliance, MemberKind.TECHNICAL_SCHOOL, name="已退会技工学校", status=MemberStatus.WITHDRAWN
    )
    form = staff_client.get(url("cooperation-create", alliance)).context["form"]
    assert list(form.fields["school"].queryset) == [school]
    assert list(form.fields["enterprise"].queryset) == [enterprise]
    assert gone not in form.fields["school"].queryset


def test_record_at_an_event_and_the_event_partial(alliance, parties, staff_client, staff_user):
    school, enterprise = parties
    event = ceremony(alliance)
    page = staff_client.get(url("cooperation-create-at-event", alliance, event.pk))
    assert page.status_code == 200 and page.context["form"]["event"].value() == event.pk
    response = staff_client.post(
        url("cooperation-create-at-event", alliance, event.pk),
        {"kind": K.ORDER_CLASS, "title": "订单班协议", "school": school.pk, "enterprise": enterprise.pk,
         "status": S.ACTIVE, "class_name": "精密班", "students": "40", "graduation_year": "2027",
         "event": ""},  # a disabled field: the event comes from the URL, whatever is posted
    )  # fmt: skip
    assert response.status_code == 302
    made = CooperationRecord.objects.get()
    assert made.event == event and made.signed_on == datetime.date(2025, 9, 1)

    membership = Membership(alliance=alliance, roles=frozenset({Role.SECRETARIAT_STAFF}))
    request = RequestFactory().get("/")
    request.membership, request.user = membership, staff_user
    html = Template('{% include "events/partials/event_cooperations.html" %}').render(
        Context({"event": event, "request": request, "membership": membership, "current_alliance": alliance,
                 "membership_actions": {"events.manage"}})
    )  # fmt: skip
    assert "订单班协议" in html and url("cooperation-create-at-event", alliance, event.pk) in html


def test_representatives_see_only_their_units_records(alliance, parties, client):
    school, enterprise = parties
    other_school = make_unit(alliance, MemberKind.SECONDARY_VOCATIONAL, name="淄博某中职学校")
    own = record(alliance, school, enterprise, title="本企业订单班")
    others = record(alliance, other_school, make_unit(alliance, name="他人企业"), title="他人订单班")
    document = services.attach_cooperation_documents(others, [SimpleUploadedFile("他人协议.pdf", PDF)])[0]
    own_document = services.attach_cooperation_documents(own, [SimpleUploadedFile("本企业协议.pdf", PDF)])[0]
    rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=enterprise)
    client.force_login(rep)
    listing = client.get(url("cooperation-list", alliance)).content.decode()
    assert "本企业订单班" in listing and "他人订单班" not in listing
    assert client.get(url("cooperation-detail", alliance, own.pk)).status_code == 200
    assert client.get(url("cooperation-detail", alliance, others.pk)).status_code == 404
    assert client.get(url("cooperation-document", alliance, document.pk)).status_code == 404
    download = client.get(url("cooperation-document", alliance, own_document.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="events.cooperation.document_downloaded").count() == 1
    assert client.get(url("cooperation-create", alliance)).status_code == 403
    assert (
        client.post(url("cooperation-status", alliance, own.pk), {"status": "completed"}).status_code == 403
    )
    # …and the filter for another unit's records shows nothing either.
    filtered = client.get(url("cooperation-list", alliance), {"unit": other_school.pk}).content.decode()
    assert "他人订单班" not in filtered


def test_list_filters(alliance, parties, staff_client):
    school, enterprise = parties
    record(alliance, school, enterprise, title="甲订单班")
    services.record_cooperation(
        alliance=alliance,
        data={"kind": K.TRAINING_BASE, "title": "乙共建实训基地", "school": school, "enterprise": enterprise,
              "starts_on": datetime.date(2024, 3, 1)},
    )  # fmt: skip
    listing = url("cooperation-list", alliance)

    def titles(**params):
        page = staff_client.get(listing, params)
        assert page.status_code == 200
        return {r.title for r in page.context["object_list"]}

    assert titles() == {"甲订单班", "乙共建实训基地"}
    assert titles(kind=K.TRAINING_BASE) == {"乙共建实训基地"}
    assert titles(year=2024) == {"乙共建实训基地"}
    assert titles(year=2025) == {"甲订单班"}
    assert titles(q="实训") == {"乙共建实训基地"}
    assert titles(school=school.pk, enterprise=enterprise.pk) == {"甲订单班", "乙共建实训基地"}
    assert titles(status=S.COMPLETED) == set()
    for bad in ({"kind": "spaceship"}, {"school": "x"}, {"year": "abc"}, {"page": "999"}):
        assert staff_client.get(listing, bad).status_code in (200, 404)


def test_status_and_documents_on_the_page(alliance, parties, staff_client):
    school, enterprise = parties
    made = record(alliance, school, enterprise)
    with translation.override("en"):
        staff_client.post(
            url("cooperation-status", alliance, made.pk), {"status": S.TERMINATED, "reason": ""}
        )
    made.refresh_from_db()
    assert made.status == S.ACTIVE  # a reason is needed
    staff_client.post(url("cooperation-status", alliance, made.pk), {"status": S.COMPLETED})
    made.refresh_from_db()
    assert made.status == S.COMPLETED
    staff_client.post(
        url("cooperation-documents", alliance, made.pk), {"documents": [SimpleUploadedFile("a.pdf", PDF)]}
    )
    assert made.documents.count() == 1
    edit = staff_client.post(
        url("cooperation-edit", alliance, made.pk),
        {"kind": K.ORDER_CLASS, "title": "改名订单班", "school": school.pk, "enterprise": enterprise.pk,
         "class_name": "精密班", "students": "40", "graduation_year": "2027", "graduates_employed": "38",
         "signed_on": "2025-09-01"},
    )  # fmt: skip
    assert edit.status_code == 302
    made.refresh_from_db()
    assert (made.title, made.graduates_employed) == ("改名订单班", 38)


def test_list_and_api_run_a_constant_number_of_queries(alliance, parties, staff_client):
    school, enterprise = parties
    event = ceremony(alliance)

    def add(count):
        for number in range(count):
            made = record(alliance, school, enterprise, title=f"订单班{number}", event=event)
            CooperationDocument.objects.create(
                alliance=alliance, record=made, title="a.pdf", file="cooperation/a.pdf",
                content_type="application/pdf", size=3,
            )  # fmt: skip

    def queries(path, params=None):
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(path, params).status_code == 200
        return len(captured)

    paths = [
        (url("cooperation-list", alliance), {"kind": K.ORDER_CLASS, "q": "订单"}),
        (api("cooperation-record-list", alliance), {"page_size": 200}),
        (api("order-class-list", alliance), {"page_size": 200, "graduation_year": 2027}),
    ]
    add(10)
    few = [queries(path, params) for path, params in paths]
    add(90)
    assert [queries(path, params) for path, params in paths] == few


# --- API --------------------------------------------------------------------------------------------------


@pytest.fixture
def staff_api(staff_user):
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


def test_api_create_update_status_and_documents(alliance, parties, staff_api):
    school, enterprise = parties
    body = {"kind": K.ORDER_CLASS, "title": "API订单班", "school": school.pk, "enterprise": enterprise.pk,
            "class_name": "精密班", "students": 40, "graduation_year": 2027, "signed_on": "2025-09-01"}  # fmt: skip
    created = staff_api.post(api("cooperation-record-list", alliance), body, format="json")
    assert created.status_code == 201, created.content
    record_id = created.json()["id"]
    assert created.json()["status"] == S.ACTIVE and created["Location"].endswith(f"/{record_id}/")
    detail = api("cooperation-record-detail", alliance, cooperationrecord_id=record_id)

    wrong = staff_api.post(
        api("cooperation-record-list", alliance), {**body, "school": enterprise.pk}, format="json"
    )
    assert wrong.status_code == 400 and "school" in wrong.json()["error"]["details"]
    too_many = staff_api.patch(detail, {"graduates_employed": 41}, format="json")
    assert too_many.status_code == 400 and "graduates_employed" in too_many.json()["error"]["details"]
    patched = staff_api.patch(detail, {"graduates_employed": 39}, format="json")
    assert patched.status_code == 200 and patched.json()["graduates_employed"] == 39

    status_url = api("cooperation-record-change-status", alliance, cooperationrecord_id=record_id)
    assert staff_api.post(status_url, {"status": S.COMPLETED}, format="json").status_code == 200
    conflict = staff_api.post(status_url, {"status": S.ACTIVE}, format="json")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"

    documents = api("cooperation-record-documents", alliance, cooperationrecord_id=record_id)
    uploaded = staff_api.post(
        documents, {"documents": [SimpleUploadedFile("协议.pdf", PDF)]}, format="multipart"
    )
    assert uploaded.status_code == 201, uploaded.content
    bad = staff_api.post(documents, {"documents": [SimpleUploadedFile("协议.pdf", b"x")]}, format="multipart")
    assert bad.status_code == 400
    listed = staff_api.get(documents).json()
    assert listed["count"] == 1 and listed["results"][0]["download_url"].endswith(
        url("cooperation-document", alliance, listed["results"][0]["id"])
    )
    assert staff_api.delete(detail).status_code == 405


def test_api_for_representatives(alliance, parties):
    school, enterprise = parties
    own = record(alliance, school, enterprise, title="本企业订单班")
    others = record(
        alliance, make_unit(alliance, MemberKind.TECHNICAL_SCHOOL), make_unit(alliance), title="他人"
    )
    client = APIClient()
    client.force_authenticate(make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=enterprise))
    listed = client.get(api("cooperation-record-list", alliance)).json()
    assert [row["id"] for row in listed["results"]] == [own.pk]
    assert client.get(api("order-class-list", alliance)).json()["count"] == 1
    assert (
        client.get(api("cooperation-record-detail", alliance, cooperationrecord_id=others.pk)).status_code
        == 404
    )
    body = {"kind": K.AGREEMENT, "title": "x", "school": school.pk, "enterprise": enterprise.pk}
    assert client.post(api("cooperation-record-list", alliance), body, format="json").status_code == 403


def test_api_order_classes_filter_by_graduation_year(alliance, parties, staff_api):
    school, enterprise = parties
    record(alliance, school, enterprise, title="2027届")
    record(alliance, school, enterprise, title="2028届", graduation_year=2028)
    services.record_cooperation(
        alliance=alliance,
        data={"kind": K.AGREEMENT, "title": "框架协议", "school": school, "enterprise": enterprise},
    )
    rows = staff_api.get(api("order-class-list", alliance), {"graduation_year": 2028}).json()["results"]
    assert [row["title"] for row in rows] == ["2028届"]
    everything = staff_api.get(api("order-class-list", alliance)).json()["results"]
    assert {row["title"] for row in everything} == {"2027届", "2028届"}


def test_openapi_documents_the_cooperation_routes(staff_client):
    schema = staff_client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    prefix = "/api/v1/alliances/{alliance_slug}/"
    for path in ("cooperation-records/", "cooperation-records/{cooperationrecord_id}/status/",
                 "cooperation-records/{cooperationrecord_id}/documents/", "order-classes/",
                 "member-activity/", "member-activity/{memberunit_id}/", "dormant-members/"):  # fmt: skip
        assert prefix + path in schema["paths"], path

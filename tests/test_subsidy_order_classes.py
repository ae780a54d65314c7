"""Order classes feed the order-class subsidy program (issue 5 item 4): a line of an order-class employment claim
names the enterprise's own order or named class (form, Excel import, API), its school is the class's; the checks
`order_class_missing`, `order_class_not_active`, `order_class_graduation_year` and `order_class_over_employed`;
and the cooperation record's page shows the claims that name the class to those who may see them."""

from __future__ import annotations

import datetime
import io
import itertools

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from alliances.permissions import Role
from alliances.personal_data import encrypt, keyed_hash, mask_resident_id
from events.models import CooperationKind, CooperationRecord, CooperationStatus
from members.models import MemberKind, MemberStatus, MemberUnit
from subsidies.checks import check_claim, graduates_in_time, refresh_claim_checks
from subsidies.imports import CLASSES_SHEET, DATA_SHEET, build_template
from subsidies.models import Claim, ClaimLine, ClaimStatus, LineReview, Period, SchoolDecision
from subsidies.services import claims as services
from subsidies.services.programs import create_period, create_program

from .factories import make_member, make_unit
from .test_subsidy_claims import make_id

pytestmark = pytest.mark.django_db

K, CS = CooperationKind, CooperationStatus
_numbers = itertools.count(1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ClassWorld:
    """An order-class employment program; a period of the second semester of this calendar year (February to
    July, claims due in three months); an enterprise with its representative, a school with its representative,
    staff; the enterprise's order class graduating this year (30 students, 3 employed) and another enterprise's."""

    def __init__(self, alliance):
        self.alliance = alliance
        today = timezone.localdate()
        self.year = today.year
        n = next(_numbers)
        self.program = create_program(
            alliance, kind="order_class", code=f"order-{n}", name=f"订单班就业补贴{n}",
            effective_from=datetime.date(2020, 1, 1),
        )  # fmt: skip
        self.period = create_period(
            alliance, kind="semester", academic_year=self.year - 1, semester=2, name=f"{self.year}春季学期{n}",
            starts_on=datetime.date(self.year, 2, 1), ends_on=datetime.date(self.year, 7, 31),
            claim_deadline=today + datetime.timedelta(days=90),
        )  # fmt: skip
        self.enterprise = make_unit(alliance, MemberKind.ENTERPRISE, name=f"淄博齐鲁机械有限公司{n}")
        self.other_enterprise = make_unit(alliance, MemberKind.ENTERPRISE, name=f"淄博博远电子有限公司{n}")
        self.school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"淄博市技师学院{n}")
        self.other_school = make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name=f"淄博市交通技工学校{n}")
        self.rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.enterprise)
        self.school_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.school)
        self.other_school_rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE, unit=self.other_school)
        self.staff = make_member(alliance, Role.SECRETARIAT_STAFF)
        self.bureau = make_member(alliance, Role.BUREAU_OFFICIAL)
        self.order_class = self.record(f"齐鲁机械{self.year - 3}级数控订单班{n}")
        self.foreign_class = self.record(
            f"博远电子{self.year - 3}级订单班{n}", enterprise=self.other_enterprise
        )

    def record(self, class_name, *, enterprise=None, school=None, kind=K.ORDER_CLASS, status=CS.ACTIVE,
               graduation_year="this year", employed=3, students=30) -> CooperationRecord:  # fmt: skip
        return CooperationRecord.objects.create(
            alliance=self.alliance, kind=kind, title=f"{class_name}协议", class_name=class_name,
            school=school or self.school, enterprise=enterprise or self.enterprise, status=status,
            signed_on=datetime.date(self.year - 3, 6, 10), students=students, graduates_employed=employed,
            graduation_year=self.year if graduation_year == "this year" else graduation_year,
        )  # fmt: skip

    def claim(self, enterprise=None) -> Claim:
        claim = services.create_claim(enterprise or self.enterprise, self.program, self.period, self.rep)
        services.update_claim_payment(
            claim, "淄博齐鲁机械有限公司", "中国工商银行淄博分行", "6222020200112233445"
        )
        return claim

    def values(self, **changes) -> dict:
        values = {
            "student_name": f"毕业生{next(_numbers)}", "resident_id": make_id(datetime.date(2005, 3, 1)),
            "order_class": self.order_class, "specialty": "数控技术应用", "post": "数控车工",
            "agreement_number": f"DDB-{next(_numbers)}",
        }  # fmt: skip
        values.update(changes)
        return values

    def add(self, claim, **changes) -> ClaimLine:
        return services.add_claim_line(claim, self.values(**changes), self.rep)


@pytest.fixture
def world(alliance):
    return ClassWorld(alliance)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def codes(items) -> list[str]:
    return [f.code for f in items]


def url(name, world, **kwargs) -> str:
    return reverse(name, kwargs={"alliance_slug": world.alliance.slug, **kwargs})


def logged_in(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the rule of the graduation year ---------------------------------------------------------------------------


@pytest.mark.parametrize("year, semester, graduation, fits", [
    (2025, 2, 2026, True),   # 2025–2026第二学期 (Feb–Jul 2026): the class of 2026, graduated in June
    (2025, 1, 2026, False),  # 2025–2026第一学期 (Sep 2025–Jan 2026): the class of 2026 is still at school
    (2025, 1, 2025, True),   # … the class of 2025, employed since the summer before
    (2025, 2, 2025, True),   # … in either semester of the year after
    (2025, 2, 2024, False),  # more than a year after graduating
    (2026, 1, 2026, True),   # 2026–2027第一学期: the class of 2026 in the autumn after
])  # fmt: skip
def test_a_period_takes_the_classes_that_graduated_before_it_ends_and_within_a_year(
    alliance, year, semester, graduation, fits
):
    from subsidies.services.programs import propose_period

    proposal = propose_period("semester", year, semester)
    period = Period(starts_on=proposal["starts_on"], ends_on=proposal["ends_on"])
    assert graduates_in_time(graduation, period) is fits


# --- checks ------------------------------------------------------------------------------------------------------


def test_a_line_names_one_of_the_enterprises_classes_whose_school_is_the_lines(world):
    claim = world.claim()
    named = world.add(claim)
    assert named.order_class_id == world.order_class.pk and named.school_id == world.school.pk
    without = world.add(claim, order_class=None)
    assert without.school_id is None
    findings = check_claim(claim)
    assert findings[named.pk] == []
    # No class: the class is asked for (it gives the school), not the school.
    assert codes(findings[without.pk]) == ["order_class_missing"]
    # The school checks look at the class's school.
    MemberUnit.objects.filter(pk=world.school.pk).update(status=MemberStatus.WITHDRAWN)
    assert codes(check_claim(claim)[named.pk]) == ["school_not_member"]


def test_another_enterprises_class_is_refused_at_entry_and_found_if_stored(world):
    claim = world.claim()
    with pytest.raises(ValidationError) as refused:
        world.add(claim, order_class=world.foreign_class)
    assert "order_class" in refused.value.message_dict
    agreement = world.record("某校企合作协议", kind=K.AGREEMENT)
    with pytest.raises(ValidationError) as refused:
        world.add(claim, order_class=agreement.pk)
    assert "order_class" in refused.value.message_dict
    line = world.add(claim)
    ClaimLine.objects.filter(pk=line.pk).update(
        order_class=world.foreign_class
    )  # a record that changed hands
    [finding] = check_claim(claim)[line.pk]
    assert finding.code == "order_class_missing" and world.foreign_class.class_name in finding.message


def test_the_school_comes_from_the_class(world):
    claim = world.claim()
    with pytest.raises(ValidationError) as refused:
        world.add(claim, school=world.other_school)
    assert world.school.name in refused.value.message_dict["school"][0]
    line = world.add(claim, school=world.school)
    with pytest.raises(ValidationError):
        services.update_claim_line(line, {"school": world.other_school}, world.rep)
    second = world.record("齐鲁机械第二订单班", school=world.other_school)
    changed = services.update_claim_line(line, {"order_class": second}, world.rep)
    assert changed.order_class_id == second.pk and changed.school_id == world.other_school.pk


def test_only_order_class_claims_name_a_class(world):
    internship = create_program(
        world.alliance, kind="internship_post", code="internship-x", name="顶岗实习补助",
        effective_from=datetime.date(2020, 1, 1),
    )  # fmt: skip
    claim = services.create_claim(world.enterprise, internship, world.period, world.rep)
    with pytest.raises(ValidationError) as refused:
        services.add_claim_line(claim, {**world.values(), "school": world.school}, world.rep)
    assert "order_class" in refused.value.message_dict


@pytest.mark.parametrize("status, error", [
    (CS.ACTIVE, False), (CS.COMPLETED, False), (CS.PLANNED, True), (CS.TERMINATED, True),
])  # fmt: skip
def test_only_classes_in_force_or_completed_count(world, status, error):
    claim = world.claim()
    line = world.add(claim)
    CooperationRecord.objects.filter(pk=world.order_class.pk).update(status=status)
    found = check_claim(claim)[line.pk]
    assert ("order_class_not_active" in codes(found)) is error
    if error:
        assert str(CooperationStatus(status).label) in found[0].message


def test_the_graduation_year_fits_the_period(world):
    claim = world.claim()
    line = world.add(claim)
    for year, expected in ((world.year, []), (world.year - 1, []), (world.year + 1, ["error"]),
                           (world.year - 2, ["error"]), (None, ["warning"])):  # fmt: skip
        CooperationRecord.objects.filter(pk=world.order_class.pk).update(graduation_year=year)
        found = [f for f in check_claim(claim)[line.pk] if f.code == "order_class_graduation_year"]
        assert [f.severity for f in found] == expected, year


def test_no_more_graduates_than_the_class_employed(world):
    claim = world.claim()
    lines = [world.add(claim) for _ in range(4)]  # the class employed 3
    found = check_claim(claim)
    assert [codes(found[line.pk]) for line in lines] == [[], [], [], ["order_class_over_employed"]]
    assert "employed 3 graduates" in found[lines[3].pk][0].message
    # A line the school denied does not count: the fourth fits.
    ClaimLine.objects.filter(pk=lines[0].pk).update(school_decision=SchoolDecision.DENIED)
    assert all(not check_claim(claim)[line.pk] for line in lines)
    # The class's graduates on a claim submitted before (another period) count first.
    ClaimLine.objects.filter(pk=lines[0].pk).update(school_decision=SchoolDecision.PENDING)
    other_period = create_period(
        world.alliance,
        kind="semester",
        academic_year=world.year,
        semester=1,
        name=f"{world.year}秋季学期",
    )
    earlier = Claim.objects.create(
        alliance=world.alliance, program=world.program, period=other_period, enterprise=world.enterprise,
        number="OC-EARLIER", status=ClaimStatus.UNDER_REVIEW, submitted_at=timezone.now(),
        first_submitted_at=timezone.now(),
    )  # fmt: skip
    ClaimLine.objects.create(
        alliance=world.alliance, claim=earlier, position=1, student_name="早先申报", resident_id_hash="other-hash",
        resident_id_encrypted="", resident_id_masked="", order_class=world.order_class, school=world.school,
    )  # fmt: skip
    ClaimLine.objects.filter(pk=lines[3].pk).update(review=LineReview.REJECTED)
    found = check_claim(claim)
    assert [codes(found[line.pk]) for line in lines] == [[], [], ["order_class_over_employed"], []]
    assert "(1 on other claims)" in found[lines[2].pk][0].message
    # Not recorded yet: a warning on every line of the class.
    CooperationRecord.objects.filter(pk=world.order_class.pk).update(graduates_employed=None)
    found = check_claim(claim)
    assert {f.severity for line in lines[:3] for f in found[line.pk]} == {"warning"}


def test_an_order_class_claim_is_checked_in_a_constant_number_of_queries(world):
    def count(lines: int) -> int:
        claim = world.claim(make_unit(world.alliance, MemberKind.ENTERPRISE))
        record = world.record(
            f"订单班{next(_numbers)}", enterprise=claim.enterprise, employed=lines, students=lines
        )
        idents = [make_id() for _ in range(lines)]
        ClaimLine.objects.bulk_create([
            ClaimLine(alliance=world.alliance, claim=claim, position=n, student_name=f"学生{n}",
                      resident_id_hash=keyed_hash(ident), resident_id_encrypted=encrypt(ident),
                      resident_id_masked=mask_resident_id(ident), order_class=record, school=world.school,
                      agreement_number="DDB")
            for n, ident in enumerate(idents, start=1)
        ])  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            refresh_claim_checks(claim)
        return len(captured)

    assert count(5) == count(60)


# --- the line form, the Excel template and the API -------------------------------------------------------------


def test_the_line_form_offers_the_enterprises_classes_instead_of_the_school(world, client):
    claim = world.claim()
    closed = world.record("已终止订单班", status=CS.TERMINATED)
    logged_in(client, world.rep)
    page = client.get(url("claim-line-add", world, claim_id=claim.pk))
    form = page.context["form"]
    assert "school" not in form.fields
    offered = set(form.fields["order_class"].queryset)
    assert world.order_class in offered and world.foreign_class not in offered and closed not in offered
    body = page.content.decode()
    assert world.order_class.class_name in body and world.foreign_class.class_name not in body
    response = client.post(url("claim-line-add", world, claim_id=claim.pk), {
        "student_name": "王浩然", "resident_id": make_id(), "order_class": world.order_class.pk,
        "specialty": "数控技术应用", "agreement_number": "DDB-1",
    })  # fmt: skip
    assert response.status_code == 302
    line = ClaimLine.objects.get(claim=claim)
    assert line.order_class_id == world.order_class.pk and line.school_id == world.school.pk
    assert line.problems == []
    refused = client.post(url("claim-line-add", world, claim_id=claim.pk), {
        "student_name": "李明", "resident_id": make_id(), "order_class": world.foreign_class.pk,
    })  # fmt: skip
    assert refused.status_code == 400 and ClaimLine.objects.filter(claim=claim).count() == 1
    # The claim page shows the class under the school; inline validation names a missing class.
    detail = client.get(url("claim-detail", world, claim_id=claim.pk)).content.decode()
    assert 'data-testid="line-order-class"' in detail
    checked = client.post(url("claim-line-validate", world, claim_id=claim.pk), {"student_name": "x"})
    assert "order_class_missing" in checked.content.decode()


def upload(rows, headers) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("lines.xlsx", buffer.getvalue(), XLSX)


def test_the_excel_template_and_import_name_the_class(world):
    claim = world.claim()
    book = load_workbook(
        io.BytesIO(build_template(Claim.objects.select_related("program", "period").get(pk=claim.pk)))
    )
    sheet = book[DATA_SHEET]
    headers = [cell.value for cell in sheet[1]]
    assert headers == ["学生姓名", "身份证号", "订单班", "专业", "岗位", "三方协议编号"]
    classes = book[CLASSES_SHEET]
    names = [cell.value for cell in classes["A"]][1:]
    assert classes.sheet_state == "hidden" and names == [f"{world.order_class.class_name}（{world.year}届）"]
    [validation] = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert CLASSES_SHEET in validation.formula1 and "C2" in str(validation.sqref)

    rows = [
        ["王浩然", make_id(), names[0], "数控技术应用", "数控车工", "DDB-1"],
        ["李子轩", make_id(), world.order_class.class_name, "数控技术应用", "数控车工", "DDB-2"],
    ]
    bad = [["张三", make_id(), world.foreign_class.class_name, "", "", "DDB-3"]]
    refused = services.import_claim_lines(claim, upload(rows + bad, headers), world.rep)
    assert refused.created == 0 and [(e["row"], e["column"]) for e in refused.errors] == [(4, "订单班")]
    result = services.import_claim_lines(claim, upload(rows, headers), world.rep)
    assert result.ok and result.created == 2
    lines = ClaimLine.objects.filter(claim=claim)
    assert {(line.order_class_id, line.school_id) for line in lines} == {
        (world.order_class.pk, world.school.pk)
    }
    assert all(line.problems == [] for line in lines)


def test_the_api_takes_the_class_of_the_claiming_enterprise_only(world):
    claim = world.claim()
    client = APIClient()
    client.force_authenticate(world.rep)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    base = f"/api/v1/alliances/{world.alliance.slug}/claims/{claim.pk}/lines/"
    body = {"student_name": "王浩然", "resident_id": make_id(), "order_class": world.order_class.pk,
            "agreement_number": "DDB-1"}  # fmt: skip
    created = client.post(base, body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["order_class"] == world.order_class.pk and data["school"] == world.school.pk
    assert data["order_class_name"] == world.order_class.class_name and data["problems"] == []
    foreign = client.post(base, {**body, "resident_id": make_id(), "order_class": world.foreign_class.pk},
                          format="json")  # fmt: skip
    assert foreign.status_code == 400 and "order_class" in str(foreign.json())
    bulk = client.post(f"{base}bulk/", {"lines": [{**body, "resident_id": make_id()},
                                                  {**body, "resident_id": make_id(), "order_class": None}]},
                       format="json")  # fmt: skip
    assert bulk.status_code == 201
    assert [line["problems"][0]["code"] if line["problems"] else None for line in bulk.json()["lines"]] == [
        None, "order_class_missing",
    ]  # fmt: skip


# --- the cooperation record's page -----------------------------------------------------------------------------


def numbers(html: str) -> dict:
    import re

    return dict(re.findall(r'data-testid="class-claimed-(\w+)">([^<]*)<', html))


def test_the_class_page_shows_the_claims_that_name_it_to_those_who_may_see_them(world, client):
    draft = world.claim()
    world.add(draft)
    world.add(draft)
    page = url("cooperation-detail", world, cooperationrecord_id=world.order_class.pk)
    claim_link = url("claim-detail", world, claim_id=draft.pk)

    def body(user) -> str:
        response = logged_in(client, user).get(page)
        assert response.status_code == 200
        return response.content.decode()

    staff = body(world.staff)
    assert 'data-testid="order-class-claims"' in staff and claim_link in staff and draft.number in staff
    assert numbers(staff) == {"lines": "2", "claims": "1", "approved": "0"}
    assert claim_link in body(world.rep)  # the enterprise's own claim
    school = body(world.school_rep)  # the school sees the numbers; a draft is not its to see yet
    assert numbers(school)["lines"] == "2" and draft.number not in school
    Claim.objects.filter(pk=draft.pk).update(
        status=ClaimStatus.SCHOOL_CONFIRMATION, submitted_at=timezone.now()
    )
    assert claim_link in body(world.school_rep)
    bureau = body(world.bureau)  # the bureau lists submitted claims but opens none
    assert draft.number in bureau and claim_link not in bureau
    # Another class's page: nothing claimed.
    other = logged_in(client, world.staff).get(
        url("cooperation-detail", world, cooperationrecord_id=world.foreign_class.pk)
    )
    assert "No subsidy claim names this class yet." in other.content.decode()


def test_a_class_named_by_a_line_cannot_be_deleted(world):
    from django.db.models import ProtectedError

    world.add(world.claim())
    with pytest.raises(ProtectedError):
        world.order_class.delete()

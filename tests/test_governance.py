"""Charter and governance: versions (draft → adopted → superseded, adopted versions immutable), articles and
their text format, differences between versions, quorum and threshold arithmetic at the boundaries, council
terms and officers; the pages for each role; the API (CRUD and 400s); constant query counts on the lists."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms import ValidationError as FormValidationError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alliances import governance_services as gs
from alliances.governance import (
    Charter,
    CharterArticle,
    CharterStatus,
    CouncilOfficer,
    CouncilTerm,
    Meeting,
    Resolution,
)
from alliances.governance_forms import format_charter_text, parse_charter_text, parse_numeral
from alliances.models import AuditEntry
from alliances.permissions import MATRIX, Role

from .factories import make_alliance, make_member, make_unit
from .routes import ROUTES

pytestmark = pytest.mark.django_db

D = datetime.date


# --- helpers ------------------------------------------------------------------------------------------------


def articles(*rows):
    """rows: (chapter, chapter title, article, text)."""
    return [
        {"chapter_number": c, "chapter_title": t, "article_number": n, "text": text} for c, t, n, text in rows
    ]


BASE_ARTICLES = articles(
    (1, "总则", 1, "本集团名称为淄博市技工教育集团。"),
    (1, "总则", 2, "本集团是非法人组织。"),
    (2, "成员", 3, "成员单位退会须提前三个月书面申请，经常务理事会批准。"),
    (2, "成员", 4, "成员单位应当遵守本章程。"),
)


def meeting(alliance, *, body="council", held_on=None, present=12, seats=15, title="理事会会议"):
    held_on = held_on or D(2024, 1, 5)
    return gs.record_meeting(
        alliance=alliance, body=body, title=title, held_on=held_on, present=present, seats=seats
    )


def resolution(at, *, number, subject="other", votes_for, against=0, abstaining=0):
    return gs.record_resolution(
        meeting=at, number=number, subject=subject, title="决议", votes_for=votes_for, votes_against=against,
        votes_abstaining=abstaining,
    )  # fmt: skip


def adopted_charter(alliance, rows=BASE_ARTICLES, *, held_on=None, **parameters):
    draft = gs.create_charter_draft(alliance, title="淄博市技工教育集团章程")
    if parameters:
        gs.update_charter_draft(draft, parameters)
    gs.save_charter_articles(draft, rows)
    return gs.adopt_charter(draft, meeting=meeting(alliance, held_on=held_on or D(2024, 1, 5)))


def url(name, alliance, *args):
    return reverse(name, args=[alliance.slug, *args])


@pytest.fixture
def rep_user(alliance):
    return make_member(alliance, Role.MEMBER_REPRESENTATIVE, "rep")


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in their English source form."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    """Pages in English too (the language cookie), for every client built on this fixture."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def api(alliance, path=""):
    return f"/api/v1/alliances/{alliance.slug}/{path}"


# --- charter versions ---------------------------------------------------------------------------------------


def test_a_first_draft_has_version_1_and_the_usual_parameters(alliance):
    draft = gs.create_charter_draft(alliance, title="章程", notes="初稿")
    assert (draft.version, draft.status, draft.notes) == (1, CharterStatus.DRAFT, "初稿")
    assert (draft.withdrawal_notice_months, draft.quorum, draft.pass_threshold) == (
        3,
        Fraction(2, 3),
        Fraction(2, 3),
    )
    assert AuditEntry.objects.filter(action="charter.draft_created", object_id=str(draft.pk)).exists()


def test_a_draft_based_on_a_version_copies_its_articles_and_parameters(alliance):
    first = adopted_charter(alliance, withdrawal_notice_months=6, withdrawal_body="council")
    second = gs.create_charter_draft(alliance, based_on=first, title="")
    assert second.version == 2 and second.title == first.title
    assert (second.withdrawal_notice_months, second.withdrawal_body) == (6, "council")
    copied = list(CharterArticle.objects.filter(charter=second).values_list("article_number", "text"))
    assert copied == [(a["article_number"], a["text"]) for a in BASE_ARTICLES]
    assert CharterArticle.objects.filter(charter=first).count() == 4  # the original keeps its own


def test_a_draft_needs_a_title_and_a_base_of_the_same_alliance(alliance, other_alliance):
    with pytest.raises(ValidationError) as error:
        gs.create_charter_draft(alliance, title="  ")
    assert "title" in error.value.message_dict
    foreign = gs.create_charter_draft(other_alliance, title="别家章程")
    with pytest.raises(ValidationError) as error:
        gs.create_charter_draft(alliance, based_on=foreign, title="x")
    assert "based_on" in error.value.message_dict
    assert not Charter.objects.filter(alliance=alliance).exists()


def test_draft_parameters_are_checked_together(alliance):
    draft = gs.create_charter_draft(alliance, title="章程")
    gs.update_charter_draft(
        draft, {"quorum_numerator": 1, "quorum_denominator": 2, "expulsion_body": "council"}
    )
    draft.refresh_from_db()
    assert (draft.quorum_numerator, draft.quorum_denominator) == (1, 2)
    for bad, field in [
        ({"pass_numerator": 4, "pass_denominator": 3}, "pass_numerator"),
        ({"quorum_denominator": 0}, "quorum_denominator"),
        ({"quorum_numerator": 0}, "quorum_numerator"),
        ({"withdrawal_notice_months": 99}, "withdrawal_notice_months"),
        ({"admission_body": "general_assembly"}, "admission_body"),
        ({"version": 7}, "version"),
        ({"title": ""}, "title"),
    ]:
        with pytest.raises(ValidationError) as error:
            gs.update_charter_draft(draft, bad)
        assert field in error.value.message_dict, bad
    draft.refresh_from_db()
    assert (draft.pass_numerator, draft.pass_denominator, draft.version) == (2, 3, 1)


def test_adopting_supersedes_the_version_in_force(alliance):
    first = adopted_charter(alliance, held_on=D(2024, 1, 5))
    assert (first.status, first.adopted_on) == (CharterStatus.ADOPTED, D(2024, 1, 5))
    second = gs.create_charter_draft(alliance, based_on=first, title="修订版")
    at = meeting(alliance, held_on=D(2025, 6, 30))
    approval = resolution(at, number="2025-理-1", subject="charter", votes_for=10)
    gs.adopt_charter(second, meeting=at, resolution=approval)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.superseded_on) == (CharterStatus.SUPERSEDED, D(2025, 6, 30))
    assert (second.status, second.adopted_on, second.adopted_at_meeting) == (
        CharterStatus.ADOPTED,
        D(2025, 6, 30),
        at,
    )
    assert gs.current_charter(alliance) == second
    assert gs.adopting_resolution(second) == approval
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "charter.adopted",
        "charter.superseded",
    }


@pytest.mark.parametrize("change", ["parameters", "articles", "adopt"])
def test_adopted_and_superseded_versions_are_immutable(alliance, change):
    first = adopted_charter(alliance)
    second = gs.create_charter_draft(alliance, based_on=first)
    gs.adopt_charter(second, meeting=meeting(alliance, held_on=D(2025, 1, 1)))
    first.refresh_from_db()
    for version in (first, second):  # superseded, adopted
        with pytest.raises(gs.CharterNotEditable) as error:
            if change == "parameters":
                gs.update_charter_draft(version, {"withdrawal_notice_months": 1})
            elif change == "articles":
                gs.save_charter_articles(version, BASE_ARTICLES[:1])
            else:
                gs.adopt_charter(version, meeting=meeting(alliance, held_on=D(2026, 1, 1)))
        assert "new draft" in error.value.messages[0]
        version.refresh_from_db()
        assert version.withdrawal_notice_months == 3
        assert CharterArticle.objects.filter(charter=version).count() == 4


def test_adoption_needs_articles_a_resolution_of_that_meeting_on_the_charter_that_passed(alliance):
    draft = gs.create_charter_draft(alliance, title="章程")
    at = meeting(alliance)
    with pytest.raises(ValidationError) as error:
        gs.adopt_charter(draft, meeting=at)
    assert "__all__" in error.value.message_dict  # no articles
    gs.save_charter_articles(draft, BASE_ARTICLES)
    elsewhere = meeting(alliance, held_on=D(2024, 2, 1))
    cases = [
        (
            resolution(elsewhere, number="R-elsewhere", subject="charter", votes_for=10),
            "not taken at this meeting",
        ),
        (resolution(at, number="R-other", subject="other", votes_for=10), "not the charter"),
        (resolution(at, number="R-failed", subject="charter", votes_for=7), "did not pass"),
    ]
    for wrong, message in cases:
        with pytest.raises(ValidationError) as error:
            gs.adopt_charter(draft, meeting=at, resolution=wrong)
        assert message in error.value.message_dict["resolution"][0]
    draft.refresh_from_db()
    assert draft.status == CharterStatus.DRAFT


def test_a_charter_cannot_be_adopted_at_a_meeting_before_the_version_in_force(alliance):
    first = adopted_charter(alliance, held_on=D(2024, 6, 1))
    draft = gs.create_charter_draft(alliance, based_on=first)
    with pytest.raises(ValidationError) as error:
        gs.adopt_charter(draft, meeting=meeting(alliance, held_on=D(2024, 5, 1)))
    assert "meeting" in error.value.message_dict
    first.refresh_from_db()
    assert first.status == CharterStatus.ADOPTED


def test_articles_are_validated_before_anything_is_replaced(alliance):
    draft = gs.create_charter_draft(alliance, title="章程")
    gs.save_charter_articles(draft, BASE_ARTICLES)
    bad_sets = {
        "duplicate": articles((1, "总则", 1, "甲"), (1, "总则", 1, "乙")),
        "empty text": articles((1, "总则", 1, "  ")),
        "two titles": articles((1, "总则", 1, "甲"), (1, "一般规定", 2, "乙")),
        "out of order": articles((1, "总则", 5, "甲"), (2, "成员", 3, "乙")),
        "no chapter title": articles((1, "", 1, "甲")),
        "bad number": articles((1, "总则", "x", "甲")),
    }
    for name, rows in bad_sets.items():
        with pytest.raises(ValidationError) as error:
            gs.save_charter_articles(draft, rows)
        assert error.value.message_dict["articles"], name
    assert CharterArticle.objects.filter(charter=draft).count() == 4
    assert "Article 1 appears twice" in str(
        pytest.raises(ValidationError, gs.save_charter_articles, draft, bad_sets["duplicate"]).value
    )


# --- the text format ----------------------------------------------------------------------------------------

CHARTER_TEXT = """第一章 总则
第一条 本集团名称为淄博市技工教育集团。
第二条本集团是非法人组织。
第五条规定的事项另行规定。

第二章　成员
第三条：成员单位享有下列权利：
（一）参加本集团活动；
（二）提出意见和建议。
第二十一条 退会须提前三个月书面申请。
"""


def test_the_text_format_reads_chinese_numerals_and_continuation_lines():
    assert [parse_numeral(t) for t in ("一", "十", "十五", "二十一", "一百零五", "21", "２１")] == [
        1, 10, 15, 21, 105, 21, 21
    ]  # fmt: skip
    parsed = parse_charter_text(CHARTER_TEXT)
    assert [(a["chapter_number"], a["chapter_title"], a["article_number"]) for a in parsed] == [
        (1, "总则", 1), (1, "总则", 2), (2, "成员", 3), (2, "成员", 21)
    ]  # fmt: skip
    # 第二条 written without a space is a heading (it is the next number); 第五条规定… is not
    assert parsed[1]["text"] == "本集团是非法人组织。\n第五条规定的事项另行规定。"
    assert parsed[2]["text"] == "成员单位享有下列权利：\n（一）参加本集团活动；\n（二）提出意见和建议。"


def test_the_text_format_round_trips():
    parsed = parse_charter_text(CHARTER_TEXT)
    rows = [CharterArticle(**row) for row in parsed]
    text = format_charter_text(rows)
    assert text.startswith("第一章 总则\n第一条 本集团名称为")
    assert "第二十一条 退会须提前三个月书面申请。" in text
    assert parse_charter_text(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("本章程依法制定。\n第一章 总则\n第一条 甲", "Line 1: the text must start with a chapter heading"),
        ("第一章\n第一条 甲", "Line 1: 第一章 has no title"),
        ("第一章 总则\n第一条\n第二条 乙", "Line 2: 第一条 has no text"),
        ("第一章 总则\n第一条 甲\n第二章 成员\n", "Line 3: chapter “第二章 成员” has no articles"),
        ("第一章 总则\n第一条 甲\n第一条 乙", "Line 3: 第一条 already appears on line 2"),
        ("第一章 总则\n第二条 甲\n第一条 乙", "Line 3: 第一条 comes after 第二条"),
        ("第一条 甲", "Line 1: 第一条 comes before any chapter heading"),
        ("", "Enter the charter's chapters and articles."),
    ],
)
def test_the_text_format_names_the_line_of_each_problem(text, message):
    with pytest.raises(FormValidationError) as error:
        parse_charter_text(text)
    assert any(m.startswith(message) for m in error.value.messages), error.value.messages


# --- differences --------------------------------------------------------------------------------------------


def test_diff_lists_added_removed_changed_and_unchanged_articles_and_parameters(alliance):
    old = adopted_charter(alliance)
    new = gs.create_charter_draft(alliance, based_on=old)
    gs.update_charter_draft(new, {"withdrawal_notice_months": 6, "pass_numerator": 3, "pass_denominator": 4})
    gs.save_charter_articles(
        new,
        articles(
            (1, "总则", 1, "本集团名称为淄博市技工教育集团。"),  # unchanged
            (1, "总则", 2, "本集团是非营利性组织。"),  # changed: 非法人 → 非营利性
            (1, "总则", 3, "本集团接受市人社局的业务指导。"),  # added
            (
                2,
                "成员单位",
                4,
                "成员单位退会须提前六个月书面申请，经理事会批准。",
            ),  # changed, renumbered 3 → 4
            # 4 (成员单位应当遵守本章程。) removed
        ),
    )
    diff = gs.charter_diff(old, new)
    summary = [
        (c.status, c.old and c.old.article_number, c.new and c.new.article_number) for c in diff.articles
    ]
    assert summary == [
        ("unchanged", 1, 1), ("changed", 2, 2), ("added", None, 3), ("changed", 3, 4), ("removed", 4, None),
    ]  # fmt: skip
    assert diff.counts == {"added": 1, "removed": 1, "changed": 2, "unchanged": 1}
    changed = diff.articles[1]
    assert changed.html == "本集团是非<del>法人</del><ins>营利性</ins>组织。"
    assert diff.articles[3].renumbered and diff.articles[3].old_heading == "第三条"
    assert "<del>三</del><ins>六</ins>" in diff.articles[3].html
    assert {(p.name, p.old, p.new) for p in diff.parameters} == {
        ("withdrawal_notice_months", "3 months", "6 months"),
        ("pass_threshold", "2/3", "3/4"),
    }
    assert [(c.number, c.status, c.old_title, c.new_title) for c in diff.chapters] == [
        (2, "changed", "成员", "成员单位")
    ]
    assert diff.has_changes and diff.as_dict()["counts"]["added"] == 1


def test_an_inserted_article_does_not_make_every_later_article_changed(alliance):
    old = adopted_charter(alliance)
    new = gs.create_charter_draft(alliance, based_on=old)
    rows = articles(
        *[(a["chapter_number"], a["chapter_title"], a["article_number"], a["text"]) for a in BASE_ARTICLES]
    )
    rows.insert(
        1, {"chapter_number": 1, "chapter_title": "总则", "article_number": 2, "text": "新增的条款。"}
    )
    for number, row in enumerate(rows, start=1):
        row["article_number"] = number
    gs.save_charter_articles(new, rows)
    diff = gs.charter_diff(old, new)
    assert [c.status for c in diff.articles] == ["unchanged", "added", "unchanged", "unchanged", "unchanged"]
    assert [c.renumbered for c in diff.articles] == [False, False, True, True, True]
    assert not gs.charter_diff(old, old).has_changes


def test_inline_diff_is_by_character_escapes_html_and_does_not_shred_chinese():
    assert gs.inline_diff("经常务理事会批准", "经理事会批准") == "经<del>常务</del>理事会批准"
    assert gs.inline_diff("a<b>", "a<i>") == "a&lt;<del>b</del><ins>i</ins>&gt;"
    # one shared character between two changes is folded into them, not shown as confetti
    assert gs.inline_diff("甲乙丙", "丁乙戊") == "<del>甲乙丙</del><ins>丁乙戊</ins>"


# --- quorum and threshold -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("present", "seats", "quorate"),
    [(10, 15, True), (9, 15, False), (2, 3, True), (1, 3, False), (15, 15, True), (0, 15, False)],
)
def test_quorum_at_the_boundary(present, seats, quorate):
    assert gs.quorum_met(Charter(), present=present, seats=seats) is quorate


@pytest.mark.parametrize(
    ("votes_for", "present", "passes"),
    [(8, 12, True), (7, 12, False), (2, 3, True), (1, 3, False), (0, 0, False)],
)
def test_threshold_at_the_boundary(votes_for, present, passes):
    assert gs.resolution_passes(Charter(), votes_for=votes_for, present=present) is passes


def test_a_resolution_records_the_outcome_and_explains_the_arithmetic(alliance):
    adopted_charter(alliance)
    at = meeting(alliance, present=12, seats=15)
    passed = resolution(at, number="R1", votes_for=8, against=3, abstaining=1)
    failed = resolution(at, number="R2", votes_for=7, against=5)
    assert (passed.quorum_met, passed.passed, failed.passed) == (True, True, False)
    assert gs.vote_count(passed).explanation == "present 12/15 ≥ 2/3, for 8/12 ≥ 2/3: passed"
    assert gs.vote_count(failed).explanation == "present 12/15 ≥ 2/3, for 7/12 < 2/3: not passed"
    thin = meeting(alliance, present=9, seats=15)
    unquorate = resolution(thin, number="R3", votes_for=9)
    assert (unquorate.quorum_met, unquorate.passed) == (False, False)
    assert gs.vote_count(unquorate).explanation == "present 9/15 < 2/3: not quorate, not passed"
    assert (gs.minimum_present(Charter(), 15), gs.minimum_votes_for(Charter(), 12)) == (10, 8)


def test_votes_beyond_those_present_and_the_wrong_body_are_refused(alliance):
    at = meeting(alliance, present=12, seats=15)
    with pytest.raises(ValidationError) as error:
        resolution(at, number="R1", votes_for=10, against=2, abstaining=1)
    assert "13 votes were cast but only 12" in error.value.message_dict["votes_for"][0]
    with pytest.raises(ValidationError) as error:  # withdrawals are approved by the standing council
        resolution(at, number="R2", subject="withdrawal", votes_for=12)
    assert "meeting" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        resolution(at, number="R3", subject="expulsion", votes_for=12)
        resolution(at, number="R3", subject="expulsion", votes_for=12)
    assert "number" in error.value.message_dict
    assert Resolution.objects.count() == 1


def test_the_charter_in_force_sets_the_threshold_and_stays_with_the_resolution(alliance):
    first = adopted_charter(alliance, pass_numerator=1, pass_denominator=2)
    at = meeting(alliance, present=12, seats=15, held_on=D(2024, 3, 1))
    half = resolution(at, number="R1", votes_for=6, against=6)
    assert half.passed and half.charter == first
    assert gs.vote_count(half).explanation == "present 12/15 ≥ 2/3, for 6/12 ≥ 1/2: passed"


# --- council terms and officers -----------------------------------------------------------------------------


def test_a_new_term_ends_the_running_one_and_terms_do_not_overlap(alliance):
    first = gs.create_council_term(alliance, starts_on=D(2021, 3, 1))
    second = gs.create_council_term(alliance, starts_on=D(2024, 3, 1))
    first.refresh_from_db()
    assert (first.number, second.number, first.ends_on) == (1, 2, D(2024, 2, 29))
    assert second.ended_terms == [first]
    with pytest.raises(ValidationError) as error:
        gs.create_council_term(alliance, number=2, starts_on=D(2027, 1, 1))
    assert "number" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        gs.update_council_term(second, number=2, starts_on=D(2024, 1, 1), ends_on=None)
    assert "starts_on" in error.value.message_dict  # overlaps term 1
    gs.end_council_term(second, ends_on=D(2027, 2, 28))
    with pytest.raises(ValidationError) as error:
        gs.end_council_term(second, ends_on=D(2027, 3, 1))
    assert "already ended" in error.value.message_dict["ends_on"][0]
    with pytest.raises(ValidationError):
        gs.create_council_term(alliance, starts_on=D(2027, 1, 1))  # inside term 2
    assert CouncilTerm.objects.count() == 2
    assert gs.current_council_term(alliance, D(2022, 1, 1)) == first


def test_officers_one_chair_units_of_this_alliance_only(alliance, other_alliance):
    term = gs.create_council_term(alliance, starts_on=D(2024, 1, 1))
    school = make_unit(alliance, "technical_school", name="淄博市技师学院")
    foreign = make_unit(other_alliance, name="南通某企业")
    with pytest.raises(ValidationError) as error:
        gs.set_council_officers(term, [
            {"office": "chair", "person_name": "张三", "member_unit": school},
            {"office": "chair", "person_name": "李四"},
            {"office": "vice_chair", "person_name": "王五", "member_unit": foreign},
            {"office": "", "person_name": ""},
        ])  # fmt: skip
    problems = error.value.message_dict["officers"]
    assert any("Row 3" in p and "not a member unit" in p for p in problems)
    assert any("one chair" in p for p in problems)
    assert any("Row 4" in p for p in problems)
    gs.set_council_officers(term, [
        {"office": "chair", "person_name": "张三", "member_unit": school},
        {"office": "vice_chair", "person_name": "王五"},
        {"office": "vice_chair", "person_name": "赵六", "member_unit": school.pk},
        {"office": "secretary_general", "person_name": "钱七"},
    ])  # fmt: skip
    assert CouncilOfficer.objects.filter(term=term).count() == 4
    gs.set_council_officers(term, [{"office": "chair", "person_name": "孙八"}])
    assert list(CouncilOfficer.objects.filter(term=term).values_list("person_name", flat=True)) == ["孙八"]


# --- pages --------------------------------------------------------------------------------------------------


def test_members_read_the_charter_typeset_with_its_parameters_in_words(alliance, rep_user, client):
    adopted_charter(alliance, withdrawal_notice_months=6)
    client.force_login(rep_user)
    page = client.get(url("governance-charter", alliance)).content.decode()
    assert "第一章" in page and "总则" in page and "第三条" in page and "本集团是非法人组织。" in page
    assert (
        "6 months in advance; the standing council approves" in page
    )  # zh: 退会须提前6个月书面申请，经常务理事会批准
    assert "two thirds (2/3)" in page
    assert url("governance-charter-create", alliance) not in page
    assert client.get(url("governance", alliance)).status_code == 200
    assert client.get(url("governance-charter-create", alliance)).status_code == 403
    assert "governance/" in client.get(url("dashboard", alliance)).content.decode()  # navigation link


def test_before_any_adoption_the_charter_page_shows_the_usual_parameters(alliance, staff_client):
    page = staff_client.get(url("governance-charter", alliance)).content.decode()
    assert "No charter has been adopted yet" in page and "3 months in advance" in page


def test_staff_record_governance_but_cannot_edit_the_charter(alliance, staff_client):
    draft = gs.create_charter_draft(alliance, title="章程")
    for name, args in [("governance-charter-create", ()), ("governance-charter-edit", (draft.pk,)),
                       ("governance-charter-articles", (draft.pk,)), ("governance-charter-adopt", (draft.pk,))]:  # fmt: skip
        assert staff_client.get(url(name, alliance, *args)).status_code == 403
        assert staff_client.post(url(name, alliance, *args), {"title": "x"}).status_code == 403
    assert staff_client.get(url("governance-term-create", alliance)).status_code == 200
    assert staff_client.get(url("governance-meeting-create", alliance)).status_code == 200
    draft.refresh_from_db()
    assert draft.title == "章程"


def test_admin_drafts_writes_articles_and_adopts_through_the_pages(alliance, admin_user, client):
    client.force_login(admin_user)
    response = client.post(url("governance-charter-create", alliance), {"title": "淄博市技工教育集团章程"})
    draft = Charter.objects.get()
    assert response.status_code == 302 and draft.status == CharterStatus.DRAFT
    articles_url = url("governance-charter-articles", alliance, draft.pk)
    response = client.post(articles_url, {"text": "第一章 总则\n第一条 甲\n第一条 乙"})
    assert (
        response.status_code == 200
        and "Line 3: 第一条 already appears on line 2" in response.content.decode()
    )
    assert not CharterArticle.objects.exists()
    assert client.post(articles_url, {"text": CHARTER_TEXT}).status_code == 302
    assert CharterArticle.objects.filter(charter=draft).count() == 4
    assert "第二十一条 退会须提前三个月书面申请。" in client.get(articles_url).content.decode()
    response = client.post(
        url("governance-charter-edit", alliance, draft.pk),
        {"title": "章程", "notes": "", "withdrawal_notice_months": 6, "admission_body": "council",
         "withdrawal_body": "standing_council", "expulsion_body": "council", "quorum_numerator": 4,
         "quorum_denominator": 3, "pass_numerator": 2, "pass_denominator": 3},
    )  # fmt: skip
    assert response.status_code == 200 and "quorum_numerator" in str(response.context["form"].errors)
    at = meeting(alliance)
    response = client.post(url("governance-charter-adopt", alliance, draft.pk), {"meeting": at.pk})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == CharterStatus.ADOPTED
    # an adopted version sends the editor back with the reason
    response = client.get(url("governance-charter-articles", alliance, draft.pk), follow=True)
    assert "can no longer be changed" in response.content.decode()


def test_diff_page_defaults_to_the_draft_against_the_version_in_force(alliance, staff_client):
    old = adopted_charter(alliance)
    new = gs.create_charter_draft(alliance, based_on=old)
    gs.save_charter_articles(
        new, articles((1, "总则", 1, "本集团名称为淄博市技工教育集团（简称淄博技工集团）。"))
    )
    page = staff_client.get(url("governance-charter-diff", alliance)).content.decode()
    assert "<ins>（简称淄博技工集团）</ins>" in page
    assert page.count('data-status="removed"') == 3
    picked = staff_client.get(url("governance-charter-diff", alliance), {"old": new.pk, "new": old.pk})
    assert picked.context["diff"].new == old
    bad = staff_client.get(url("governance-charter-diff", alliance), {"old": 99999, "new": old.pk})
    assert bad.status_code == 200 and "diff" not in bad.context


def test_recording_a_meeting_and_a_resolution_shows_the_arithmetic(alliance, staff_client):
    from members.models import CouncilRole

    for _ in range(5):
        make_unit(alliance, council_role=CouncilRole.COUNCIL)
    form_page = staff_client.get(url("governance-meeting-create", alliance)).content.decode()
    assert "5 units on the council" in form_page
    response = staff_client.post(
        url("governance-meeting-create", alliance),
        {"body": "council", "title": "第二次理事会", "held_on": "2025-03-01", "present": 4, "seats": ""},
    )
    created = Meeting.objects.get()
    assert response.status_code == 302 and (created.seats, created.present) == (5, 4)
    form_page = staff_client.get(url("governance-resolution-create", alliance, created.pk)).content.decode()
    assert "at least 4 of 5 present" in form_page and "at least 3 votes for, of 4 present" in form_page
    response = staff_client.post(
        url("governance-resolution-create", alliance, created.pk),
        {"number": "2025-理-01", "subject": "admission", "title": "接纳新成员", "votes_for": 3,
         "votes_against": 1, "votes_abstaining": 0},
        follow=True,
    )  # fmt: skip
    page = response.content.decode()
    assert "present 4/5 ≥ 2/3, for 3/4 ≥ 2/3: passed" in page
    response = staff_client.post(
        url("governance-resolution-create", alliance, created.pk),
        {"number": "2025-理-02", "subject": "other", "title": "x", "votes_for": 3, "votes_against": 2,
         "votes_abstaining": 0},
    )  # fmt: skip
    assert response.status_code == 200 and "5 votes were cast but only 4" in response.content.decode()
    response = staff_client.post(
        url("governance-meeting-create", alliance),
        {"body": "council", "title": "x", "held_on": "2025-03-01", "present": 9, "seats": 5},
    )
    assert response.status_code == 200 and "More members present" in response.content.decode()


def test_terms_and_officers_through_the_pages(alliance, staff_client):
    school = make_unit(alliance, "technical_school", name="淄博市技师学院")
    data = {"number": "", "starts_on": "2024-03-01", "ends_on": "", "officers-TOTAL_FORMS": 3,
            "officers-INITIAL_FORMS": 0, "officers-0-office": "chair", "officers-0-person_name": "张三",
            "officers-0-member_unit": school.pk, "officers-1-office": "chair", "officers-1-person_name": "李四"}  # fmt: skip
    response = staff_client.post(url("governance-term-create", alliance), data)
    assert response.status_code == 200 and "one chair" in response.content.decode()
    assert not CouncilTerm.objects.exists()  # the term is not kept when its officers are refused
    data["officers-1-office"] = "secretary_general"
    assert staff_client.post(url("governance-term-create", alliance), data).status_code == 302
    term = CouncilTerm.objects.get()
    page = staff_client.get(url("governance-term-list", alliance)).content.decode()
    assert "张三" in page and "淄博市技师学院" in page and "李四" in page
    edit = staff_client.get(url("governance-term-edit", alliance, term.pk))
    assert edit.context["formset"].initial[0]["person_name"] == "张三"
    response = staff_client.post(url("governance-term-end", alliance, term.pk), {"ends_on": "2020-01-01"})
    assert response.status_code == 200 and "cannot end before it starts" in response.content.decode()
    assert (
        staff_client.post(
            url("governance-term-end", alliance, term.pk), {"ends_on": "2027-02-28"}
        ).status_code
        == 302
    )


def test_resolution_list_filters(alliance, staff_client):
    at = meeting(alliance, held_on=D(2024, 5, 1))
    later = meeting(alliance, body="standing_council", held_on=D(2025, 5, 1), present=6, seats=7)
    resolution(at, number="A-1", subject="admission", votes_for=10)
    resolution(at, number="A-2", subject="admission", votes_for=2)
    resolution(later, number="W-1", subject="withdrawal", votes_for=6)

    def numbers(**query):
        response = staff_client.get(url("governance-resolution-list", alliance), query)
        return sorted(r.number for r in response.context["object_list"])

    assert numbers() == ["A-1", "A-2", "W-1"]
    assert numbers(subject="admission") == ["A-1", "A-2"]
    assert numbers(subject="admission", passed="true") == ["A-1"]
    assert numbers(passed="false") == ["A-2"]
    assert numbers(year=2025) == ["W-1"]
    assert numbers(q="W-") == ["W-1"]
    assert list(Resolution.objects.filter(passed=True, subject="withdrawal")) == [
        Resolution.objects.get(number="W-1")
    ]


GOVERNANCE_ROUTES = [r for r in ROUTES if r.is_tenant and ("governance" in r.name or any(
    r.name.startswith(f"api:{basename}-") for basename in ("charter", "councilterm", "meeting", "resolution")
))]  # fmt: skip


def test_the_governance_routes_are_found():
    names = {route.name for route in GOVERNANCE_ROUTES}
    assert {"governance", "governance-charter-diff", "api:charter-adopt", "api:charter-diff", "api:resolution-list",
            "api:councilterm-end"} <= names  # fmt: skip


@pytest.mark.parametrize("route", GOVERNANCE_ROUTES, ids=lambda route: route.name)
def test_governance_views_follow_the_matrix(route, client):
    """The role matrix through every governance route (tests/test_permissions.py does the same for all routes
    once its `_rows_of` knows governance rows)."""
    alliance = make_alliance()
    users = {role: make_member(alliance, role) for role in Role}
    draft = gs.create_charter_draft(alliance, title="章程")
    at = meeting(alliance)
    rows = {
        "charter_id": draft, "meeting_id": at, "resolution_id": resolution(at, number="R", votes_for=9),
        "councilterm_id": gs.create_council_term(alliance, starts_on=D(2024, 1, 1)),
    }  # fmt: skip
    kwargs = {"alliance_slug": alliance.slug, **{a: rows[a].pk for a in route.arguments if a in rows}}
    target = reverse(route.name, kwargs=kwargs)
    for method, action in route.view_actions():
        for role, user in sorted(users.items(), key=lambda item: action in MATRIX[item[0]]):
            client.force_login(user)
            response = getattr(client, method)(target)
            assert response.status_code < 500, f"{role} {method} {target}: {response.status_code}"
            if action in MATRIX[role]:
                assert response.status_code != 403, f"{role} was refused {method.upper()} {target}"
            else:
                assert response.status_code == 403, f"{role} got {response.status_code} for {method} {target}"


# --- API ----------------------------------------------------------------------------------------------------


def test_api_charter_lifecycle(alliance, admin_user):
    client = api_client(admin_user)
    response = client.post(
        api(alliance, "charters/"), {"title": "章程", "articles": BASE_ARTICLES}, format="json"
    )
    assert response.status_code == 201, response.content
    draft = response.json()
    assert draft["version"] == 1 and draft["status"] == "draft" and len(draft["articles"]) == 4
    assert draft["provisions"] and draft["articles"][0]["text"] == "本集团名称为淄博市技工教育集团。"
    detail = api(alliance, f"charters/{draft['id']}/")
    response = client.patch(
        detail, {"withdrawal_notice_months": 6, "articles": BASE_ARTICLES[:2]}, format="json"
    )
    assert response.status_code == 200 and response.json()["withdrawal_notice_months"] == 6
    assert len(response.json()["articles"]) == 2
    bad = client.patch(detail, {"pass_numerator": 5, "pass_denominator": 3}, format="json")
    assert bad.status_code == 400 and "pass_numerator" in bad.json()["error"]["details"]
    assert bad.json()["error"]["code"] == "invalid"
    duplicate = client.patch(detail, {"articles": BASE_ARTICLES[:1] * 2}, format="json")
    assert duplicate.status_code == 400 and "articles" in duplicate.json()["error"]["details"]
    at = meeting(alliance)
    other = meeting(alliance, held_on=D(2024, 2, 1))
    wrong = resolution(other, number="R-x", subject="charter", votes_for=10)
    refused = client.post(detail + "adopt/", {"meeting": at.pk, "resolution": wrong.pk}, format="json")
    assert refused.status_code == 400 and "resolution" in refused.json()["error"]["details"]
    adopted = client.post(detail + "adopt/", {"meeting": at.pk}, format="json")
    assert adopted.status_code == 200 and adopted.json()["status"] == "adopted"
    immutable = client.patch(detail, {"withdrawal_notice_months": 1}, format="json")
    assert immutable.status_code == 400 and "non_field_errors" in immutable.json()["error"]["details"]
    response = client.post(
        api(alliance, "charters/"), {"based_on": draft["id"], "title": "修订"}, format="json"
    )
    second = response.json()
    assert second["version"] == 2 and len(second["articles"]) == 2
    client.patch(api(alliance, f"charters/{second['id']}/"), {"articles": articles((1, "总则", 1, "新文本。"))},
                 format="json")  # fmt: skip
    diff = client.get(api(alliance, f"charters/{second['id']}/diff/")).json()
    assert diff["old"]["version"] == 1 and diff["counts"] == {
        "added": 0,
        "removed": 1,
        "changed": 1,
        "unchanged": 0,
    }
    assert {a["status"] for a in diff["articles"]} == {"changed", "removed"}
    assert client.get(api(alliance, f"charters/{second['id']}/diff/"), {"against": "x"}).status_code == 400
    assert client.get(api(alliance, f"charters/{second['id']}/diff/"), {"against": 99999}).status_code == 400
    listed = client.get(api(alliance, "charters/")).json()["results"]
    assert [c["version"] for c in listed] == [2, 1]


def test_api_refuses_what_the_role_may_not_do(alliance, admin_user):
    staff = api_client(make_member(alliance, Role.SECRETARIAT_STAFF))
    rep = api_client(make_member(alliance, Role.MEMBER_REPRESENTATIVE))
    assert staff.post(api(alliance, "charters/"), {"title": "x"}, format="json").status_code == 403
    assert rep.get(api(alliance, "charters/")).status_code == 200
    assert rep.post(api(alliance, "meetings/"), {}, format="json").status_code == 403
    assert staff.post(api(alliance, "meetings/"), {}, format="json").status_code == 400


def test_api_terms_meetings_and_resolutions(alliance, other_alliance):
    client = api_client(make_member(alliance, Role.SECRETARIAT_STAFF))
    unit = make_unit(alliance, name="淄博市技师学院")
    foreign = make_unit(other_alliance)
    body = {
        "starts_on": "2024-03-01",
        "officers": [{"office": "chair", "person_name": "张三", "member_unit": unit.pk}],
    }
    response = client.post(api(alliance, "council-terms/"), body, format="json")
    assert response.status_code == 201, response.content
    term = response.json()
    assert term["number"] == 1 and term["officers"][0]["member_unit_name"] == "淄博市技师学院"
    body["officers"][0]["member_unit"] = foreign.pk
    response = client.patch(
        api(alliance, f"council-terms/{term['id']}/"), {"officers": body["officers"]}, format="json"
    )
    assert response.status_code == 400 and "officers" in response.json()["error"]["details"]
    response = client.post(
        api(alliance, f"council-terms/{term['id']}/end/"), {"ends_on": "2027-02-28"}, format="json"
    )
    assert response.status_code == 200 and response.json()["ends_on"] == "2027-02-28"

    response = client.post(
        api(alliance, "meetings/"),
        {"body": "council", "title": "理事会", "held_on": "2024-05-01", "seats": 15, "present": 16},
        format="json",
    )
    assert response.status_code == 400 and "present" in response.json()["error"]["details"]
    response = client.post(
        api(alliance, "meetings/"),
        {"body": "council", "title": "理事会", "held_on": "2024-05-01", "seats": 15, "present": 12,
         "term": term["id"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    meeting_id = response.json()["id"]
    vote = {"meeting": meeting_id, "number": "2024-1", "subject": "admission", "title": "接纳",
            "votes_for": 8, "votes_against": 4, "votes_abstaining": 0}  # fmt: skip
    response = client.post(api(alliance, "resolutions/"), vote, format="json")
    assert response.status_code == 201 and response.json()["passed"] is True
    assert response.json()["arithmetic"] == "present 12/15 ≥ 2/3, for 8/12 ≥ 2/3: passed"
    for change, field in [({"votes_for": 9, "number": "2024-2"}, "votes_for"), ({}, "number"),
                          ({"subject": "withdrawal", "number": "2024-3"}, "meeting")]:  # fmt: skip
        response = client.post(api(alliance, "resolutions/"), {**vote, **change}, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["details"], change
    foreign_meeting = meeting(other_alliance)
    response = client.post(api(alliance, "resolutions/"), {**vote, "meeting": foreign_meeting.pk, "number": "x"},
                           format="json")  # fmt: skip
    assert response.status_code == 400 and "meeting" in response.json()["error"]["details"]
    client.post(api(alliance, "resolutions/"), {**vote, "number": "2024-4", "votes_for": 2}, format="json")
    listed = client.get(api(alliance, "resolutions/"), {"subject": "admission", "passed": "true"}).json()
    assert [r["number"] for r in listed["results"]] == ["2024-1"]
    detail = client.get(api(alliance, f"meetings/{meeting_id}/")).json()
    assert [r["number"] for r in detail["resolutions"]] == ["2024-1", "2024-4"]


def test_openapi_documents_the_governance_api(staff_client):
    schema = staff_client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert "/api/v1/alliances/{alliance_slug}/charters/{charter_id}/diff/" in paths
    assert "/api/v1/alliances/{alliance_slug}/charters/{charter_id}/adopt/" in paths
    assert "/api/v1/alliances/{alliance_slug}/council-terms/{councilterm_id}/end/" in paths
    assert "/api/v1/alliances/{alliance_slug}/resolutions/" in paths
    diff = paths["/api/v1/alliances/{alliance_slug}/charters/{charter_id}/diff/"]["get"]
    assert any(p["name"] == "against" for p in diff["parameters"])


# --- constant query counts ----------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        assert response.status_code == 200
    return len(captured)


def _add_rows(alliance, count, start):
    term = CouncilTerm.objects.filter(alliance=alliance).first() or gs.create_council_term(
        alliance, starts_on=D(2020, 1, 1)
    )
    unit = make_unit(alliance)
    for n in range(start, start + count):
        at = Meeting.objects.create(alliance=alliance, body="council", term=term, title=f"会议{n}",
                                    held_on=D(2024, 1, 1), seats=15, present=12)  # fmt: skip
        Resolution.objects.create(alliance=alliance, meeting=at, number=f"R{n}", subject="other", title="决议",
                                  votes_for=9, votes_against=3, votes_abstaining=0, quorum_met=True, passed=True)  # fmt: skip
        CouncilOfficer.objects.create(alliance=alliance, term=term, office="vice_chair", person_name=f"副{n}",
                                      member_unit=unit)  # fmt: skip
        charter = Charter.objects.create(alliance=alliance, version=n + 1, title=f"章程{n}")
        CharterArticle.objects.create(alliance=alliance, charter=charter, chapter_number=1, chapter_title="总则",
                                      article_number=1, text="甲")  # fmt: skip


def test_lists_run_a_constant_number_of_queries(alliance, staff_client, staff_user):
    token = api_client(staff_user)
    pages = [url(name, alliance) for name in ("governance-meeting-list", "governance-resolution-list",
                                              "governance-term-list", "governance-charter-list", "governance")]  # fmt: skip
    apis = [api(alliance, path) for path in ("meetings/", "resolutions/", "council-terms/", "charters/")]
    _add_rows(alliance, 10, 0)
    few = [_queries(staff_client, path) for path in pages] + [_queries(token, path) for path in apis]
    _add_rows(alliance, 40, 10)
    many = [_queries(staff_client, path) for path in pages] + [_queries(token, path) for path in apis]
    assert many == few

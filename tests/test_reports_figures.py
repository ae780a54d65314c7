"""The annual report's figures equal the same figures computed independently (tests/report_expectations.py: plain
rows counted in Python), on the demo data and on a generated larger alliance; a constant number of queries."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from alliances.tenancy import scope
from members.models import MemberUnit
from reports.figures import annual_figures, specialty_industry_map

from . import report_expectations as expected
from .factories import make_alliance
from .report_data import populate

YEAR = 2025


def compare(figures: dict, year: int) -> None:
    """Every section of `figures` against the independent computation."""
    # Membership: whole section.
    assert figures["membership"] == expected.membership(year)

    # Governance.
    governance = expected.governance(year)
    assert {m["body"]: m["meetings"] for m in figures["governance"]["meetings"]} == governance["meetings"]
    counted = {(r["subject"], True): r["passed"] for r in figures["governance"]["resolutions"]}
    counted |= {(r["subject"], False): r["not_passed"] for r in figures["governance"]["resolutions"]}
    assert {k: v for k, v in counted.items() if v} == dict(governance["resolutions"])

    # Events.
    events = expected.events(year)
    assert figures["events"]["totals"]["units"] == events.pop("__units__")
    got = {r["kind"]: {k: r[k] for k in ("events", "finished", "cancelled", "registrations", "attendance", "units")}
           for r in figures["events"]["by_kind"]}  # fmt: skip
    assert got == events

    # Cooperation.
    cooperation = expected.cooperation(year)
    for row in figures["cooperation"]["by_kind"]:
        counts = cooperation["kinds"][row["kind"]]
        assert (row["signed"], row["in_force"], row["running"]) == (counts["signed"], counts["in_force"], counts["running"])
    assert {r["kind"] for r in figures["cooperation"]["by_kind"]} == set(cooperation["kinds"])
    for row in figures["cooperation"]["details"]:
        counts = cooperation["kinds"].get(row["kind"], {})
        assert row["students"] == counts.get("students", 0), row["kind"]
        assert row["participants"] == counts.get("participants", 0), row["kind"]
        assert row["employed"] == counts.get("employed", 0), row["kind"]
    assert figures["cooperation"]["totals"]["schools"] == cooperation["schools"]
    assert figures["cooperation"]["totals"]["enterprises"] == cooperation["enterprises"]

    # Internships.
    interns = expected.internships(year)
    totals = figures["internships"]["totals"]
    assert (totals["interns"], totals["enterprises"], totals["schools"]) == (
        interns["interns"], interns["enterprises"], interns["schools"])
    assert {r["school"]: r["interns"] for r in figures["internships"]["by_school"]} == interns["by_school"]
    assert {r["code"]: r["interns"] for r in figures["internships"]["by_section"]} == interns["by_section"]
    if len(interns["by_specialty"]) <= 30:
        got = {r["specialty"]: r["interns"] for r in figures["internships"]["by_specialty"]}
        assert got == {name or gettext("(not given)"): n for name, n in interns["by_specialty"].items()}

    # Subsidies.
    subsidies = expected.subsidies(year)
    got = {r["name"]: (r["claimed_lines"], r["claimed"], r["approved_lines"], r["approved"], r["paid"])
           for r in figures["subsidies"]["by_program"]}  # fmt: skip
    assert got == subsidies["programs"]
    assert {r["payer"]: r["paid"] for r in figures["subsidies"]["by_payer"]} == subsidies["payers"]

    # Alignment.
    alignment = expected.alignment(year, specialty_industry_map()[1])
    assert figures["alignment"]["offerings"] == alignment["offerings"]
    assert figures["alignment"]["aligned_offerings"] == alignment["aligned"]
    assert {r["code"]: r["enterprises"] for r in figures["alignment"]["enterprise_sections"]} == alignment["sections"]

    # Dormant members.
    assert {u["name"]: u["last_activity_on"] for u in figures["dormant"]["units"]} == expected.dormant(year)
    assert figures["dormant"]["count"] == len(figures["dormant"]["units"])


def figures_of(alliance, year):
    with scope(alliance.pk):
        return annual_figures(alliance, year)


def test_demo_figures_equal_independent_counts(db):
    from alliances.demo import seed_demo
    from alliances.models import Alliance

    seed_demo()
    this_year = timezone.localdate().year
    for alliance in Alliance.objects.order_by("slug"):
        for year in sorted({this_year - 1, this_year}):
            figures = figures_of(alliance, year)
            json.dumps(figures)  # a JSON snapshot: nothing but plain values
            with scope(alliance.pk):
                compare(figures, year)


@pytest.fixture
def big(db):
    alliance = make_alliance("扬州市产教融合测试联盟", slug="big-test", founded_on=datetime.date(2015, 5, 1))
    with scope(alliance.pk):
        counts = populate(alliance, year=YEAR, units=300, lines=3000, events=80)
    return alliance, counts


def test_generated_alliance_figures_equal_independent_counts(big):
    alliance, counts = big
    for year in (YEAR - 1, YEAR, YEAR + 1):
        figures = figures_of(alliance, year)
        with scope(alliance.pk):
            compare(figures, year)
    figures = figures_of(alliance, YEAR)
    # The generated data exercises every section (so the comparisons above are not comparing zeros).
    assert figures["membership"]["totals"]["joined"] and figures["membership"]["totals"]["withdrawn"]
    assert figures["membership"]["totals"]["expelled"] and figures["governance"]["totals"]["resolutions"]
    assert figures["events"]["totals"]["attendance"] and figures["cooperation"]["totals"]["signed"]
    assert figures["internships"]["totals"]["interns"] > 100
    assert figures["subsidies"]["by_payer"] and figures["alignment"]["offerings"] and figures["dormant"]["count"]


def test_membership_reconciles_on_a_simple_history(db):
    """previous + joined − withdrawn − expelled = current, with a re-admitted unit counted by its timeline."""
    from members.models import MembershipAction, MembershipEvent

    alliance = make_alliance()
    with scope(alliance.pk):
        def unit(name, kind, admitted, status="admitted", left=None):
            return MemberUnit.objects.create(alliance=alliance, name=name, kind=kind, credit_code=name[-18:].rjust(18, "0"),
                                             status=status, admitted_on=admitted, left_on=left)  # fmt: skip

        unit("老成员", "enterprise", datetime.date(2020, 3, 1))
        unit("新成员", "technical_school", datetime.date(2025, 6, 1))
        unit("退会成员", "enterprise", datetime.date(2021, 1, 1), "withdrawn", datetime.date(2025, 4, 30))
        unit("除名成员", "association", datetime.date(2021, 1, 1), "expelled", datetime.date(2025, 12, 31))
        back = unit("重新入会", "enterprise", datetime.date(2025, 9, 1))  # left in 2023, admitted again in 2025
        for action, day in ((MembershipAction.ADMITTED, datetime.date(2019, 5, 1)),
                            (MembershipAction.WITHDRAWN, datetime.date(2023, 2, 1)),
                            (MembershipAction.ADMITTED, datetime.date(2025, 9, 1))):  # fmt: skip
            MembershipEvent.objects.create(alliance=alliance, member_unit=back, action=action,
                                           to_status="admitted" if action == "admitted" else "withdrawn",
                                           effective_on=day)  # fmt: skip
        unit("申请中", "enterprise", None, "applied")
        figures = annual_figures(alliance, 2025)
        totals = figures["membership"]["totals"]
        assert totals == {"previous": 3, "current": 3, "joined": 2, "withdrawn": 1, "expelled": 1, "change": 0}
        assert totals["previous"] + totals["joined"] - totals["withdrawn"] - totals["expelled"] == totals["current"]
        assert annual_figures(alliance, 2022)["membership"]["totals"]["current"] == 4  # 重新入会 was a member then
        assert annual_figures(alliance, 2023)["membership"]["totals"]["current"] == 3


def test_figures_hold_no_personal_data(big):
    alliance, _counts = big
    text = json.dumps(figures_of(alliance, YEAR), ensure_ascii=False)
    assert "hash0" not in text and "实习生张某" not in text and "参会代表李某" not in text  # the generated people


def count_queries(alliance, year) -> dict[str, int]:
    """Queries per section."""
    from reports import figures as module

    counts = {}
    with scope(alliance.pk):
        period = module.Year(year)
        for name, compute in module.SECTIONS:
            with CaptureQueriesContext(connection) as queries:
                compute(period)
            counts[name] = len(queries.captured_queries)
    return counts


def test_a_constant_number_of_queries_per_section(big, django_assert_max_num_queries):
    large, _counts = big
    small = make_alliance("小型测试联盟", slug="small-test")
    with scope(small.pk):
        populate(small, year=YEAR, units=20, lines=60, events=5, seed=3)
    assert count_queries(small, YEAR) == count_queries(large, YEAR)
    with django_assert_max_num_queries(30), scope(large.pk):
        annual_figures(large, YEAR)

"""Calculation runs end to end: the calculation job, the run pages (constant queries), the steps finalise →
approve → pay with their permissions and refusals, the disbursement list (XLSX) against an independent
computation, audited downloads with masked or revealed bank accounts, and the API (409 on state conflicts)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from alliances.jobs import get_job_kind
from alliances.models import AuditEntry, Job, JobStatus
from alliances.permissions import Action, Role
from alliances.spreadsheets import XLSX_CONTENT_TYPE
from subsidies.calculation import CalculationRefused
from subsidies.jobs import CALCULATION_JOB_KIND
from subsidies.models import CalculationRun, ClaimStatus, RateUnit, RunStatus
from subsidies.services import runs as services
from subsidies.workflow import TransitionRefused

from .factories import make_member
from .test_subsidy_calculation import Setup, expected

pytestmark = pytest.mark.django_db

ACCOUNT = "6222020200112233445"


@pytest.fixture
def bureau_user(alliance):
    return make_member(alliance, Role.BUREAU_OFFICIAL, "bureau")


def english(client):
    client.cookies["django_language"] = "en"
    return client


def url(name, run=None, alliance=None, **kwargs):
    alliance = alliance or run.alliance
    if run is not None:
        kwargs["calculationrun_id"] = run.pk
    return reverse(name, kwargs={"alliance_slug": alliance.slug, **kwargs})


def api(name, run=None, alliance=None, **kwargs):
    return url(f"api:subsidy-run-{name}", run, alliance, **kwargs)


def populated(alliance, enterprises=3, lines_each=4, **version_fields) -> Setup:
    setup = Setup(alliance, version_fields=version_fields)
    for number in range(enterprises):
        setup.lines(setup.claim(account=f"62220202001122{number:05d}"), lines_each)
    return setup


def calculated(setup, admin_user=None) -> CalculationRun:
    return setup.calculate(admin_user)


# --- the job -----------------------------------------------------------------------------------------------


def test_the_calculation_is_a_job_kind_that_needs_run_calculations():
    kind = get_job_kind(CALCULATION_JOB_KIND)
    assert kind.required_action == Action.RUN_CALCULATIONS


def test_calculate_page_starts_a_job_and_the_run_page_shows_the_result(
    alliance, staff_user, client, django_capture_on_commit_callbacks
):
    setup = populated(alliance, budget=Decimal("2000"))
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("subsidy-run-calculate", alliance=alliance),
            {"program": setup.program.pk, "period": setup.period.pk},
        )
    run = CalculationRun.objects.get(program=setup.program)
    assert response.status_code == 302 and response["Location"] == url("subsidy-run-detail", run)
    job = Job.objects.get(kind=CALCULATION_JOB_KIND)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.progress == 100 and job.result["run"] == run.pk and job.requested_by == staff_user
    run.refresh_from_db()
    assert run.job == job and run.total == Decimal("2000.00") and run.calculated_by == staff_user
    assert AuditEntry.objects.filter(action="subsidies.run.calculated", object_id=str(run.pk)).exists()
    page = client.get(url("subsidy-run-detail", run)).content.decode()
    assert 'data-testid="run-total">2,000.00<' in page and f"/jobs/{job.pk}/" in page and "0.55555556" in page
    # Finished: the bar stays at 100 % with the job's outcome, and nothing polls any more.
    assert 'data-testid="run-progress" data-status="succeeded"' in page and 'value="100"' in page
    assert url("subsidy-run-progress", run) not in page and "hx-trigger" not in page


def test_a_calculation_in_progress_is_polled_then_the_page_reloads(alliance, staff_user, client):
    setup = populated(alliance, 1, 1)
    run, job = services.start_calculation(
        alliance=alliance, program=setup.program, period=setup.period, requested_by=staff_user
    )
    client.force_login(staff_user)
    page = client.get(url("subsidy-run-detail", run)).content.decode()
    assert 'data-testid="run-progress"' in page and url("subsidy-run-progress", run) in page
    progress = client.get(url("subsidy-run-progress", run), HTTP_HX_REQUEST="true")
    assert progress.status_code == 200 and b"<progress" in progress.content
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=100)
    done = client.get(url("subsidy-run-progress", run), HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Refresh"] == "true"
    assert client.get(url("subsidy-run-progress", run)).status_code == 302  # not htmx: to the run page


def test_starting_twice_gives_one_job_and_one_draft(alliance, staff_user):
    setup = populated(alliance, 1, 1)
    first = services.start_calculation(
        alliance=alliance, program=setup.program, period=setup.period, requested_by=staff_user
    )
    second = services.start_calculation(
        alliance=alliance, program=setup.program, period=setup.period, requested_by=staff_user
    )
    assert first == second
    assert CalculationRun.objects.filter(program=setup.program).count() == 1


def test_a_refused_calculation_fails_the_job_with_its_message(
    alliance, staff_user, client, django_capture_on_commit_callbacks
):
    setup = populated(alliance, 2, 3, budget=Decimal("100"), over_budget_policy="refuse")
    client.force_login(staff_user)
    english(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("subsidy-run-calculate", alliance=alliance),
            {"program": setup.program.pk, "period": setup.period.pk},
        )
    job = Job.objects.get(kind=CALCULATION_JOB_KIND)
    # Refused in a request in English, the message is kept in each language: each reader sees their own.
    assert job.status == JobStatus.FAILED and "more than the budget of 100.00 CNY" in job.messages["en"]
    assert "超过预算100.00元" in job.messages["zh-hans"] and job.message == job.messages["zh-hans"]
    run = CalculationRun.objects.get(program=setup.program)
    assert run.calculated_at is None and not run.lines.exists()
    page = client.get(url("subsidy-run-detail", run)).content.decode()
    assert 'data-testid="run-failed"' in page and "more than the budget" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url("subsidy-run-detail", run)).content.decode()
    assert "任务失败：按上限核减后的金额合计" in page and "more than the budget" not in page


def test_calculate_form_refuses_a_finalised_period(alliance, admin_user, client):
    setup = populated(alliance, 1, 1)
    run = calculated(setup)
    services.finalise_run(run, actor=admin_user)
    client.force_login(admin_user)
    english(client)
    response = client.post(
        url("subsidy-run-calculate", alliance=alliance),
        {"program": setup.program.pk, "period": setup.period.pk},
    )
    assert response.status_code == 200 and "cannot be calculated again" in response.content.decode()
    assert not Job.objects.filter(kind=CALCULATION_JOB_KIND).exists()


# --- pages -------------------------------------------------------------------------------------------------


def _count(client, path, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return len(captured)


def test_pages_run_a_constant_number_of_queries(alliance, staff_client):
    few = calculated(populated(alliance, 2, 2))
    many = calculated(populated(alliance, 30, 5, cap_per_enterprise=Decimal("1000")))
    for name in ("subsidy-run-detail", "subsidy-run-lines"):
        assert _count(staff_client, url(name, few)) == _count(staff_client, url(name, many)), name
    assert _count(staff_client, url("subsidy-run-lines", many), rule="post_semester", q="测试") == _count(
        staff_client, url("subsidy-run-lines", few), rule="post_semester", q="测试"
    )
    listing = url("subsidy-run-list", alliance=alliance)
    before = _count(staff_client, listing)
    for _ in range(5):
        calculated(populated(alliance, 1, 1))
    assert _count(staff_client, listing) == before


def test_run_pages_show_disbursements_shares_and_lines_with_their_rules(alliance, staff_client):
    setup = populated(alliance, 1, 2)
    duplicate_claim = setup.claim(submitted_at=setup.submitted + datetime.timedelta(days=9))
    student = setup.lines(
        setup.claim(submitted_at=setup.submitted - datetime.timedelta(days=1)), 1, student=555
    )
    setup.lines(duplicate_claim, 1, student=555)
    run = calculated(setup)
    english(staff_client)
    page = staff_client.get(url("subsidy-run-detail", run)).content.decode()
    assert "市财政" in page and "区县财政" in page and "**** **** " in page and ACCOUNT not in page
    lines = staff_client.get(url("subsidy-run-lines", run)).content.decode()
    assert "Student already paid on an earlier claim" in lines and "该学生已在申报" in lines
    assert "3703**********" in lines and student[0].resident_id_masked in lines
    only = staff_client.get(url("subsidy-run-lines", run), {"rule": "duplicate_paid_once"}).content.decode()
    assert only.count("该学生已在申报") == 1 and "300.00元/岗·学期" not in only


def test_run_list_filters_by_program_and_status(alliance, staff_client):
    one, other = calculated(populated(alliance, 1, 1)), calculated(populated(alliance, 1, 1))
    page = staff_client.get(
        url("subsidy-run-list", alliance=alliance), {"program": one.program_id}
    ).content.decode()
    table = page[page.index('data-testid="run-table"') :]
    assert one.program.name in table and other.program.name not in table
    assert (
        staff_client.get(url("subsidy-run-list", alliance=alliance), {"status": "bogus"}).status_code == 200
    )


# --- the way to payment ---------------------------------------------------------------------------------------


def test_finalise_approve_pay_with_the_right_roles(alliance, staff_user, admin_user, bureau_user, client):
    run = calculated(populated(alliance, 2, 2))
    client.force_login(staff_user)
    assert client.get(url("subsidy-run-finalise", run)).status_code == 403  # staff calculate, do not finalise
    client.force_login(admin_user)
    assert client.get(url("subsidy-run-finalise", run)).status_code == 200
    response = client.post(url("subsidy-run-finalise", run), {"token": str(run.token)})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.FINALISED and run.finalised_by == admin_user
    assert client.get(url("subsidy-run-approve", run)).status_code == 403  # the admin cannot approve
    client.force_login(bureau_user)
    assert (
        client.get(url("subsidy-run-detail", run)).status_code == 200
    )  # bureau officials read the same pages
    assert client.post(url("subsidy-run-approve", run)).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.BUREAU_APPROVED and run.approved_by == bureau_user
    assert (
        client.post(
            url("subsidy-run-pay", run), {"payment_reference": "GK-1", "paid_on": "2025-03-01"}
        ).status_code
        == 403
    )
    client.force_login(admin_user)
    english(client)
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = client.post(
        url("subsidy-run-pay", run), {"payment_reference": "GK-2025-0301", "paid_on": future}
    )
    assert response.status_code == 200 and "cannot be in the future" in response.content.decode()
    today = timezone.localdate().isoformat()
    assert (
        client.post(
            url("subsidy-run-pay", run), {"payment_reference": "GK-2025-0301", "paid_on": today}
        ).status_code
        == 302
    )
    run.refresh_from_db()
    assert (run.status, run.payment_reference, run.paid_on.isoformat()) == (
        RunStatus.PAID,
        "GK-2025-0301",
        today,
    )
    actions = list(
        AuditEntry.objects.filter(object_id=str(run.pk), action__startswith="subsidies.run.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["subsidies.run.calculated", "subsidies.run.finalised", "subsidies.run.bureau_approved",
                       "subsidies.run.paid", "subsidies.run.payment_recorded"]  # fmt: skip
    payment = AuditEntry.objects.get(action="subsidies.run.payment_recorded")
    assert payment.detail["payment_reference"] == "GK-2025-0301"


def test_steps_out_of_order_are_refused(alliance, admin_user, bureau_user, client):
    run = calculated(populated(alliance, 1, 1))
    english(client)
    client.force_login(bureau_user)
    response = client.post(url("subsidy-run-approve", run))
    assert response.status_code == 200 and "cannot become" in response.content.decode()
    client.force_login(admin_user)
    response = client.post(url("subsidy-run-pay", run), {"payment_reference": "GK", "paid_on": "2025-01-01"})
    assert response.status_code == 200 and "cannot become" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.DRAFT


def test_finalising_is_refused_when_the_figures_changed_or_are_missing(alliance, admin_user, staff_user):
    setup = populated(alliance, 1, 2)
    with translation.override("en"):
        run, _job = services.start_calculation(
            alliance=alliance, program=setup.program, period=setup.period, requested_by=staff_user
        )
        with pytest.raises(TransitionRefused, match="in progress"):
            services.finalise_run(run, actor=admin_user)
        Job.objects.filter(pk=run.job_id).update(status=JobStatus.FAILED)
        with pytest.raises(TransitionRefused, match="not been calculated"):
            services.finalise_run(run, actor=admin_user)
        seen = calculated(setup).token
        again = calculated(setup)
        with pytest.raises(TransitionRefused, match="calculated again after you opened it"):
            services.finalise_run(again, actor=admin_user, token=seen)
        setup.lines(setup.claim(), 1)
        with pytest.raises(TransitionRefused, match="Calculate again before finalising"):
            services.finalise_run(again, actor=admin_user, token=again.token)
        calculated(setup)
        services.finalise_run(again, actor=admin_user)
    again.refresh_from_db()
    assert again.status == RunStatus.FINALISED and again.lines_considered == 3


def test_a_finalised_run_cannot_be_calculated_again_by_any_path(alliance, admin_user, staff_user):
    setup = populated(alliance, 1, 2)
    run = calculated(setup)
    services.finalise_run(run, actor=admin_user)
    setup.lines(setup.claim(), 1)
    with pytest.raises(TransitionRefused):
        services.start_calculation(
            alliance=alliance, program=setup.program, period=setup.period, requested_by=staff_user
        )
    with pytest.raises(CalculationRefused):
        setup.calculate()
    run.refresh_from_db()
    assert run.lines_considered == 2 and run.lines.count() == 2


# --- the disbursement list (XLSX) ----------------------------------------------------------------------------


def _workbook(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    return load_workbook(
        BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def test_disbursement_list_totals_equal_an_independent_computation(alliance, staff_user, client):
    setup = populated(alliance, 4, 3, cap_per_enterprise=Decimal("800"), budget=Decimal("2500"))
    zero = setup.claim()
    setup.lines(zero, 1, ends_on=datetime.date(2024, 9, 10))  # too short: an enterprise with 0
    run = calculated(setup, staff_user)
    want = expected(setup)
    client.force_login(staff_user)
    workbook = _workbook(client.get(url("subsidy-run-download", run)))
    assert workbook.sheetnames == ["发放清单", "计算参数", "明细"]
    rows = list(workbook["发放清单"].iter_rows(values_only=True))
    assert list(rows[0]) == ["序号", "企业名称", "统一社会信用代码", "开户名", "开户银行", "银行账号", "金额（元）",
                             "市财政承担（元）", "区县财政承担（元）"]  # fmt: skip
    body, totals, check = rows[1:-2], rows[-2], rows[-1]
    assert len(body) == 4  # the enterprise with nothing to pay is not listed
    amounts = [Decimal(str(row[6])) for row in body]
    assert sum(amounts) * 100 == want["total"] == 250000
    assert Decimal(str(totals[6])) == Decimal("2500.00") and totals[0] == "合计"
    assert Decimal(str(totals[7])) + Decimal(str(totals[8])) == Decimal("2500.00")
    for row in body:
        assert Decimal(str(row[7])) + Decimal(str(row[8])) == Decimal(str(row[6]))
        assert row[5].startswith("**** **** ")
    assert sorted(int(Decimal(str(row[6])) * 100) for row in body) == sorted(
        amount for _g, _c, amount in want["enterprises"].values() if amount
    )
    assert "一致" in check[1]
    sheet = workbook["发放清单"]
    assert sheet.cell(row=2, column=7).number_format == "0.00"
    parameters = dict(workbook["计算参数"].iter_rows(values_only=True))
    assert (
        parameters["预算系数"] == pytest.approx(float(run.budget_factor))
        and parameters["银行账号"] == "已脱敏"
    )
    assert str(parameters["补贴项目"]).startswith(setup.program.name) and parameters["生成人"] == str(
        staff_user
    )
    lines = list(workbook["明细"].iter_rows(values_only=True))
    assert len(lines) == 1 + run.lines_considered
    assert all("**********" in row[4] for row in lines[1:])
    assert sum(Decimal(str(row[11])) for row in lines[1:]) == Decimal("2500.00")
    entry = AuditEntry.objects.get(action="file.downloaded", object_id=str(run.pk))
    assert entry.detail["bank_accounts"] == "masked"


def test_line_sheet_keeps_types_formats_and_escapes_text(alliance, staff_client):
    setup = Setup(alliance, unit=RateUnit.PERSON, rate="650.00")
    claim = setup.claim()
    setup.lines(claim, 1, starts_on=None, ends_on=None, post="<培训&岗位>", position=1)
    setup.lines(claim, 1, post="=SUM(A1)", position=2)
    setup.lines(claim, 1, post=" 前后有空格 ", position=3)
    run = calculated(setup)
    sheet = _workbook(staff_client.get(url("subsidy-run-download", run)))["明细"]
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [1, 2, 3]
    assert rows[1][5] == "<培训&岗位>" and rows[1][6] is None
    assert rows[2][5] == "'=SUM(A1)" and rows[3][5] == " 前后有空格 "
    assert rows[2][6].date() == datetime.date(2024, 9, 2) and rows[3][7].date() == datetime.date(2025, 1, 20)
    assert sheet.cell(row=4, column=7).number_format == "yyyy-mm-dd"
    assert sheet.cell(row=4, column=12).number_format == "0.00" and rows[3][11] == 650
    assert rows[3][8] == "按人数标准" and rows[3][9] == "650.00元/人 × 1 人"


def test_full_bank_accounts_only_for_roles_that_may_reveal_and_audited(
    alliance, staff_user, bureau_user, client
):
    run = calculated(populated(alliance, 1, 1))
    client.force_login(staff_user)
    rows = list(
        _workbook(client.get(url("subsidy-run-download", run), {"accounts": "full"}))["发放清单"].iter_rows(
            values_only=True
        )
    )
    assert rows[1][5] == "62220202001122" + "00000"
    assert AuditEntry.objects.get(action="file.downloaded").detail["bank_accounts"] == "revealed"
    client.force_login(bureau_user)
    rows = list(
        _workbook(client.get(url("subsidy-run-download", run), {"accounts": "full"}))["发放清单"].iter_rows(
            values_only=True
        )
    )
    assert rows[1][5] == "**** **** 0000"
    assert list(
        AuditEntry.objects.filter(action="file.downloaded")
        .order_by("pk")
        .values_list("detail__bank_accounts", flat=True)
    ) == ["revealed", "masked"]


def test_download_runs_a_constant_number_of_queries(alliance, staff_client):
    few = calculated(populated(alliance, 2, 2))
    many = calculated(populated(alliance, 25, 6))
    assert _count(staff_client, url("subsidy-run-download", few)) == _count(
        staff_client, url("subsidy-run-download", many)
    )


# --- API -----------------------------------------------------------------------------------------------------


def test_api_calculate_list_retrieve_and_lists(
    alliance, staff_user, client, django_capture_on_commit_callbacks
):
    setup = populated(alliance, 2, 3, cap_per_enterprise=Decimal("500"))
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            api("calculate", alliance=alliance),
            {"program": setup.program.pk, "period": setup.period.pk},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["job"]["kind"] == CALCULATION_JOB_KIND and body["job_url"].endswith(
        f"/jobs/{body['job']['id']}/"
    )
    run = CalculationRun.objects.get(pk=body["run"]["id"])
    listing = client.get(api("list", alliance=alliance), {"program": setup.program.pk}).json()
    assert [item["id"] for item in listing["results"]] == [run.pk]
    detail = client.get(api("detail", run)).json()
    assert detail["total"] == "1000.00" and [p["payer"] for p in detail["payers"]] == ["市财政", "区县财政"]
    disbursements = client.get(api("disbursements", run)).json()["results"]
    assert {d["amount"] for d in disbursements} == {"500.00"}
    assert all(sum(Decimal(s["amount"]) for s in d["shares"]) == Decimal(d["amount"]) for d in disbursements)
    assert all(d["bank_account"].startswith("**** ") for d in disbursements)
    lines = client.get(api("lines", run), {"paid": "true"}).json()
    assert lines["count"] == 6 and lines["results"][0]["rule"] == "post_semester"
    assert lines["results"][0]["resident_id"].startswith("3703****")
    download = client.get(api("download", run))
    assert download.status_code == 200 and download["Content-Type"] == XLSX_CONTENT_TYPE


def test_api_steps_and_conflicts(alliance, staff_user, admin_user, bureau_user, client):
    run = calculated(populated(alliance, 1, 2))
    client.force_login(staff_user)
    assert client.post(api("finalise", run), {}, content_type="application/json").status_code == 403
    client.force_login(admin_user)
    stale = client.post(
        api("finalise", run),
        {"token": "00000000-0000-0000-0000-000000000000"},
        content_type="application/json",
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    done = client.post(api("finalise", run), {"token": str(run.token)}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "finalised"
    assert client.post(api("finalise", run), {}, content_type="application/json").status_code == 409
    setup_again = client.post(
        api("calculate", alliance=alliance),
        {"program": run.program_id, "period": run.period_id},
        content_type="application/json",
    )
    assert setup_again.status_code == 409
    assert (
        client.post(
            api("pay", run),
            {"payment_reference": "GK", "paid_on": "2025-01-01"},
            content_type="application/json",
        ).status_code
        == 409
    )
    client.force_login(bureau_user)
    assert client.post(api("approve", run), content_type="application/json").status_code == 200
    assert client.post(api("approve", run), content_type="application/json").status_code == 409
    client.force_login(admin_user)
    invalid = client.post(
        api("pay", run), {"payment_reference": " ", "paid_on": "2025-01-01"}, content_type="application/json"
    )
    assert invalid.status_code == 400
    paid = client.post(
        api("pay", run),
        {"payment_reference": "GK-9", "paid_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert paid.status_code == 200 and paid.json()["payment_reference"] == "GK-9"


def test_api_lists_run_a_constant_number_of_queries(alliance, staff_client):
    few = calculated(populated(alliance, 2, 2))
    many = calculated(populated(alliance, 30, 3))
    for name in ("disbursements", "lines", "detail"):
        assert _count(staff_client, api(name, few)) == _count(staff_client, api(name, many)), name
    listing = api("list", alliance=alliance)
    before = _count(staff_client, listing)
    calculated(populated(alliance, 1, 1))
    assert _count(staff_client, listing) == before


def test_other_alliances_runs_are_invisible(alliance, other_alliance, staff_client):
    from alliances.tenancy import scope

    with scope(other_alliance.pk):
        theirs = calculated(populated(other_alliance, 1, 1))
    for name in ("subsidy-run-detail", "subsidy-run-lines", "subsidy-run-download", "subsidy-run-progress"):
        assert staff_client.get(url(name, theirs, alliance=alliance)).status_code == 404, name
    assert staff_client.get(api("detail", theirs, alliance=alliance)).status_code == 404
    assert ClaimStatus.APPROVED  # the other alliance's claims are approved and stay out of ours

"""In Debian's Chromium: a bureau official logs in, lands on the bureau portal with their two alliances side by side,
generates one alliance's annual report, and downloads the PDF and the XLSX (checked: a PDF whose text holds the
alliance's Chinese name, a workbook openpyxl opens)."""

from __future__ import annotations

import datetime
import re
import subprocess

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from alliances.permissions import Role
from alliances.services import grant_role

from . import dashboard_data as d
from .factories import PASSWORD, make_alliance, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_TIMEOUT = 180_000  # ms: the report is made inline (no broker in tests), PDF with an embedded CJK font


@pytest.fixture
def oversight():
    year = timezone.localdate().year - 1
    zibo = make_alliance("淄博市技工教育集团（联盟）", slug="zibo-bureau", founded_on=datetime.date(2019, 6, 1))
    linqu = make_alliance("临朐县职业教育集团", slug="linqu-bureau", founded_on=datetime.date(2020, 3, 1))
    d.populate(zibo, year, size=2)
    d.populate(linqu, year)
    official = make_member(zibo, Role.BUREAU_OFFICIAL, "bureau-browser")
    grant_role(alliance=linqu, user=official, role=Role.BUREAU_OFFICIAL)
    return year, zibo, linqu, official


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()


def test_official_sees_two_alliances_generates_and_downloads_the_pdf_and_xlsx(page, live_server, oversight, tmp_path):
    year, zibo, linqu, official = oversight
    log_in(page, live_server, official.username)

    # Several alliances and no other role: the portal is the official's home page.
    expect(page).to_have_url(re.compile(r"/bureau/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    cards = page.get_by_test_id("alliance-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text(linqu.name)  # by name: 临朐 before 淄博
    expect(cards.nth(1)).to_contain_text(zibo.name)

    # Last year's figures side by side, with their charts.
    page.get_by_test_id("year-select").select_option(str(year))
    page.get_by_test_id("year-form").get_by_role("button").click()
    expect(page).to_have_url(re.compile(rf"/bureau/\?year={year}$"))
    for key in ("members", "changes", "activity", "subsidies"):
        chart = page.get_by_test_id(f"chart-{key}")
        expect(chart).to_be_visible()
        assert chart.evaluate("image => image.complete && image.naturalWidth > 0"), key
    paid = page.locator('tr[data-figure="paid_amount"] td')
    expect(paid).to_have_text(["600.00", "1,200.00", "1,800.00"])  # 临朐, 淄博 (twice the rows), total

    # Into 淄博's annual reports; generate last year's (the form proposes it) and follow the progress.
    page.locator(f'[data-alliance="{zibo.slug}"]').get_by_test_id("alliance-reports").click()
    expect(page).to_have_url(re.compile(rf"/a/{zibo.slug}/reports/annual/$"))
    expect(page.get_by_test_id("report-generate").locator("select[name=year]")).to_have_value(str(year))
    page.get_by_test_id("report-generate-submit").click()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=REPORT_TIMEOUT)
    page.get_by_test_id("job-result-link").click()
    expect(page.get_by_test_id("report-pdf")).to_be_visible()

    with page.expect_download() as pdf_download:
        page.get_by_test_id("report-pdf").click()
    pdf_path = pdf_download.value.path()
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    with open(pdf_path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, check=True,
                          text=True).stdout  # fmt: skip
    assert zibo.name in re.sub(r"\s+", "", text)

    with page.expect_download() as xlsx_download:
        page.get_by_test_id("report-xlsx").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    xlsx_path = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx_path)
    with open(xlsx_path, "rb") as handle:
        assert handle.read(2) == b"PK"  # a zip container
    workbook = openpyxl.load_workbook(xlsx_path)
    assert len(workbook.sheetnames) > 1
    assert any(zibo.name in str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
               for cell in row if cell)  # fmt: skip

    # Back on the portal, 淄博's card offers the new report's files for that year.
    page.get_by_test_id("nav-bureau-portal").click()
    page.get_by_test_id("year-select").select_option(str(year))
    page.get_by_test_id("year-form").get_by_role("button").click()
    card = page.locator(f'[data-alliance="{zibo.slug}"]')
    expect(card.get_by_test_id("alliance-report-pdf")).to_be_visible()
    with page.expect_download() as again:
        card.get_by_test_id("alliance-report-xlsx").click()
    assert again.value.suggested_filename.endswith(".xlsx")
    expect(page.locator(f'[data-alliance="{linqu.slug}"]').get_by_test_id("alliance-report-pdf")).to_have_count(0)

"""The annual report job and its two files: generated inline through the job machinery, stored with SHA-256, numbered
by version, immutable, retried safely; the PDF is Chinese text in embedded fonts and renders; the XLSX opens in
openpyxl with the expected sheets, headers and charts."""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from alliances.jobs import run_job
from alliances.models import AuditEntry, Job, JobStatus
from alliances.permissions import Role
from alliances.tenancy import scope
from reports import jobs as report_jobs
from reports.models import AnnualReport, ImmutableReport
from reports.services import request_annual_report

from .factories import make_alliance, make_member
from .report_data import populate

YEAR = 2025
NAME = "扬州市现代服务业产教融合共同体"
POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdftoppm"))


@pytest.fixture
def setup(db):
    alliance = make_alliance(NAME, slug="yangzhou-test", founded_on=datetime.date(2018, 3, 1))
    user = make_member(alliance, Role.SECRETARIAT_STAFF, "report-staff")
    with scope(alliance.pk):
        populate(alliance, year=YEAR, units=60, lines=400, events=20)
    return alliance, user


def generate(alliance, user, capture, year=YEAR) -> AnnualReport:
    with scope(alliance.pk), capture(execute=True):
        job, created = request_annual_report(alliance, year, user=user)  # runs inline (no broker) after commit
    assert created
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    with scope(alliance.pk):
        return AnnualReport.objects.get(job=job)


@pytest.fixture
def report(setup, django_capture_on_commit_callbacks):
    alliance, user = setup
    return generate(alliance, user, django_capture_on_commit_callbacks)


def test_report_is_stored_with_checksums_and_both_files(report, setup):
    alliance, user = setup
    assert (report.year, report.version, report.generated_by, report.parameters) == (YEAR, 1, user, {"year": YEAR})
    for name in ("xlsx", "pdf"):
        content = getattr(report, f"{name}_file").read()
        assert hashlib.sha256(content).hexdigest() == getattr(report, f"{name}_sha256")
        assert len(content) == getattr(report, f"{name}_size")
    assert report.figures["alliance"]["name"] == NAME and report.figures["year"] == YEAR
    job = report.job
    assert job.result["annual_report"] == report.pk and job.progress == 100
    assert AuditEntry.objects.filter(action="reports.annual_report.generated", object_id=str(report.pk)).exists()
    assert_immutable(report)


def test_regenerating_makes_a_new_version(report, setup, django_capture_on_commit_callbacks):
    alliance, user = setup
    second = generate(alliance, user, django_capture_on_commit_callbacks)
    assert second.version == 2
    with scope(alliance.pk):
        assert report_jobs._next_version(alliance, YEAR - 1) == 1  # numbered per year
    assert second.pk != report.pk and second.xlsx_file.name != report.xlsx_file.name


def assert_immutable(report):
    report.version = 9
    with pytest.raises(ImmutableReport):
        report.save()
    with pytest.raises(ImmutableReport):
        report.delete()
    with pytest.raises(ImmutableReport):
        AnnualReport.objects.filter(pk=report.pk).update(version=9)
    with pytest.raises(ImmutableReport):
        AnnualReport.objects.filter(pk=report.pk).delete()
    report.refresh_from_db()
    assert report.version == 1


def test_a_job_run_again_after_a_crash_makes_one_report(setup, monkeypatch, django_capture_on_commit_callbacks):
    """A worker that died after storing the report (before marking the job done) sees the job again: the report is
    found, not made twice. One that died while rendering leaves nothing, and the rerun makes version 1."""
    alliance, user = setup
    real_render = report_jobs.pdf.render
    calls = {"n": 0}

    def crash_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker lost")
        return real_render(*args, **kwargs)

    monkeypatch.setattr(report_jobs.pdf, "render", crash_once)
    with scope(alliance.pk), django_capture_on_commit_callbacks(execute=True):
        job, _created = request_annual_report(alliance, YEAR, user=user)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    with scope(alliance.pk):
        assert not AnnualReport.objects.filter(job=job).exists()
    run_job(job.pk)  # redelivered
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    # The worker dies after the report's transaction committed, before the job was marked done: delivered again.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    run_job(job.pk)
    with scope(alliance.pk):
        reports = list(AnnualReport.objects.filter(year=YEAR))
    assert [(r.version, r.job_id) for r in reports] == [(1, job.pk)]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["annual_report"] == reports[0].pk


def test_years_are_checked(setup):
    alliance, user = setup
    this_year = timezone.localdate().year
    with scope(alliance.pk), translation.override("en"):
        for year, words in ((this_year + 1, "has not begun"), (2017, "founded in 2018"), ("20x5", "four digits")):
            with pytest.raises(ValidationError) as caught:
                request_annual_report(alliance, year, user=user)
            assert words in " ".join(caught.value.message_dict["year"])
        alliance.founded_on = None
        with pytest.raises(ValidationError, match="2000"):
            request_annual_report(alliance, 1999, user=user)


def test_the_same_year_twice_at_once_is_one_job(setup):
    alliance, user = setup
    with scope(alliance.pk):
        first, created = request_annual_report(alliance, YEAR, user=user)  # not run: no commit in this test
        second, created_again = request_annual_report(alliance, YEAR, user=user)
    assert created and not created_again and first.pk == second.pk


# --- The XLSX ------------------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_section_with_headers_formats_and_charts(report):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(report.xlsx_file.read()))
    names = workbook.sheetnames
    assert len(names) == 10  # contents, eight sections, definitions
    assert [name.split(". ", 1)[0] for name in names[1:]] == [str(n) for n in range(1, 10)]
    membership = workbook[names[1]]
    frozen = membership.freeze_panes
    assert frozen and frozen.startswith("A")
    headers = [cell.value for cell in membership[int(frozen[1:]) - 1]]
    assert all(headers[:7]) and headers[1].startswith("End") or "末" in headers[1]
    totals = report.figures["membership"]["totals"]
    values = [[c.value for c in row] for row in membership.iter_rows()]
    assert [row for row in values if row[0] in ("Total", "合计") and row[5] == totals["current"]]
    assert membership._charts, "the membership sheet has a chart"
    subsidies = workbook[names[6]]
    money = [c for row in subsidies.iter_rows() for c in row if c.number_format == "#,##0.00"]
    assert money, "amounts carry the money format"
    chart_kinds = {type(chart).__name__ for sheet in workbook.worksheets for chart in sheet._charts}
    assert {"BarChart", "PieChart"} <= chart_kinds
    definitions = workbook[names[9]]
    assert definitions.max_row >= len(report.figures["definitions"])
    cover = [c.value for row in workbook[names[0]].iter_rows() for c in row if c.value]
    assert NAME in " ".join(str(v) for v in cover)


# --- The PDF -------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not POPPLER, reason="needs poppler-utils (pdftotext, pdffonts, pdftoppm)")
def test_pdf_is_chinese_text_with_contents_and_renders(report, tmp_path):
    """One report (rendering takes a while), every check of the PDF."""
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf_file.read())
    text_is_chinese_in_embedded_fonts(path)
    contents_have_page_numbers(path)
    pages_render_with_ink(path, tmp_path)


def text_is_chinese_in_embedded_fonts(path: Path) -> None:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert NAME in text
    assert "年12月31日" in text  # dates written the Chinese way
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("CJK" in row[0] for row in rows), fonts
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), "every font embedded, subset, with a unicode map"
    assert "\ufffd" not in text  # a glyph that maps to no character would extract as U+FFFD
    assert_glyphs_present(path, text)


def assert_glyphs_present(path: Path, text: str) -> None:
    """Every CJK character of the text is in the font that WeasyPrint embedded from (no .notdef boxes)."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    font = next(f for f in collection.fonts if "SC" in f["name"].getDebugName(1))
    cmap = font.getBestCmap()
    chinese = {ch for ch in text if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"}
    missing = sorted(ch for ch in chinese if ord(ch) not in cmap)
    assert chinese and not missing, f"characters without a glyph: {''.join(missing)}"


def pages_render_with_ink(path: Path, tmp_path: Path) -> None:
    from PIL import Image, ImageChops

    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 8  # cover, contents, summary, sections
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "4", str(path), str(tmp_path / "page")], check=True)
    cover = Image.open(next(tmp_path.glob("page-*1.png"))).convert("L")
    membership = Image.open(sorted(tmp_path.glob("page-*.png"))[3]).convert("L")
    blank = Image.new("L", cover.size, 255)
    # Ink on the page: a good share of its pixels is not white, and the pages differ from each other.
    for page in (cover, membership):
        diff = ImageChops.difference(page, blank).point(lambda v: 255 if v > 60 else 0)
        assert diff.getbbox() is not None and sum(diff.histogram()[255:]) > 2000
    assert ImageChops.difference(cover, membership).getbbox() is not None
    # The cover's ink is the alliance's name and the title: the same page rendered again gives the same picture.
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "again")], check=True)
    again = Image.open(next(tmp_path.glob("again-*.png"))).convert("L")
    assert ImageChops.difference(cover, again).getbbox() is None


def contents_have_page_numbers(path: Path) -> None:
    second = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-layout", str(path), "-"], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    numbered = [line for line in second.splitlines() if re.search(r"\.{3,}\s*\d+\s*$", line)]
    assert len(numbered) >= 9, second
    last = subprocess.run(["pdftotext", "-f", "3", "-l", "3", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert re.search(r"\b3 / \d+", last), "page numbers in the footer"


def test_render_loads_nothing_from_outside():
    from reports import pdf

    fetcher = pdf._fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    fetcher.fetch("data:text/plain;base64,aGk=").close()  # data: URIs are allowed

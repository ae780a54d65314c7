"""The annual report of an alliance with 150 member units, 20,000 internship claim lines and 200 events (see
bench/README.md): the figures (time and queries per section), the XLSX, the PDF, and the whole job as the worker
runs it (figures + both files + storing), each the median of REPEAT runs.

Run on PostgreSQL (create the database first: createdb -h 127.0.0.1 -U postgres chanjiao_bench_reports):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chanjiao_bench_reports .venv/bin/python bench/reports.py
Run on SQLite:  .venv/bin/python bench/reports.py          (LINES=2000 REPEAT=1 for a quick run)

The data is made by tests/report_data.py (the generator of the report's tests), in a fresh alliance each run.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("VAR_DIR", "/tmp/chanjiao-bench")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "YmVuY2gtb25seS1maWVsZC1rZXktbm90LWZvci1wcm9kdWN0aW9uLTAxMjM=")
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from alliances.jobs import run_job  # noqa: E402
from alliances.models import Alliance, AllianceKind, Job, User  # noqa: E402
from alliances.permissions import Role  # noqa: E402
from alliances.services import grant_role  # noqa: E402
from alliances.tenancy import scope, unscoped  # noqa: E402
from reports import figures as report_figures  # noqa: E402
from reports import pdf, xlsx  # noqa: E402
from reports.models import AnnualReport  # noqa: E402
from reports.services import request_annual_report  # noqa: E402
from tests.report_data import populate  # noqa: E402

UNITS = int(os.environ.get("UNITS", 150))
LINES = int(os.environ.get("LINES", 20_000))
EVENTS = int(os.environ.get("EVENTS", 200))
REPEAT = int(os.environ.get("REPEAT", 3))
YEAR = 2025


def fresh_alliance() -> Alliance:
    stamp = time.strftime("%Y%m%d%H%M%S")
    with unscoped("bench: a fresh alliance"):
        return Alliance.objects.create(
            name=f"基准测试产教联合体{stamp}", short_name="基准联合体", slug=f"bench-reports-{stamp}",
            kind=AllianceKind.CITY_CONSORTIUM, region_code="370300", founded_on=datetime.date(2019, 9, 28),
        )  # fmt: skip


def median_of(function, repeat=REPEAT):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main():
    call_command("migrate", verbosity=0)
    alliance = fresh_alliance()
    with unscoped("bench: the requesting user"):
        user, _ = User.objects.get_or_create(username="bench-reports", defaults={"name": "基准测试秘书处"})
        grant_role(alliance=alliance, user=user, role=Role.SECRETARIAT_STAFF)
    with scope(alliance.pk):
        started = time.perf_counter()
        counts = populate(alliance, year=YEAR, units=UNITS, lines=LINES, events=EVENTS, internships_only=True)
        print(f"populated in {time.perf_counter() - started:.1f} s: {counts}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"\ndatabase: {connection.vendor}; {UNITS} units, {LINES:,} internship lines, {EVENTS} events; "
              f"median of {REPEAT}\n")  # fmt: skip
        print("| Step | Time | Queries |")
        print("|---|---:|---:|")
        period = report_figures.Year(YEAR)
        for name, compute in report_figures.SECTIONS:
            with CaptureQueriesContext(connection) as queries:
                seconds, _ = median_of(lambda compute=compute: compute(period))
            print(f"| figures: {name} | {seconds * 1000:.0f} ms | {len(queries.captured_queries) // REPEAT} |")
        with translation.override("zh-hans"):
            with CaptureQueriesContext(connection) as queries:
                seconds, figures = median_of(lambda: report_figures.annual_figures(alliance, YEAR))
            print(f"| **figures, all sections** | **{seconds:.2f} s** | **{len(queries.captured_queries) // REPEAT}** |")
            meta = {"slug": alliance.slug, "year": YEAR, "version": 1, "generated_at": timezone.localtime(),
                    "generated_by": "基准测试秘书处", "generator_version": "bench"}  # fmt: skip
            with CaptureQueriesContext(connection) as queries:
                seconds, workbook = median_of(lambda: xlsx.render(figures, meta))
            print(f"| **XLSX** ({len(workbook) / 1024:.0f} KB) | **{seconds:.2f} s** | {len(queries.captured_queries)} |")
            pdf.chart_images(figures)  # matplotlib's first import and font loading, once per worker process
            with CaptureQueriesContext(connection) as queries:
                seconds, document = median_of(lambda: pdf.render(figures, meta))
            print(f"| **PDF** ({len(document) / 1024:.0f} KB) | **{seconds:.2f} s** | {len(queries.captured_queries)} |")
            seconds, charts = median_of(lambda: pdf.chart_images(figures))
            print(f"| of which the {len(charts)} charts (matplotlib SVG) | {seconds:.2f} s | 0 |")

        def whole_job():
            job, _created = request_annual_report(alliance, YEAR, user=user)
            run_job(job.pk)  # what the worker does (inline here: no broker)
            job.refresh_from_db()
            assert job.status == "succeeded", job.message
            return job

        with CaptureQueriesContext(connection) as queries:
            seconds, job = median_of(whole_job)
        print(f"| **whole job** (figures, both files, stored with SHA-256) | **{seconds:.2f} s** | "
              f"{len(queries.captured_queries) // REPEAT} |")  # fmt: skip
        report = AnnualReport.objects.get(job=job)
        print(f"\nversions made: {AnnualReport.objects.filter(year=YEAR).count()}; last: v{report.version}, "
              f"PDF {report.pdf_size / 1024:.0f} KB, XLSX {report.xlsx_size / 1024:.0f} KB")  # fmt: skip
        f = report.figures
        print(f"figures: members {f['membership']['totals']}, events {f['events']['totals']['events']}, "
              f"attendance {f['events']['totals']['attendance']}, interns {f['internships']['totals']['interns']}, "
              f"claimed {f['subsidies']['totals']['claimed']}, paid {f['subsidies']['totals']['paid']}, "
              f"alignment {f['alignment']['share']} %, dormant {f['dormant']['count']}")  # fmt: skip
        print(f"jobs: {Job.objects.filter(kind='reports.annual').count()}")


if __name__ == "__main__":
    main()

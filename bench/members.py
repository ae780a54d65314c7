"""Member list (page and API) with 10,000 members, and a 10,000-row Excel import (see bench/README.md).

Run on PostgreSQL:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/chanjiao_bench .venv/bin/python bench/members.py
Run on SQLite:      .venv/bin/python bench/members.py
"""

import os
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("VAR_DIR", "/tmp/chanjiao-bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ.pop("REDIS_URL", None)  # jobs run inline in the benchmark

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from alliances.models import Alliance, AllianceKind, User  # noqa: E402
from alliances.permissions import Role  # noqa: E402
from alliances.services import grant_role  # noqa: E402
from alliances.tenancy import scope, unscoped  # noqa: E402
from members.identifiers import make_credit_code  # noqa: E402
from members.models import Contact, MemberKind, MemberUnit  # noqa: E402

MEMBERS = 10_000
IMPORT_ROWS = 10_000
REQUESTS = 20


def fresh_alliance(slug: str) -> Alliance:
    with unscoped("bench: drop the previous run"):
        old = Alliance.objects.filter(slug=slug).first()
        if old is not None:
            from django.apps import apps

            from alliances.tenancy import is_tenant_owned

            for model in reversed(apps.get_models()):
                if is_tenant_owned(model) and model._meta.label != "alliances.AuditEntry":
                    model._base_manager.filter(alliance=old).delete()
            Alliance.objects.filter(pk=old.pk).delete()
    return Alliance.objects.create(
        name=f"基准测试职业教育集团{slug}", short_name="基准", slug=slug, kind=AllianceKind.VOCATIONAL_GROUP,
        region_code="370300",
    )  # fmt: skip


def timed(client, path, **params):
    timings, queries = [], 0
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path, params)
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries = len(captured)
    return statistics.median(timings) * 1000, queries


def main():
    call_command("migrate", verbosity=0)
    alliance = fresh_alliance("bench-members")
    user = User.objects.filter(username="bench-staff").first() or User.objects.create_user(
        "bench-staff", password="Bench#pass2026", name="基准"
    )
    with scope(alliance.pk):
        grant_role(alliance=alliance, user=user, role=Role.SECRETARIAT_STAFF)
        kinds = [MemberKind.ENTERPRISE] * 8 + [MemberKind.TECHNICAL_SCHOOL, MemberKind.ASSOCIATION]
        units = [
            MemberUnit(alliance=alliance, kind=kinds[n % 10], name=f"基准成员单位{n:05d}", status="admitted",
                       credit_code=make_credit_code("91", "370303", f"{n:09d}"), division_code="370303",
                       member_number=f"BM-2020-{n:05d}")
            for n in range(MEMBERS)
        ]  # fmt: skip
        MemberUnit.objects.bulk_create(units, batch_size=2000)
        Contact.objects.bulk_create(
            [Contact(alliance=alliance, member_unit=u, name="联系人", email="c@example.cn") for u in units],
            batch_size=2000,
        )
    client = Client()
    client.force_login(user)
    rows = []
    for label, path, params in (
        ("page, first page", f"/a/{alliance.slug}/members/", {}),
        ("page, search 成员单位0999", f"/a/{alliance.slug}/members/", {"q": "成员单位0999"}),
        ("page, type + sort, page 200", f"/a/{alliance.slug}/members/", {"kind": "enterprise", "sort": "-name",
                                                                       "page": "200"}),
        ("API, first page", f"/api/v1/alliances/{alliance.slug}/members/", {}),
        ("API, type filter, page 100", f"/api/v1/alliances/{alliance.slug}/members/", {"kind": "enterprise",
                                                                                       "page": "100"}),
    ):  # fmt: skip
        median_ms, queries = timed(client, path, **params)
        rows.append((label, median_ms, queries))
    vendor = connection.vendor
    print(f"\n{MEMBERS} members on {vendor}; median of {REQUESTS} requests")
    for label, median_ms, queries in rows:
        print(f"| {label} | {median_ms:.0f} ms | {queries} queries |")

    # Import: build the template filled with IMPORT_ROWS rows, then validate and import it in one go.
    from members import imports

    target = fresh_alliance("bench-import")
    with scope(target.pk):
        template = load_workbook(BytesIO(imports.build_template()))
        sheet = template.worksheets[0]
        header_row = next(r for r in range(1, 11) if any(c.value and "单位名称" in str(c.value) for c in sheet[r]))
        headers = [str(c.value or "").replace("*", "").strip() for c in sheet[header_row]]
        for n in range(IMPORT_ROWS):
            values = {"单位名称": f"导入基准单位{n:05d}", "类型": "企业", "统一社会信用代码":
                      make_credit_code("91", "370303", f"{n + 100000:09d}"), "行政区划代码": "370303",
                      "入会日期": "2020-01-01", "联系人": "张三", "联系人邮箱": "z@example.cn"}  # fmt: skip
            for column, header in enumerate(headers, start=1):
                if header in values:
                    sheet.cell(row=header_row + 1 + n, column=column, value=values[header])
        buffer = BytesIO()
        template.save(buffer)
        upload = SimpleUploadedFile("bench.xlsx", buffer.getvalue())
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            # 10,000 rows run as a job; without REDIS_URL the job runs inline, through the same code.
            outcome = imports.start_import(alliance=target, upload=upload, requested_by=user)
            elapsed = time.perf_counter() - start
        created = MemberUnit.objects.filter(alliance=target).count()
    print(f"| import {IMPORT_ROWS} rows | {elapsed:.1f} s | {len(captured)} queries | {created} units created |")
    job = outcome.job
    if job is not None:
        job.refresh_from_db()
    print(f"job: {job.status if job else None} {job.message if job else ''}; row errors: {len(outcome.errors)}; "
          f"database: {settings.DATABASES['default']['ENGINE']}")


if __name__ == "__main__":
    main()

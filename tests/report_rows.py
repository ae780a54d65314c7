"""An annual report row made directly (no job run), for the isolation and permission walks. `marker` goes into the
figures and the files so that a leak can be seen in any answer."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile


def annual_report_row(alliance, user, marker: str = ""):
    from alliances.models import Job, JobStatus
    from reports.models import GENERATOR_VERSION, AnnualReport

    job = Job.objects.create(
        alliance=alliance, kind="reports.annual", parameters={"year": 2025, "marker": marker},
        parameters_digest=Job.digest({"year": 2025, "marker": marker}), status=JobStatus.SUCCEEDED, progress=100,
        requested_by=user,
    )  # fmt: skip
    xlsx, pdf = f"PK xlsx {marker}".encode(), f"%PDF-1.7 {marker}".encode()
    report = AnnualReport(
        alliance=alliance, year=2025, version=1, parameters={"year": 2025}, generator_version=GENERATOR_VERSION,
        figures={"alliance": {"name": marker}, "year": 2025, "note": marker}, generated_by=user,
        generated_by_label=f"{marker}秘书", job=job, xlsx_sha256=hashlib.sha256(xlsx).hexdigest(), xlsx_size=len(xlsx),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_size=len(pdf),
    )  # fmt: skip
    report.xlsx_file.save("report.xlsx", ContentFile(xlsx), save=False)
    report.pdf_file.save("report.pdf", ContentFile(pdf), save=False)
    report.save()
    return report

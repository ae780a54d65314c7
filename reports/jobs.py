"""The `reports.annual` job: figures once, both files from them, one immutable AnnualReport row.

Idempotent (the task is `acks_late`, so a worker that dies may see the job again): a job whose report exists
answers that report; an interrupted one starts again from the figures. The row and its files are written in one
transaction at the end, and the (alliance, job) uniqueness stops a second version for the same job.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from alliances.audit import record_event
from alliances.jobs import JobOutcome, job_kind
from alliances.locale import deferred_text
from alliances.models import Alliance
from alliances.permissions import Action

from . import pdf, xlsx
from .figures import annual_figures
from .models import GENERATOR_VERSION, AnnualReport
from .services import JOB_KIND

REPORT_LANGUAGE = "zh-hans"  # an official document of a Chinese alliance: Chinese whatever the reader's language

SECTION_LABELS = {
    "membership": gettext_lazy("Membership"),
    "governance": gettext_lazy("Governance"),
    "events": gettext_lazy("Events"),
    "cooperation": gettext_lazy("Cooperation"),
    "internships": gettext_lazy("Internships"),
    "subsidies": gettext_lazy("Subsidies"),
    "alignment": gettext_lazy("Specialty–industry alignment"),
    "dormant": gettext_lazy("Dormant members"),
}


def section_labels() -> dict[str, str]:
    """The section titles in the active language."""
    return {name: str(label) for name, label in SECTION_LABELS.items()}


def report_filename(report_or_meta, extension: str) -> str:
    slug, year, version = report_or_meta["slug"], report_or_meta["year"], report_or_meta["version"]
    return f"{slug}-{year}-annual-report-v{version}.{extension}"


def _outcome(report: AnnualReport) -> JobOutcome:
    return JobOutcome(
        message=deferred_text(
            gettext_lazy("Annual report %(year)d, version %(version)d, is ready."),
            {"year": report.year, "version": report.version},
        ),
        result={"annual_report": report.pk, "year": report.year, "version": report.version,
                "url": reverse("annual-report-detail", kwargs={"alliance_slug": report.alliance.slug,
                                                               "annualreport_id": report.pk})},
    )  # fmt: skip


@job_kind(JOB_KIND, label=gettext_lazy("Annual report"), required_action=Action.GENERATE_REPORTS)
def generate_annual_report(job, report_progress) -> JobOutcome:
    existing = AnnualReport.objects.filter(job=job).first()
    if existing is not None:  # a redelivered job whose report was written before the worker stopped
        return _outcome(existing)
    alliance = job.alliance
    year = int(job.parameters["year"])
    with translation.override(REPORT_LANGUAGE):
        def progress(name: str, index: int, count: int) -> None:
            report_progress(
                5 + index * 55 // count,
                deferred_text(
                    gettext_lazy("Computing the figures: %(section)s"), {"section": SECTION_LABELS[name]}
                ),
            )

        figures = annual_figures(alliance, year, progress=progress)
        version = _next_version(alliance, year)
        meta = {
            "slug": alliance.slug, "year": year, "version": version, "generated_at": timezone.localtime(),
            "generated_by": str(job.requested_by or ""), "generator_version": GENERATOR_VERSION,
        }  # fmt: skip
        report_progress(62, gettext_lazy("Writing the XLSX workbook"))
        xlsx_bytes = xlsx.render(figures, meta)
        report_progress(75, gettext_lazy("Writing the PDF document"))
        pdf_bytes = pdf.render(figures, meta)
        report_progress(95, gettext_lazy("Storing the report"))
        try:
            report = _store(job, alliance, year, version, figures, meta, xlsx_bytes, pdf_bytes)
        except IntegrityError:
            report = AnnualReport.objects.filter(job=job).first()
            if report is None:
                raise
        return _outcome(report)


def _next_version(alliance, year: int) -> int:
    latest = AnnualReport.objects.filter(year=year).aggregate(n=Max("version"))["n"]
    return (latest or 0) + 1


def _store(job, alliance, year, version, figures, meta, xlsx_bytes: bytes, pdf_bytes: bytes) -> AnnualReport:
    with transaction.atomic():
        Alliance.objects.select_for_update().get(pk=alliance.pk)  # version numbers of an alliance, one at a time
        if AnnualReport.objects.filter(job=job).exists():
            return AnnualReport.objects.get(job=job)
        if _next_version(alliance, year) != version:
            raise RuntimeError("another version of this report was stored meanwhile; the job will run again")
        report = AnnualReport(
            alliance=alliance, year=year, version=version, parameters=dict(job.parameters),
            generator_version=GENERATOR_VERSION, figures=figures, generated_at=meta["generated_at"],
            generated_by=job.requested_by, generated_by_label=meta["generated_by"][:150], job=job,
            xlsx_sha256=hashlib.sha256(xlsx_bytes).hexdigest(), xlsx_size=len(xlsx_bytes),
            pdf_sha256=hashlib.sha256(pdf_bytes).hexdigest(), pdf_size=len(pdf_bytes),
        )  # fmt: skip
        report.xlsx_file.save(report_filename(meta, "xlsx"), ContentFile(xlsx_bytes), save=False)
        report.pdf_file.save(report_filename(meta, "pdf"), ContentFile(pdf_bytes), save=False)
        report.save()
        record_event(
            "reports.annual_report.generated", report,
            detail={"year": year, "version": version, "xlsx_sha256": report.xlsx_sha256,
                    "pdf_sha256": report.pdf_sha256, "generator_version": GENERATOR_VERSION},
        )  # fmt: skip
    return report

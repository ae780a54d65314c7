"""Background work on subsidies: the calculation of a program and period (job kind `subsidies.calculate`).

The calculation runs in one transaction (subsidies/calculation.py), so progress written through the job's own
connection would only show once it is over. On PostgreSQL the progress goes through a second connection in
autocommit instead, and the page polling the job sees each step as it happens. SQLite has a single writer:
there the progress is written through the job's connection and shows at the end.
"""

from __future__ import annotations

import json
import logging
import os
import time

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils.translation import gettext_lazy

from alliances.jobs import JobOutcome, job_kind, message_fields
from alliances.locale import deferred_text
from alliances.models import Job
from alliances.permissions import Action

from .calculation import calculate_run
from .models import Period, Program

logger = logging.getLogger(__name__)

CALCULATION_JOB_KIND = "subsidies.calculate"
# Test hook: seconds to wait after each progress step, so that a test can kill the worker half-way through a
# calculation. Never set in production.
PAUSE_VARIABLE = "CHANJIAO_TEST_CALCULATION_PAUSE"


class SideChannelProgress:
    """A progress callback that writes to the Job row outside the calculation's transaction (PostgreSQL)."""

    def __init__(self, job: Job, fallback):
        self.job_id = job.pk
        self.fallback = fallback
        self.pause = float(os.environ.get(PAUSE_VARIABLE) or 0)
        self.side = (
            connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else None
        )

    def __call__(self, percent: int, message: str = "") -> None:
        if self.side is None:
            self.fallback(percent, message)
        else:
            fields = message_fields(message)
            try:
                with self.side.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {Job._meta.db_table} SET progress = %s, message = %s, messages = %s::jsonb "
                        "WHERE id = %s",
                        [max(0, min(100, int(percent))), fields["message"],
                         json.dumps(fields["messages"], ensure_ascii=False), self.job_id],
                    )  # fmt: skip
            except Exception:  # progress is a courtesy: never fail the calculation because of it
                logger.warning("progress of job %s not written", self.job_id, exc_info=True)
        if self.pause and percent < 100:
            time.sleep(self.pause)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


@job_kind(
    CALCULATION_JOB_KIND, label=gettext_lazy("Subsidy calculation"), required_action=Action.RUN_CALCULATIONS
)
def calculate(job: Job, report_progress) -> JobOutcome:
    """Calculate the draft run of the program and period in the job's parameters. Safe to run again: the draft
    is replaced as a whole, in one transaction."""
    program = Program.objects.get(pk=job.parameters["program"])
    period = Period.objects.get(pk=job.parameters["period"])
    progress = SideChannelProgress(job, report_progress)
    try:
        run = calculate_run(program, period, job.requested_by, progress, job=job)
    finally:
        progress.close()
    return JobOutcome(
        message=deferred_text(
            gettext_lazy("%(lines)d lines of %(enterprises)d enterprises calculated: %(total)s CNY."),
            {"lines": run.lines_considered, "enterprises": run.enterprises, "total": run.total},
        ),
        result={
            "run": run.pk,
            "lines": run.lines_considered,
            "enterprises": run.enterprises,
            "total": str(run.total),
            "budget_factor": str(run.budget_factor),
        },
    )

"""The subsidy calculation with 200,000 approved lines (10,000 enterprises × 20) on PostgreSQL, against one
hand-written SQL statement computing the same per-enterprise amounts, and against one hand-written SQL statement
writing the same rows (see bench/README.md).

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/chanjiao_bench .venv/bin/python bench/subsidies.py
      (ENTERPRISES=1000 for a quicker run; REPEAT=3 runs the calculation three times and keeps the median)
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
from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from alliances.models import Alliance, AllianceKind  # noqa: E402
from alliances.personal_data import encrypt  # noqa: E402
from alliances.tenancy import scope, unscoped  # noqa: E402
from members.identifiers import make_credit_code  # noqa: E402
from members.models import MemberKind, MemberUnit  # noqa: E402
from subsidies import disbursement as disbursement_list  # noqa: E402
from subsidies.calculation import WORK_MEM, calculate_run  # noqa: E402
from subsidies.models import (  # noqa: E402
    Claim,
    ClaimStatus,
    Disbursement,
    FundingShare,
    Period,
    PeriodKind,
    PostCounting,
    Program,
    ProgramKind,
    ProgramVersion,
    RateUnit,
)

ENTERPRISES = int(os.environ.get("ENTERPRISES", "10000"))
LINES_EACH = 20
REPEAT = int(os.environ.get("REPEAT", "3"))
SLUG = "bench-subsidies"

# The hand-written statement: the same rules (too short, paid once per student, per distinct post, cap, budget
# pro rata with the largest remainder) straight from the claim lines to one amount per enterprise.
HAND_WRITTEN = """
WITH approved AS (
    SELECT l.id, l.claim_id, l.position, c.enterprise_id, c.first_submitted_at, l.resident_id_hash,
           btrim(l.post) AS post, (l.ends_on - l.starts_on + 1) >= %(min_days)s AS eligible
    FROM subsidies_claimline l JOIN subsidies_claim c ON c.id = l.claim_id
    WHERE c.alliance_id = %(alliance)s AND c.program_id = %(program)s AND c.period_id = %(period)s
      AND c.status = 'approved' AND l.review = 'approved'
      AND (l.school_decision = 'confirmed' OR l.school_id IS NULL)
), once AS (
    SELECT a.*, row_number() OVER (PARTITION BY a.eligible, a.resident_id_hash
                                   ORDER BY a.first_submitted_at, a.claim_id, a.position, a.id) AS student_rank
    FROM approved a
), posts AS (
    SELECT o.*, row_number() OVER (PARTITION BY o.claim_id, o.post ORDER BY o.position, o.id) AS post_rank
    FROM once o WHERE o.eligible AND o.student_rank = 1
), enterprise AS (
    SELECT enterprise_id, least(sum(CASE WHEN post_rank = 1 THEN %(rate)s ELSE 0 END), %(cap)s) AS capped
    FROM posts GROUP BY enterprise_id
), scaled AS (
    SELECT enterprise_id, capped, div(capped * %(budget)s, sum(capped) OVER ()) AS floor_fen,
           mod(capped * %(budget)s, sum(capped) OVER ()) AS remainder, sum(capped) OVER () AS total
    FROM enterprise
), ranked AS (
    SELECT s.*, row_number() OVER (ORDER BY remainder DESC, enterprise_id) AS remainder_rank,
           %(budget)s - sum(floor_fen) OVER () AS left_over
    FROM scaled s
)
SELECT enterprise_id,
       CASE WHEN total <= %(budget)s THEN capped
            ELSE floor_fen + CASE WHEN remainder_rank <= left_over THEN 1 ELSE 0 END END / 100.0 AS amount
FROM ranked
"""


# The hand-written statement that also writes what the calculation writes: the same disbursements, payers' shares
# and 200,000 run lines, with the same rules, amounts and explanations, in one INSERT with data-modifying CTEs. It is
# written for the benchmark's data (internship posts per distinct post, dates present, a cap and a budget that
# applies, two payers) with integer fen, as a person would write it for this one case; timed with its foreign-key
# checks, then compared row by row with what `calculate_run` wrote and rolled back.
HAND_WRITTEN_ROWS = """
WITH approved AS (
    SELECT l.id, l.alliance_id, l.claim_id, l.position, c.enterprise_id, c.number AS claim_number,
           c.first_submitted_at, l.resident_id_hash, btrim(l.post) AS post, l.ends_on - l.starts_on + 1 AS days
    FROM subsidies_claimline l JOIN subsidies_claim c ON c.id = l.claim_id
    WHERE c.alliance_id = %(alliance)s AND c.program_id = %(program)s AND c.period_id = %(period)s
      AND c.status = 'approved' AND l.review = 'approved'
      AND (l.school_decision = 'confirmed' OR l.school_id IS NULL)
), once AS (
    SELECT a.*, CASE WHEN a.days < %(min_days)s THEN 'too_short'
                     WHEN row_number() OVER w > 1 THEN 'duplicate_paid_once' ELSE 'post_semester' END AS first_rule,
           first_value(a.claim_number) OVER w AS first_claim
    FROM approved a
    WINDOW w AS (PARTITION BY a.days >= %(min_days)s, a.resident_id_hash
                 ORDER BY a.first_submitted_at, a.claim_id, a.position, a.id)
), ruled AS (
    SELECT o.*, row_number() OVER (PARTITION BY o.claim_id, o.post, o.first_rule ORDER BY o.position, o.id) AS post_rank
    FROM once o
), lines AS (
    SELECT r.id, r.alliance_id, r.claim_id, r.enterprise_id, r.position,
           CASE WHEN r.first_rule = 'post_semester' AND r.post_rank > 1 THEN 'same_post' ELSE r.first_rule END AS rule,
           CASE WHEN r.first_rule = 'too_short' THEN '实习' || r.days || '天，短于最短实习期限' || %(min_days)s || '天，不计发'
                WHEN r.first_rule = 'duplicate_paid_once'
                     THEN '该学生已在申报 ' || r.first_claim || ' 中计发，同一项目同一期只计发一次'
                WHEN r.post_rank > 1 THEN '同一申报中“' || r.post || '”岗位已计 1 岗，本行不另计'
                ELSE %(rate_text)s END AS explanation,
           CASE WHEN r.first_rule = 'post_semester' AND r.post_rank = 1 THEN %(rate)s ELSE 0 END::bigint AS fen
    FROM ruled r
), enterprises AS (
    SELECT enterprise_id, claim_id, count(*) AS lines, sum(fen) AS gross, least(sum(fen), %(cap)s) AS capped
    FROM lines GROUP BY enterprise_id, claim_id
), scaled AS (
    SELECT e.*, sum(capped) OVER () AS total, div(capped * %(budget)s, sum(capped) OVER ()) AS floor_fen,
           mod(capped * %(budget)s, sum(capped) OVER ()) AS remainder
    FROM enterprises e
), paid AS (
    SELECT s.enterprise_id, s.claim_id, s.lines, s.gross, s.capped,
           CASE WHEN s.total <= %(budget)s THEN s.capped
                ELSE s.floor_fen + CASE WHEN row_number() OVER (ORDER BY s.remainder DESC, s.enterprise_id)
                                            <= %(budget)s - sum(s.floor_fen) OVER () THEN 1 ELSE 0 END END AS amount,
           CASE WHEN s.gross > %(cap)s THEN %(capped_text)s ELSE %(standard_text)s END
           || CASE WHEN s.total <= %(budget)s THEN ''
                   ELSE '；预算 ' || %(budget_text)s || '元 不足，按系数 ' || round(%(budget)s::numeric / s.total, 8)
                        || ' 同比例核减' END AS explanation
    FROM scaled s
), disbursements AS (
    INSERT INTO subsidies_disbursement (alliance_id, run_id, enterprise_id, claim_id, lines, gross_amount,
                                        capped_amount, amount, explanation)
    SELECT %(alliance)s, %(run)s, enterprise_id, claim_id, lines, gross / 100.0, capped / 100.0, amount / 100.0,
           explanation
    FROM paid
    RETURNING id, amount
), shares AS (
    INSERT INTO subsidies_disbursementshare (alliance_id, disbursement_id, run_id, payer, position, percent, amount)
    SELECT %(alliance)s, d.id, %(run)s, p.payer, p.position, p.percent,
           (div(round(d.amount * 100) * p.cumulative + 5000, 10000)
            - div(round(d.amount * 100) * p.previous + 5000, 10000)) / 100.0
    FROM disbursements d
    CROSS JOIN (VALUES ('市财政', 0, 60.00, 6000, 0), ('区县财政', 1, 40.00, 10000, 6000))
               AS p(payer, position, percent, cumulative, previous)
), split AS (
    SELECT l.*, p.amount AS paid, p.gross, div(l.fen * p.amount, nullif(p.gross, 0)) AS floor_fen,
           mod(l.fen * p.amount, nullif(p.gross, 0)) AS remainder
    FROM lines l JOIN paid p ON p.enterprise_id = l.enterprise_id
)
INSERT INTO subsidies_runline (alliance_id, run_id, claim_line_id, enterprise_id, rule, explanation, quantity,
                               base_amount, amount)
SELECT alliance_id, %(run)s, id, enterprise_id, rule, explanation, CASE WHEN fen > 0 THEN 1 ELSE 0 END, fen / 100.0,
       CASE WHEN paid >= gross THEN fen
            ELSE floor_fen + CASE WHEN row_number() OVER (PARTITION BY enterprise_id ORDER BY remainder DESC, position, id)
                                       <= paid - sum(floor_fen) OVER (PARTITION BY enterprise_id) THEN 1 ELSE 0 END
       END / 100.0
FROM split
"""

RUN_ROWS = {  # what is compared: every column the calculation computes
    "subsidies_runline": "claim_line_id, enterprise_id, rule, explanation, quantity, base_amount, amount",
    "subsidies_disbursement": "enterprise_id, claim_id, lines, gross_amount, capped_amount, amount, explanation",
    "subsidies_disbursementshare": "(SELECT enterprise_id FROM subsidies_disbursement d WHERE d.id = disbursement_id), "
                                   "payer, position, percent, amount",
}  # fmt: skip


def run_rows(cursor, run_id: int) -> dict:
    rows = {}
    for table, columns in RUN_ROWS.items():
        cursor.execute(f"SELECT {columns} FROM {table} WHERE run_id = %s", [run_id])
        rows[table] = sorted(cursor.fetchall())
    return rows


def fresh_alliance() -> Alliance:
    """A new alliance per run; the rows of earlier runs are deleted (their audit entries stay, append-only)."""
    with unscoped("bench: drop the previous run"):
        for old in Alliance.objects.filter(slug__startswith=SLUG):
            with connection.cursor() as cursor:
                for table in ("subsidies_disbursementshare", "subsidies_disbursement", "subsidies_runline",
                              "subsidies_calculationrun", "subsidies_claimline", "subsidies_claim",
                              "subsidies_fundingshare", "subsidies_programversion", "subsidies_period",
                              "subsidies_program", "members_memberunit"):  # fmt: skip
                    cursor.execute(f"DELETE FROM {table} WHERE alliance_id = %s", [old.pk])
        slug = f"{SLUG}-{Alliance.objects.filter(slug__startswith=SLUG).count() + 1}"
    return Alliance.objects.create(
        name=f"基准测试补贴联盟{slug}",
        short_name="基准",
        slug=slug,
        kind=AllianceKind.VOCATIONAL_GROUP,
        region_code="370300",
    )


def build(alliance):
    """10,000 enterprises, one approved claim each, 20 approved lines each — set-based."""
    start = time.perf_counter()
    program = Program.objects.create(
        alliance=alliance, code="internship", name="顶岗实习补助", kind=ProgramKind.INTERNSHIP_POST
    )
    version = ProgramVersion.objects.create(
        alliance=alliance, program=program, number=1, effective_from=datetime.date(2024, 1, 1),
        unit=RateUnit.POST_SEMESTER, rate=Decimal("300.00"), post_counting=PostCounting.PER_DISTINCT_POST,
        cap_per_enterprise=Decimal("3750.00"), budget=Decimal(ENTERPRISES * 3000), min_duration_days=30,
    )  # fmt: skip
    FundingShare.objects.create(
        alliance=alliance, version=version, payer="市财政", percent=Decimal("60"), position=0
    )
    FundingShare.objects.create(
        alliance=alliance, version=version, payer="区县财政", percent=Decimal("40"), position=1
    )
    period = Period.objects.create(
        alliance=alliance, kind=PeriodKind.SEMESTER, name="2024–2025学年第一学期", academic_year=2024, semester=1,
        starts_on=datetime.date(2024, 9, 1), ends_on=datetime.date(2025, 1, 31), claim_deadline=datetime.date(2025, 2, 28),
    )  # fmt: skip
    units = MemberUnit.objects.bulk_create(
        [
            MemberUnit(alliance=alliance, kind=MemberKind.ENTERPRISE, name=f"基准企业{n:05d}", status="admitted",
                       credit_code=make_credit_code("91", "370303", f"{n:09d}"), division_code="370303")
            for n in range(ENTERPRISES)
        ],
        batch_size=2000,
    )  # fmt: skip
    submitted = timezone.make_aware(datetime.datetime(2025, 1, 5, 9, 0))
    account = encrypt("6222020200112233445")
    Claim.objects.bulk_create(
        [
            Claim(alliance=alliance, program=program, period=period, enterprise=unit, program_version=version,
                  number=f"BENCH-{n:05d}", status=ClaimStatus.APPROVED, payee_name=unit.name, bank_name="工商银行",
                  bank_account_encrypted=account, bank_account_masked="**** **** 3445",
                  submitted_at=submitted + datetime.timedelta(seconds=n),
                  first_submitted_at=submitted + datetime.timedelta(seconds=n))
            for n, unit in enumerate(units)
        ],
        batch_size=2000,
    )  # fmt: skip
    resident = encrypt("370302200501011237")
    with connection.cursor() as cursor:
        # 20 lines per claim, 12 posts per claim (so per-post counting matters). Line 20 of every fifth claim is a
        # student also on the claim of the next fifth (paid once, on the claim submitted first) in a post of its
        # own (so the duplicate changes the amount); line 7 of another fifth is shorter than 30 days.
        cursor.execute(
            """
            INSERT INTO subsidies_claimline (alliance_id, claim_id, position, student_name, resident_id_encrypted,
                resident_id_hash, resident_id_masked, specialty, post, starts_on, ends_on, agreement_number,
                insurance_policy_number, problems, has_errors, school_decision, school_note, review, review_reason,
                revision, award_level)
            SELECT %s, c.id, g.n, '学生', %s,
                   md5(CASE WHEN g.n = 20 AND c.id %% 5 = 0 THEN 'dup-' || (c.id / 10) ELSE c.id || '-' || g.n END),
                   '3703**********1237', '数控技术',
                   CASE WHEN g.n = 20 AND c.id %% 5 = 0 THEN '专项岗位' ELSE '岗位' || (g.n %% 12) END,
                   DATE '2024-09-02',
                   CASE WHEN g.n = 7 AND c.id %% 5 = 1 THEN DATE '2024-09-20' ELSE DATE '2025-01-20' END,
                   'XY', 'BX', '[]', false, 'pending', '', 'approved', '', 1, ''
            FROM subsidies_claim c CROSS JOIN generate_series(1, %s) AS g(n)
            WHERE c.alliance_id = %s
            """,
            [alliance.pk, resident, LINES_EACH, alliance.pk],
        )
        cursor.execute("ANALYZE")
    print(
        f"data: {ENTERPRISES} enterprises × {LINES_EACH} lines built in {time.perf_counter() - start:.1f} s"
    )
    return program, period, version


# The cost of writing the run lines alone: the same 200,000 rows (a constant amount, no rules) by one hand-written
# INSERT … SELECT, foreign keys checked at the end of the statement, then rolled back.
WRITE_ONLY = """
INSERT INTO subsidies_runline (alliance_id, run_id, claim_line_id, enterprise_id, rule, explanation, quantity,
                               base_amount, amount)
SELECT l.alliance_id, %(run)s, l.id, c.enterprise_id, 'post_semester', '300.00元/岗·学期 × 1 岗', 1, 300, 300
FROM subsidies_claimline l JOIN subsidies_claim c ON c.id = l.claim_id
WHERE c.alliance_id = %(alliance)s AND c.program_id = %(program)s AND c.period_id = %(period)s
"""


def settle():
    """Before each repetition of each measurement, outside its time: clear the dead rows of earlier repetitions
    (replaced drafts, rolled-back writes) as autovacuum would between two calculations, and write out the pages
    they dirtied (CHECKPOINT), so that every repetition starts from the same kind of table and none pays for a
    checkpoint the one before caused."""
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE subsidies_runline, subsidies_disbursement, subsidies_disbursementshare"
        )
        cursor.execute("CHECKPOINT")


def timed(function, repeat=REPEAT, clean=True):
    timings, result = [], None
    for _ in range(repeat):
        if clean:
            settle()
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def main():
    call_command("migrate", verbosity=0)
    assert connection.vendor == "postgresql", "the benchmark is for PostgreSQL"
    load_before = os.getloadavg()
    alliance = fresh_alliance()
    with scope(alliance.pk):
        program, period, version = build(alliance)
        queries = []

        def calculate():
            with CaptureQueriesContext(connection) as captured:
                run = calculate_run(program, period)
            queries.append(len(captured))
            if os.environ.get("SHOW_QUERIES"):
                for query in captured.captured_queries:
                    print(query["time"], query["sql"][:150])
            return run

        service, run = timed(calculate)
        by_service = dict(Disbursement.objects.filter(run=run).values_list("enterprise_id", "amount"))
        parameters = {
            "alliance": alliance.pk, "program": program.pk, "period": period.pk, "min_days": version.min_duration_days,
            "rate": int(version.rate * 100), "cap": int(version.cap_per_enterprise * 100),
            "budget": int(version.budget * 100), "run": run.pk,
        }  # fmt: skip

        def hand_written():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")  # as the calculation does
                cursor.execute(HAND_WRITTEN, parameters)
                return cursor.fetchall()

        sql, rows = timed(hand_written)
        by_sql = {enterprise: Decimal(amount).quantize(Decimal("0.01")) for enterprise, amount in rows}
        assert by_sql == by_service, "the hand-written statement and the service disagree"

        def write_only():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("DELETE FROM subsidies_runline WHERE run_id = %s", [run.pk])
                start = time.perf_counter()
                cursor.execute(WRITE_ONLY, parameters)
                elapsed = time.perf_counter() - start
                transaction.set_rollback(True)
            return elapsed

        writes = statistics.median((settle(), write_only())[1] for _ in range(REPEAT))
        parameters.update(
            rate_text=f"{version.rate}元/岗·学期 × 1 岗", standard_text="按标准计发",
            capped_text=f"超过每家企业每期上限 {version.cap_per_enterprise}元，按上限计发", budget_text=f"{version.budget:.2f}",
        )  # fmt: skip

        def hand_written_rows():
            with transaction.atomic(), connection.cursor() as cursor:
                expected = run_rows(cursor, run.pk)
                for table in ("subsidies_disbursementshare", "subsidies_runline", "subsidies_disbursement"):
                    cursor.execute(
                        f"DELETE FROM {table} WHERE alliance_id = %s AND run_id = %s", [alliance.pk, run.pk]
                    )
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
                # The planner takes the join of two CTEs for 20 million rows and would spend about 1.3 s compiling
                # the statement with JIT; a person tuning this one statement would switch that off.
                cursor.execute("SET LOCAL jit = off")
                start = time.perf_counter()
                cursor.execute(HAND_WRITTEN_ROWS, parameters)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign-key checks of COMMIT
                elapsed = time.perf_counter() - start
                got = run_rows(cursor, run.pk)
                differ = [table for table in expected if got[table] != expected[table]]
                assert not differ, f"the hand-written rows and the service's disagree in {differ}"
                transaction.set_rollback(True)
            return elapsed

        sql_rows = statistics.median((settle(), hand_written_rows())[1] for _ in range(REPEAT))
        with CaptureQueriesContext(connection) as captured:
            xlsx, content = timed(
                lambda: disbursement_list.build(run, reveal_accounts=True), repeat=1, clean=False
            )
        xlsx_queries = len(captured)
    print(f"lines {run.lines_considered}, paid {run.lines_paid}, enterprises {run.enterprises}, gross {run.gross_total}, "
          f"capped {run.capped_total}, total {run.total} (budget {run.budget}, factor {run.budget_factor}); "
          f"median of {REPEAT}; load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after")  # fmt: skip
    print(f"| calculate_run (one transaction, committed) | {service:.2f} s | {queries[-1]} queries |")
    print(f"| one hand-written SQL statement, same per-enterprise amounts | {sql:.2f} s | 1 query |")
    print(f"| ratio calculate_run / hand-written statement | {service / sql:.1f} | |")
    print(f"| one hand-written SQL statement writing the same rows (disbursements, shares, {run.lines_considered} run "
          f"lines with explanations; FK checks) | {sql_rows:.2f} s | 1 query |")  # fmt: skip
    print(
        f"| ratio calculate_run / hand-written statement writing the same rows | {service / sql_rows:.1f} | |"
    )
    print(
        f"| writing the {run.lines_considered} run lines alone (one INSERT … SELECT, FK checks) | {writes:.2f} s | 1 query |"
    )
    print(
        f"| ratio (calculate_run − writing the lines) / hand-written statement | {(service - writes) / sql:.1f} | |"
    )
    print(f"| disbursement list XLSX ({len(content) // 1024} KiB) | {xlsx:.1f} s | {xlsx_queries} queries |")


if __name__ == "__main__":
    main()

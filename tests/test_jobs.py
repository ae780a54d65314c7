"""Background jobs: enqueue on commit, no duplicates while running, progress, results, retries, the API."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from alliances import jobs
from alliances.jobs import enqueue_job, job_kind, run_job
from alliances.locale import deferred_text
from alliances.models import AuditEntry, Job, JobStatus
from alliances.permissions import Action, Role
from alliances.tenancy import no_scope, scope
from members.models import MemberKind

from .factories import make_member, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(alliance):
    make_unit(alliance, MemberKind.TECHNICAL_SCHOOL, name="淄博市技师学院")
    make_unit(alliance, MemberKind.ENTERPRISE, name='=HYPERLINK("http://evil.example")')
    return [make_unit(alliance, name=f"淄博测试企业{n}有限公司") for n in range(3)]


def export(alliance, user, parameters=None):
    with scope(alliance.pk):
        return enqueue_job(
            alliance=alliance, kind="members.export_roster", parameters=parameters or {}, requested_by=user
        )


def test_job_runs_after_commit_and_produces_a_safe_xlsx(
    alliance, staff_user, units, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job, created = export(alliance, staff_user)
    assert created and job.status == JobStatus.QUEUED and len(callbacks) == 1  # nothing sent before commit
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.progress == 100 and job.result == {"rows": 5}
    sheet = load_workbook(BytesIO(job.result_file.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 6
    names = {row[1] for row in rows[1:]}
    assert "淄博市技师学院" in names
    assert '\'=HYPERLINK("http://evil.example")' in names  # formula neutralised
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_identical_job_is_not_started_twice_while_active(
    alliance, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first, created_first = export(alliance, staff_user)
        second, created_second = export(alliance, staff_user)
        other, created_other = export(alliance, staff_user, {"filters": {"kind": "enterprise"}})
    assert created_first and not created_second and second.pk == first.pk
    assert created_other and other.pk != first.pk


def test_finished_job_can_be_asked_for_again(alliance, staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = export(alliance, staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        second, created = export(alliance, staff_user)
    assert created and second.pk != first.pk


def test_redelivered_job_is_idempotent(alliance, staff_user, units, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = export(alliance, staff_user)
    job.refresh_from_db()
    first_file = job.result_file.name
    run_job(job.pk)  # a second delivery of a finished job changes nothing
    job.refresh_from_db()
    assert job.result_file.name == first_file and job.attempts == 1
    # A worker died mid-run: the job is still "running"; running it again completes it from the start.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=40)
    run_job(job.pk)
    job.refresh_from_db()
    assert (
        job.status == JobStatus.SUCCEEDED
        and job.progress == 100
        and job.attempts == 2
        and job.result == {"rows": 5}
    )


def test_failing_job_is_recorded(alliance, staff_user, django_capture_on_commit_callbacks):
    @job_kind("tests.explode", label="explode", required_action=Action.RUN_EXPORTS)
    def explode(job, report):
        report(30, "working")
        raise RuntimeError("disk full")

    try:
        with django_capture_on_commit_callbacks(execute=True), scope(alliance.pk):
            job, _ = enqueue_job(alliance=alliance, kind="tests.explode", requested_by=staff_user)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "disk full" in job.message and job.finished_at
        assert AuditEntry.objects.filter(
            action="job.failed", object_id=str(job.pk), outcome="failure"
        ).exists()
    finally:
        jobs._registry.pop("tests.explode")


def test_messages_are_kept_in_each_language_and_shown_in_the_readers(
    alliance, staff_user, staff_client, units, django_capture_on_commit_callbacks
):
    """A worker runs in one language; its progress, outcome and failure texts are stored in every language, so a
    reader (page or API) sees them in their own, whatever the worker's."""
    seen = {}

    @job_kind("tests.languages", label="languages", required_action=Action.RUN_EXPORTS)
    def languages(job, report):
        report(50, deferred_text(gettext_lazy("%(done)d of %(total)d rows"), {"done": 1, "total": 2}))
        seen.update(Job.objects.get(pk=job.pk).messages)
        raise RuntimeError(deferred_text(gettext_lazy("Reading the file")))

    try:
        with translation.override("en"), django_capture_on_commit_callbacks(execute=True), scope(alliance.pk):
            failed, _ = enqueue_job(alliance=alliance, kind="tests.languages", requested_by=staff_user)
    finally:
        jobs._registry.pop("tests.languages")
    assert seen == {"zh-hans": "已处理1行，共2行", "en": "1 of 2 rows"}
    failed.refresh_from_db()
    assert failed.messages == {"zh-hans": "任务失败：正在读取文件", "en": "The job failed: Reading the file"}
    assert failed.message == "任务失败：正在读取文件"  # the default language, for logs and the admin
    with translation.override("en"):
        assert failed.display_message == "The job failed: Reading the file"

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        job, _ = export(alliance, staff_user)
    job.refresh_from_db()
    assert job.messages == {"zh-hans": "已导出5个成员单位。", "en": "5 members exported."}
    page = reverse("job-detail", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk})
    api = reverse("api:job-detail", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk})
    assert "已导出5个成员单位。" in staff_client.get(page).content.decode()
    assert staff_client.get(api).json()["message"] == "已导出5个成员单位。"
    staff_client.cookies["django_language"] = "en"
    assert "5 members exported." in staff_client.get(page).content.decode()
    assert staff_client.get(api).json()["message"] == "5 members exported."


def test_job_runs_in_its_own_scope(alliance, staff_user, units, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job, _ = export(alliance, staff_user)
    with no_scope():  # the worker starts with no scope and enters the job's own
        callbacks[0]()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_unknown_kind_is_refused(alliance):
    with pytest.raises(KeyError):
        enqueue_job(alliance=alliance, kind="no.such.kind")


def test_progress_partial_polls_while_running_and_stops_when_done(alliance, staff_client, staff_user):
    job = Job.objects.create(alliance=alliance, kind="members.export_roster", parameters_digest="x",
                             status=JobStatus.RUNNING, progress=40, requested_by=staff_user)  # fmt: skip
    url = reverse("job-detail", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk})
    partial = staff_client.get(url, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body
    assert 'hx-trigger="every 1s"' in body and 'value="40"' in body
    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=100)
    body = staff_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in body and 'value="100"' in body


def test_export_from_the_page_and_download_is_audited(
    alliance, staff_client, units, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("member-export", kwargs={"alliance_slug": alliance.slug}), {"kind": "enterprise"}
        )
    job = Job.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/jobs/{job.pk}/")
    assert job.parameters == {"filters": {"kind": "enterprise"}} and job.result == {"rows": 4}
    download = staff_client.get(
        reverse("job-download", kwargs={"alliance_slug": alliance.slug, "job_id": job.pk})
    )
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    load_workbook(BytesIO(b"".join(download.streaming_content)))
    assert AuditEntry.objects.filter(action="file.downloaded", object_id=str(job.pk)).exists()


def test_representative_sees_only_own_jobs(alliance, staff_user, client):
    rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE)
    Job.objects.create(
        alliance=alliance, kind="members.export_roster", parameters_digest="a", requested_by=staff_user
    )
    mine = Job.objects.create(
        alliance=alliance, kind="members.export_roster", parameters_digest="b", requested_by=rep
    )
    client.force_login(rep)
    response = client.get(reverse("api:job-list", kwargs={"alliance_slug": alliance.slug}))
    assert [job["id"] for job in response.json()["results"]] == [mine.pk]


def test_api_starts_and_reads_jobs(alliance, staff_client, units, django_capture_on_commit_callbacks):
    url = reverse("api:job-list", kwargs={"alliance_slug": alliance.slug})
    with django_capture_on_commit_callbacks(execute=True):
        created = staff_client.post(
            url, {"kind": "members.export_roster", "parameters": {}}, content_type="application/json"
        )
    assert created.status_code == 201
    detail = staff_client.get(
        reverse("api:job-detail", kwargs={"alliance_slug": alliance.slug, "job_id": created.json()["id"]})
    )
    data = detail.json()
    assert (
        data["status"] == "succeeded"
        and data["progress"] == 100
        and data["download_url"].endswith("/download/")
    )
    bad = staff_client.post(url, {"kind": "nope"}, content_type="application/json")
    assert (
        bad.status_code == 400
        and bad.json()["error"]["code"] == "invalid"
        and "kind" in bad.json()["error"]["details"]
    )


def test_representative_cannot_start_exports_through_the_api(alliance, client):
    rep = make_member(alliance, Role.MEMBER_REPRESENTATIVE)
    client.force_login(rep)
    url = reverse("api:job-list", kwargs={"alliance_slug": alliance.slug})
    response = client.post(url, {"kind": "members.export_roster"}, content_type="application/json")
    assert response.status_code == 403 and not Job.objects.exists()


def test_job_list_runs_a_constant_number_of_queries(alliance, staff_client, staff_user):
    url = reverse("job-list", kwargs={"alliance_slug": alliance.slug})

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url).status_code == 200
        return len(captured)

    Job.objects.create(
        alliance=alliance, kind="members.export_roster", parameters_digest="0", requested_by=staff_user
    )
    few = count_queries()
    Job.objects.bulk_create([
        Job(alliance=alliance, kind="members.export_roster", parameters_digest=str(n), requested_by=staff_user, status=JobStatus.SUCCEEDED)
        for n in range(1, 40)
    ])  # fmt: skip
    assert count_queries() == few


def test_job_kind_registry_lists_member_export():
    kind = jobs.get_job_kind("members.export_roster")
    assert kind.required_action == Action.RUN_EXPORTS
    assert str(kind.label) and kind.name in jobs.registered_job_kinds()

"""In Debian's Chromium: a secretariat user logs in, switches language and alliance, and watches a job finish."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from alliances.models import Job, JobStatus
from alliances.permissions import Role
from alliances.services import grant_role
from members.models import MemberKind

from .factories import PASSWORD, make_alliance, make_member, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_alliances_and_staff():
    zibo = make_alliance("淄博市技工教育集团（联盟）", slug="zibo")
    yichang = make_alliance("宜昌三峡职业教育集团", slug="yichang")
    for number in range(7):
        make_unit(zibo, MemberKind.TECHNICAL_SCHOOL, name=f"淄博第{number + 1}技工学校")
    for number in range(12):
        make_unit(zibo, MemberKind.ENTERPRISE, name=f"淄博浏览器测试企业{number + 1}有限公司")
    make_unit(yichang, MemberKind.HIGHER_VOCATIONAL, name="三峡职业技术学院")
    user = make_member(zibo, Role.SECRETARIAT_STAFF, "multi-staff")
    grant_role(alliance=yichang, user=user, role=Role.SECRETARIAT_STAFF)
    return zibo, yichang, user


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}{reverse('login')}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()


def test_staff_logs_in_switches_language_and_alliance_and_sees_a_job_finish(
    page, live_server, two_alliances_and_staff
):
    zibo, yichang, user = two_alliances_and_staff
    log_in(page, live_server, user.username)
    # Two alliances and none chosen yet: the choice page, in Chinese.
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_role("link", name="淄博市技工教育集团（联盟）").click()
    expect(page.get_by_test_id("member-total")).to_have_text("19")
    expect(page.get_by_role("heading", name="构成")).to_be_visible()

    page.get_by_test_id("language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Composition")).to_be_visible()

    page.get_by_test_id("alliance-switcher").locator("summary").click()
    page.get_by_role("link", name="宜昌三峡职业教育集团").click()
    expect(page).to_have_url(re.compile(r"/a/yichang/$"))
    expect(page.get_by_test_id("member-total")).to_have_text("1")

    page.get_by_test_id("alliance-switcher").locator("summary").click()
    page.get_by_role("link", name="淄博市技工教育集团（联盟）").click()
    page.get_by_test_id("export-members").click()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(progress.locator("progress")).to_have_attribute("value", "100")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")


def test_progress_bar_follows_a_running_job(page, live_server, two_alliances_and_staff):
    zibo, _, user = two_alliances_and_staff
    job = Job.objects.create(alliance=zibo, kind="members.export_roster", parameters_digest="browser",
                             status=JobStatus.RUNNING, progress=35, requested_by=user)  # fmt: skip
    log_in(page, live_server, user.username)
    page.goto(
        f"{live_server.url}{reverse('job-detail', kwargs={'alliance_slug': zibo.slug, 'job_id': job.pk})}"
    )
    progress = page.get_by_test_id("job-progress")
    expect(progress.locator("progress")).to_have_attribute("value", "35")
    Job.objects.filter(pk=job.pk).update(progress=70, message="70%")
    expect(progress.locator("progress")).to_have_attribute("value", "70", timeout=10_000)
    Job.objects.filter(pk=job.pk).update(progress=100, status=JobStatus.SUCCEEDED)
    expect(page.get_by_test_id("job-status")).to_have_text(re.compile("成功|Succeeded"), timeout=10_000)

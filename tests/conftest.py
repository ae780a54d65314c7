"""Shared fixtures: alliances, users with roles, and the scope the test body runs in.

Test bodies run inside `unscoped("test setup")` so that factories and assertions can see every
alliance. Requests made through the test client or a live server do not inherit it: the request
middleware starts every request with no scope.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from alliances.permissions import Role
from alliances.tenancy import unscoped

from .factories import make_alliance, make_member


@pytest.fixture(autouse=True)
def _test_scope():
    with unscoped("test setup"):
        yield


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings):
    # Argon2 stays the configured hasher (asserted in test_security); tests hash with MD5 for speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if not settings.FIELD_ENCRYPTION_KEY:  # `make test` sets one; a bare `pytest` gets the same test key
        settings.FIELD_ENCRYPTION_KEY = "dGVzdC1vbmx5LWZpZWxkLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Reference tables are loaded by migration; tests on a live server flush them afterwards, so reload
    them (only when empty) for every test that uses the database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not {"db", "transactional_db"} & set(request.fixturenames):
        return
    transactional = (
        bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from members.reference import ensure_reference_data

    ensure_reference_data()


@pytest.fixture(autouse=True)
def _tasks_inline(request):
    """Tasks run inline unless a test asks for the real worker."""
    from config.celery import app

    eager = request.node.get_closest_marker("worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager or not settings.REDIS_URL
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def alliance(db):
    return make_alliance("淄博市技工教育集团测试", slug="zibo-test")


@pytest.fixture
def other_alliance(db):
    return make_alliance("南通市技工教育集团测试", slug="nantong-test")


@pytest.fixture
def staff_user(alliance):
    return make_member(alliance, Role.SECRETARIAT_STAFF, "staff")


@pytest.fixture
def admin_user(alliance):
    return make_member(alliance, Role.SECRETARIAT_ADMIN, "secadmin")


@pytest.fixture
def auditor_user(alliance):
    return make_member(alliance, Role.AUDITOR, "auditor")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def _live_server_serves_collected_static_files():
    """Serve static files from STATIC_ROOT, as WhiteNoise does in production.

    pytest-django's live server serves them through the staticfiles finders, which know nothing of the
    hashed names that the manifest storage (DEBUG off) puts in pages; `make test` collects them first.
    """
    import django.contrib.staticfiles.handlers as handlers
    from django.test.testcases import _StaticFilesHandler

    original = handlers.StaticFilesHandler
    handlers.StaticFilesHandler = _StaticFilesHandler
    yield
    handlers.StaticFilesHandler = original


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright drives Debian's Chromium: its own browser downloads are not reachable here."""
    import os
    import shutil

    if not shutil.which(CHROMIUM):
        reason = (
            f"browser tests need Debian's Chromium at {CHROMIUM} (make test installs it when run as root)"
        )
        if os.environ.get("CI_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }

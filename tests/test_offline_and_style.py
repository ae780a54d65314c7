"""Pages load nothing from the internet; the code base passes the linter."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import\s+["']?(?:https?:)?//"""
)


def test_templates_and_our_assets_reference_nothing_external():
    files = [*ROOT.joinpath("templates").rglob("*.html"), *ROOT.joinpath("static").rglob("*.css"),
             *ROOT.joinpath("static").rglob("*.js")]  # fmt: skip
    offenders = [
        str(path.relative_to(ROOT)) for path in files if EXTERNAL.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"these load from the internet: {offenders}"


@pytest.mark.django_db
def test_rendered_pages_reference_nothing_external(staff_client, alliance):
    for url in (
        reverse("login"),
        reverse("dashboard", kwargs={"alliance_slug": alliance.slug}),
        reverse("api-docs"),
    ):
        body = staff_client.get(url, follow=True).content.decode()
        assert not EXTERNAL.search(body), url


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run(
        [ruff, "check", "--quiet", str(ROOT)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr

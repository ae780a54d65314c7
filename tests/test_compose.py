"""docker-compose.yml, Dockerfile and .env.example: valid against the Compose Specification and
consistent with the settings they feed.

No Docker engine is needed: the Compose file is validated against the official JSON schema
(vendored in tests/schemas/, see its README) before and after variable interpolation, which is
re-implemented here the way Compose does it. Nothing here touches the database.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "compose-spec.json"

APP_SERVICES = ("web", "worker", "beat")
REQUIRED_SERVICES = ("db", "redis", "migrate", *APP_SERVICES)
REQUIRED_SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY")


# --- helpers ----------------------------------------------------------------


class MissingVariable(Exception):
    pass


_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*)|(?P<invalid>))"
)
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$", re.DOTALL)


def interpolate_string(value: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation: $$, $NAME, ${NAME}, ${NAME:-default}, ${NAME-default},
    ${NAME:?error}, ${NAME?error}, ${NAME:+replacement}, ${NAME+replacement}."""

    def replace(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        if match.group("named"):
            return env.get(match.group("named"), "")
        braced = match.group("braced")
        if braced is None:
            raise ValueError(f"invalid interpolation in {value!r}")
        parsed = _BRACED.match(braced)
        if not parsed:
            raise ValueError(f"invalid interpolation ${{{braced}}} in {value!r}")
        name, op, arg = parsed.group("name"), parsed.group("op"), parsed.group("arg")
        is_set = name in env
        is_set_and_non_empty = bool(env.get(name))
        present = is_set_and_non_empty if op and op.startswith(":") else is_set
        if op is None:
            return env.get(name, "")
        if op.endswith("-"):
            return env[name] if present else arg
        if op.endswith("?"):
            if not present:
                raise MissingVariable(f"{name}: {arg}")
            return env[name]
        return arg if present else ""  # "+"

    return _INTERPOLATION.sub(replace, value)


def interpolate(node, env: dict[str, str]):
    if isinstance(node, str):
        return interpolate_string(node, env)
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    return node


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
        values[key.strip()] = value.strip()
    return values


def settings_variables() -> set[str]:
    """Names of the environment variables that config/settings.py reads."""
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    pattern = r"""(?:os\.environ\.get|os\.getenv|env_bool|env_list)\(\s*["']([A-Z][A-Z0-9_]*)["']|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
    return {a or b for a, b in re.findall(pattern, source)}


def trial_env() -> dict[str, str]:
    """What a fresh checkout has after `cp .env.example .env` and filling in the two secrets."""
    env = read_env_file(ROOT / ".env.example")
    env["SECRET_KEY"] = "test-secret-key-" + "x" * 40
    env["FIELD_ENCRYPTION_KEY"] = "dGVzdC1maWVsZC1lbmNyeXB0aW9uLWtleS0zMi1ieXQ="
    return env


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(compose) -> dict:
    return interpolate(compose, trial_env())


def image_tag(image: str) -> str | None:
    reference = image.split("@", 1)[0]
    last = reference.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


# --- schema -----------------------------------------------------------------


def test_vendored_schema_is_a_valid_json_schema(schema):
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["title"] == "Compose Specification"


def test_compose_file_matches_the_compose_specification(schema, compose):
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_interpolated_compose_file_matches_the_compose_specification(schema, rendered):
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(rendered), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_schema_catches_a_broken_file(schema, compose):
    """The validation has teeth: a misspelt key and a wrong condition are rejected."""
    broken = json.loads(json.dumps(compose))
    broken["services"]["web"]["helthcheck"] = broken["services"]["web"].pop("healthcheck")
    broken["services"]["worker"]["depends_on"]["db"]["condition"] = "service_ready"
    messages = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(broken)]
    assert len(messages) >= 2


# --- interpolation and .env.example -----------------------------------------


def test_interpolation_helper_follows_compose_rules():
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate_string("$$HOSTNAME", env) == "$HOSTNAME"
    assert interpolate_string("${SET:-d}/${EMPTY:-d}/${EMPTY-d}/${UNSET-d}", env) == "v/d//d"
    assert interpolate_string("${SET:?e}", env) == "v"
    with pytest.raises(MissingVariable):
        interpolate_string("${EMPTY:?e}", env)


def test_secrets_are_required(compose):
    for name in REQUIRED_SECRETS:
        env = trial_env()
        env[name] = ""
        with pytest.raises(MissingVariable, match=name):
            interpolate(compose, env)


def test_env_example_defines_every_required_variable():
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", COMPOSE_FILE.read_text(encoding="utf-8")))
    assert set(REQUIRED_SECRETS) <= required
    example = read_env_file(ROOT / ".env.example")
    assert required <= set(example), f"missing from .env.example: {sorted(required - set(example))}"
    for name in REQUIRED_SECRETS:
        assert example[name] == "", f"{name} must not have a value in .env.example"


def test_env_example_names_only_known_variables():
    """Every variable .env.example mentions, set or commented out, is used by docker-compose.yml."""
    compose_text = COMPOSE_FILE.read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", compose_text))
    mentioned = set(
        re.findall(r"^#?([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M)
    )
    assert mentioned <= used, f"not used by docker-compose.yml: {sorted(mentioned - used)}"


# --- services ---------------------------------------------------------------


def test_required_services_exist(compose):
    assert set(REQUIRED_SERVICES) <= set(compose["services"])


def test_no_image_uses_latest_or_no_tag(compose):
    for name, service in compose["services"].items():
        if "image" in service:
            tag = image_tag(service["image"])
            assert tag and tag != "latest", f"{name}: pin the image tag ({service['image']})"
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.strip().upper().startswith("FROM "):
            image = line.split()[1]
            tag = image_tag(image)
            assert tag and tag != "latest", f"Dockerfile: pin the base image tag ({image})"


def test_backing_services_have_health_checks(compose):
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
    assert compose["services"]["db"]["image"].startswith("postgres:16")
    assert "ping" in compose["services"]["redis"]["healthcheck"]["test"]
    assert compose["services"]["redis"]["image"].startswith("redis:7")


def test_app_services_wait_for_healthy_dependencies_and_migrations(compose):
    for name in APP_SERVICES:
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["db"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
    migrate = compose["services"]["migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["command"][-3:] == ["manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"


def test_web_and_worker_have_health_checks(compose):
    web = compose["services"]["web"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8000/healthz" in " ".join(web)
    worker = compose["services"]["worker"]["healthcheck"]["test"]
    assert "inspect ping" in " ".join(worker)


def test_web_health_check_is_valid_python(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "healthcheck", "exec")


def test_celery_commands(compose):
    worker = " ".join(compose["services"]["worker"]["command"])
    assert worker.startswith("celery -A config worker") and "--concurrency 2" in worker
    beat = " ".join(compose["services"]["beat"]["command"])
    assert beat.startswith("celery -A config beat") and "-s /app/var/celerybeat-schedule" in beat
    assert compose["services"]["beat"].get("deploy", {}).get("replicas", 1) == 1


def test_volumes_are_declared_and_mounted(compose):
    declared = set(compose["volumes"])
    assert {"postgres-data", "redis-data", "media"} <= declared
    mounts = {}
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, target = (
                volume.split(":")[:2] if isinstance(volume, str) else (volume["source"], volume["target"])
            )
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name}: volume {source} is not declared"
            mounts.setdefault(name, {})[target] = source
    assert mounts["db"]["/var/lib/postgresql/data"] == "postgres-data"
    assert mounts["redis"]["/data"] == "redis-data"
    assert mounts["web"]["/app/var/media"] == "media"
    assert mounts["worker"]["/app/var/media"] == "media"


def test_app_environment(rendered):
    env = rendered["services"]["web"]["environment"]
    for name in APP_SERVICES + ("migrate",):
        assert rendered["services"][name]["environment"] == env, f"{name} must share the app environment"
    assert env["DATABASE_URL"] == "postgres://chanjiao:chanjiao@db:5432/chanjiao"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["DEBUG"] == "0"
    assert env["SECURE_SSL_REDIRECT"] == "0"
    for name in REQUIRED_SECRETS + ("ALLOWED_HOSTS", "SECURE_COOKIES"):
        assert name in env


def test_app_environment_names_only_variables_settings_reads(compose):
    unknown = set(compose["services"]["web"]["environment"]) - settings_variables()
    assert not unknown, f"config/settings.py does not read {sorted(unknown)}"


def test_settings_accept_the_compose_environment(rendered):
    """config/settings.py imports cleanly with exactly the environment the containers get."""
    env = {key: str(value) for key, value in rendered["services"]["web"]["environment"].items()}
    probe = (
        "import json, config.settings as s;"
        "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'],"
        " 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'ssl_redirect': s.SECURE_SSL_REDIRECT,"
        " 'hosts': s.ALLOWED_HOSTS, 'retention': s.AUDIT_RETENTION_DAYS}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["debug"] is False
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["eager"] is False
    assert loaded["ssl_redirect"] is False
    assert loaded["hosts"] == ["localhost", "127.0.0.1"]
    assert loaded["retention"] >= 180


# --- Dockerfile and docs ----------------------------------------------------


def test_dockerfile_runs_gunicorn_as_a_non_root_user():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0"), "the image must not run as root"
    assert "uv sync --frozen --no-dev" in text
    assert "collectstatic --noinput" in text
    cmd = re.search(r"^CMD\s+(\[.*?\])\s*$", text.replace("\\\n", ""), re.M | re.S)
    assert cmd, "the Dockerfile needs an exec-form CMD"
    argv = json.loads(cmd.group(1))
    assert argv[:2] == ["gunicorn", "config.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:8000"
    assert argv[argv.index("--workers") + 1] == "3"


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".env", ".git", ".venv", "var/"):
        assert entry in ignored


def test_operations_doc_lists_every_setting_variable():
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = sorted(name for name in settings_variables() if f"`{name}`" not in doc)
    assert not missing, f"docs/operations.md does not describe {missing}"

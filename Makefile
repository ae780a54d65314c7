# Two commands on a fresh machine: `make run` (serve the demo) and `make test` (the whole suite).
# Everything they need is installed here: the virtualenv, the locked Python packages, and for
# the tests the system packages (Chromium, a CJK font, poppler) when run as root.

PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
HOST ?= 127.0.0.1
PORT ?= 8000

# Development defaults for `make run`: SQLite under var/, tasks inline, DEBUG on.
RUN_ENV := DEBUG=1
# Test defaults: production-like settings (DEBUG off), plain HTTP for the test servers.
TEST_ENV := SECRET_KEY=test-secret-key-not-for-production-0123456789abcdef \
	FIELD_ENCRYPTION_KEY=dGVzdC1vbmx5LWZpZWxkLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24= \
	SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 SECURE_HSTS_SECONDS=0 ALLOWED_HOSTS=127.0.0.1,localhost,testserver \
	VAR_DIR=$(CURDIR)/var/test DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: venv run test system-packages migrate seed messages lint clean

$(UV):
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

venv: $(UV)
	$(UV) sync --frozen --quiet --python $(PY)

migrate: venv system-packages
	$(RUN_ENV) $(PY) manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

run: seed
	@echo "Chanjiao on http://$(HOST):$(PORT)/ — demo logins in README.md"
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

system-packages:
	@scripts/ensure-system-packages

test: venv system-packages
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(PY) -m pytest $(ARGS)

# Regenerate the translation catalogues after changing user-facing strings (needs GNU gettext).
messages: venv
	$(RUN_ENV) $(PY) manage.py makemessages --locale zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'var/*'
	$(RUN_ENV) $(PY) manage.py makemessages --locale zh_Hans --domain djangojs --ignore '.venv/*' --ignore 'var/*' --ignore 'static/vendor/*'
	$(RUN_ENV) $(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*'

lint: venv
	$(VENV)/bin/ruff check .

clean:
	rm -rf var/test

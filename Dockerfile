# syntax=docker/dockerfile:1
#
# The Chanjiao application image. One image runs every role of the stack in docker-compose.yml:
# web (gunicorn, the default command), worker and beat (Celery) and the one-shot migrate.
# Configuration comes from environment variables only; see docs/operations.md.

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/static

# Runtime libraries: CJK fonts so Chinese text renders in generated PDFs, Pango for WeasyPrint;
# gettext to compile the translations at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk \
        gettext \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN pip install uv==0.13.8

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev

COPY . .

# Translations are compiled and static files collected into the image (served by WhiteNoise).
# The key below exists only for these build steps; the running container gets its SECRET_KEY
# from the environment.
RUN export DEBUG=0 SECRET_KEY=build-time-only-not-a-secret \
    && if [ -d locale ]; then python manage.py compilemessages; fi \
    && python manage.py collectstatic --noinput

# Run as an unprivileged user. The code stays owned by root (read-only to the app);
# only /app/var (uploaded files, beat schedule) is writable.
RUN groupadd --system --gid 1000 chanjiao \
    && useradd --system --uid 1000 --gid chanjiao --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin chanjiao \
    && mkdir -p /app/var/media \
    && chown -R chanjiao:chanjiao /app/var

USER chanjiao

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-"]

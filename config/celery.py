"""The Celery application. Tasks are thin wrappers that look up a Job row and enter its scope."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chanjiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

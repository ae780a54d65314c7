"""The Celery application. Tasks are thin wrappers that look up a Job row and enter its scope."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("chanjiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_incomplete_settings(**kwargs):
    from config.guards import require_serving_settings

    require_serving_settings()

"""The Celery app. Without REDIS_URL, settings make tasks run in-process (eager)."""

import os

from celery import Celery

import deliveryunit.worker  # noqa: F401  (its signal handlers warm each worker's chart browser)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliveryunit.settings")

app = Celery("deliveryunit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

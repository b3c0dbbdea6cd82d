"""The Celery application: background work (emails, feed fetching). Batch signing is not
a task on purpose: the head's passphrase would be stored in the broker (README, "Deployment").

In the embedded default the broker is ``memory://`` and tasks run eagerly in the web
process right after the transaction that queued them commits; production points
CELERY_BROKER_URL at Redis or RabbitMQ and runs `celery -A config worker`. Pages send their
tasks through `layanan.notifications.queueing.task_enqueue`: one short try, never a wait on a
broker that is down or hangs (the settings' LDM_BROKER_TIMEOUT, no publish retry).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("layanan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

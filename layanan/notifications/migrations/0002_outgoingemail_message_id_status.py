"""Every email gets its Message-ID, made once, and a status saying how far sending got.

Existing emails get a Message-ID each; those with a sent time are sent, the others
pending, as they were. Going back drops both columns (the sent time stays).
"""

from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.db import migrations, models

import layanan.notifications.models

BATCH = 1000


def message_ids_and_status(apps, schema_editor):
    OutgoingEmail = apps.get_model("notifications", "OutgoingEmail")
    # As models.message_id_new, copied: a migration must not change when the model does.
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    batch = []
    for email in OutgoingEmail.objects.only("pk", "sent_at").iterator(chunk_size=BATCH):
        email.message_id = make_msgid(domain=domain)
        email.status = "pending" if email.sent_at is None else "sent"
        email.status_changed_at = email.sent_at
        batch.append(email)
        if len(batch) == BATCH:
            OutgoingEmail.objects.bulk_update(batch, ["message_id", "status", "status_changed_at"])
            batch = []
    OutgoingEmail.objects.bulk_update(batch, ["message_id", "status", "status_changed_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outgoingemail",
            name="message_id",
            field=models.CharField(
                editable=False, max_length=255, null=True, verbose_name="Message-ID"
            ),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("connecting", "Connecting to the mail server"),
                    ("transmitting", "Handed to the mail server"),
                    ("sent", "Sent"),
                    ("uncertain", "Perhaps delivered: not sent again"),
                ],
                default="pending",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="outgoingemail",
            name="status_changed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="status changed at"),
        ),
        migrations.RunPython(message_ids_and_status, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outgoingemail",
            name="message_id",
            field=models.CharField(
                default=layanan.notifications.models.message_id_new,
                editable=False,
                max_length=255,
                unique=True,
                verbose_name="Message-ID",
            ),
        ),
        migrations.RemoveIndex(
            model_name="outgoingemail",
            name="email_pending",
        ),
        migrations.AddIndex(
            model_name="outgoingemail",
            index=models.Index(
                condition=models.Q(("status__in", ("pending", "connecting", "transmitting"))),
                fields=["created_at"],
                name="email_unsettled",
            ),
        ),
        migrations.AddConstraint(
            model_name="outgoingemail",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("sent_at__isnull", False), ("status", "sent")),
                    models.Q(
                        models.Q(("status", "sent"), _negated=True), ("sent_at__isnull", True)
                    ),
                    _connector="OR",
                ),
                name="notifications_sent_email_has_its_time",
            ),
        ),
    ]

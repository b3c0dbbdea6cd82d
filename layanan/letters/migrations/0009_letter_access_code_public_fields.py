"""An issued letter keeps the HMAC of its access code, and a letter type names the fields
its verification page shows. Letters issued before have no code ("": owner only); types
show no field until the Admin Kabupaten ticks one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0008_letterrequest_submission_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="letterrequest",
            name="access_code_hash",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=64,
                verbose_name="access code (HMAC)",
            ),
        ),
        migrations.AddField(
            model_name="lettertype",
            name="public_fields",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Names of the type's fields that anyone holding the QR code may read (e.g. "
                    "the business name); none by default. A field holding a NIK or income "
                    "never is."
                ),
                verbose_name="fields shown on the verification page",
            ),
        ),
    ]

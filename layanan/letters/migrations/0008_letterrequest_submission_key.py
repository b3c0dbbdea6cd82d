"""A request remembers the random key of the form it was posted from.

The same form posted twice (a double tap, a retry on a bad connection) then makes one
request: the key is unique per person who posted it. Requests made before have none ("").
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0007_lettertype_validity_amount_unit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="letterrequest",
            name="submission_key",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=64, verbose_name="submission key"
            ),
        ),
        migrations.AddConstraint(
            model_name="letterrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("submission_key", ""), _negated=True),
                fields=("created_by", "submission_key"),
                name="letters_unique_submission_per_creator",
            ),
        ),
    ]

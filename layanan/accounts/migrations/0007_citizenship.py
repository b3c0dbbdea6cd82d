"""A resident's Kewarganegaraan (issue 18), as the KTP prints it: WNI or WNA. Existing
profiles are WNI, as the letters so far took for granted; the resident and the operator
see it on the profile and correct it like any other KTP data."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_totp_secret_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="residentprofile",
            name="citizenship",
            field=models.CharField(
                choices=[("WNI", "WNI"), ("WNA", "WNA")],
                default="WNI",
                max_length=3,
                verbose_name="citizenship",
            ),
        ),
    ]

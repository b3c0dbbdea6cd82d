"""The staff's TOTP secrets sealed in the database (``EncryptedTOTPDevice``): every secret
stored in hex by an earlier version is sealed under the keyring of LDM_FILE_KEYS."""

from django.db import migrations

from layanan.core.crypto import is_sealed, secret_open, secret_seal


def seal_secrets(apps, schema_editor):
    devices = apps.get_model("otp_totp", "TOTPDevice").objects.using(schema_editor.connection.alias)
    for device in devices.only("pk", "key").iterator():
        if not is_sealed(device.key):
            devices.filter(pk=device.pk).update(key=secret_seal(bytes.fromhex(device.key)))


def open_secrets(apps, schema_editor):
    """Backwards: the secrets in hex again, as django-otp alone reads them."""
    devices = apps.get_model("otp_totp", "TOTPDevice").objects.using(schema_editor.connection.alias)
    for device in devices.only("pk", "key").iterator():
        if is_sealed(device.key):
            devices.filter(pk=device.pk).update(key=secret_open(device.key)[0].hex())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_accounts_one_active_head_per_village"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="EncryptedTOTPDevice",
            fields=[],
            options={
                "verbose_name": "authenticator app",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_totp.totpdevice",),
        ),
        migrations.RunPython(seal_secrets, open_secrets),
    ]

"""The staff's TOTP secrets are sealed in the database (EncryptedTOTPDevice, migration 0006):
the column never holds the secret in hex or base32, and logins with the code still work,
before and after the keyring's key is rotated."""

import base64
import importlib
import os

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from layanan.accounts.models import EncryptedTOTPDevice
from layanan.accounts.tests.test_two_factor import _code, _enrol, _staff_login
from layanan.backup.file_keys import file_key_rotate
from layanan.core.crypto import is_sealed

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("layanan.accounts.migrations.0006_totp_secret_encrypted")


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.LDM_STAFF_2FA = True


def _key(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def _column(user) -> str:
    """What the database holds, read through django-otp's own model (no decryption)."""
    return TOTPDevice.objects.values_list("key", flat=True).get(user=user)


def _forms_of(secret: bytes) -> list[str]:
    return [secret.hex(), secret.hex().upper(), base64.b32encode(secret).decode().rstrip("=")]


class _Editor:
    """What the migration's functions use of a schema editor: its connection."""

    connection = connection


def test_an_enrolled_secret_is_sealed_in_the_column_and_the_login_code_works(
    client, captcha, operator
):
    _staff_login(client, captcha, operator.username)
    _enrol(client, operator)
    client.post(reverse("accounts:logout"))

    column = _column(operator)
    secret = EncryptedTOTPDevice.objects.get(user=operator).bin_key
    assert is_sealed(column)
    assert len(secret) == 20
    assert not any(form in column for form in _forms_of(secret))

    _staff_login(client, captcha, operator.username)
    client.post(reverse("accounts:two-factor"), {"code": _code(operator, steps_ahead=1)})
    assert client.get(reverse("letters:inbox")).status_code == 200


def test_the_migration_seals_secrets_stored_in_hex_and_unseals_them_backwards(operator):
    secret = os.urandom(20)
    TOTPDevice.objects.create(user=operator, name="lama", key=secret.hex(), confirmed=True)

    MIGRATION.seal_secrets(apps, _Editor())

    column = _column(operator)
    assert is_sealed(column) and not any(form in column for form in _forms_of(secret))
    assert EncryptedTOTPDevice.objects.get(user=operator).bin_key == secret
    MIGRATION.seal_secrets(apps, _Editor())  # idempotent
    assert _column(operator) == column

    MIGRATION.open_secrets(apps, _Editor())
    assert _column(operator) == secret.hex()


def test_a_secret_left_in_hex_still_works_and_is_sealed_when_saved(operator):
    secret = os.urandom(20)
    TOTPDevice.objects.create(user=operator, name="lama", key=secret.hex(), confirmed=True)
    device = EncryptedTOTPDevice.objects.get(user=operator)

    assert device.bin_key == secret
    device.save(update_fields=["name"])

    assert is_sealed(_column(operator))
    assert EncryptedTOTPDevice.objects.get(user=operator).bin_key == secret


def test_rotation_reseals_the_secret_under_the_newest_key(settings, tmp_path, operator):
    settings.VAR_DIR = tmp_path / "var"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "layanan.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    old, new = _key("2026"), _key("2027")
    settings.LDM_FILE_KEYS = [old]
    device = EncryptedTOTPDevice.objects.create(user=operator, name="app", confirmed=True)
    secret = device.bin_key
    sealed_before = _column(operator)

    settings.LDM_FILE_KEYS = [new, old]
    report = file_key_rotate()
    settings.LDM_FILE_KEYS = [new]

    assert report.secrets == 1
    assert _column(operator) != sealed_before
    assert EncryptedTOTPDevice.objects.get(user=operator).bin_key == secret
    assert file_key_rotate().secrets == 0

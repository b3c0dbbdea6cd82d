from io import StringIO

import pytest
from django.core.management import call_command

from layanan.accounts.choices import ProfileStatus
from layanan.accounts.models import Role, User


@pytest.mark.django_db
def test_setup_demo_prepares_everything_once_and_prints_the_logins(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = StringIO()
    call_command("setup_demo", stdout=first)
    second = StringIO()
    call_command("setup_demo", stdout=second)

    assert "15 kecamatan, 248 desa/kelurahan" in first.getvalue()
    assert "19 created" in first.getvalue()
    for username in ("3325114506950003", "operator.kauman", "lurah.kauman", "admin.kabupaten"):
        assert username in first.getvalue()
        assert username not in second.getvalue()
    assert "password Desa-" in (tmp_path / "demo-logins.txt").read_text()
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    resident = User.objects.get(role=Role.RESIDENT)
    assert resident.profile.status == ProfileStatus.VERIFIED
    assert resident.profile.is_complete
    assert resident.email_confirmed

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


@pytest.mark.django_db
def test_setup_demo_issues_one_demo_letter_and_lists_its_verification_url(
    settings, tmp_path, client
):
    from layanan.letters.models import LetterRequest, RequestStatus

    settings.VAR_DIR = tmp_path
    call_command("setup_demo", stdout=StringIO())
    call_command("setup_demo", stdout=StringIO())

    letter = LetterRequest.objects.get(status=RequestStatus.TERBIT)
    assert letter.applicant is not None
    assert letter.applicant.role == Role.RESIDENT
    assert letter.archive.timestamp_valid_until is not None  # PAdES B-LTA, archived
    url = f"/v/{letter.verification_token}/"
    logins = (tmp_path / "demo-logins.txt").read_text()
    assert url in logins
    assert client.get(url).status_code == 200
    # Its access code is listed too, and opens the original PDF on the verification page.
    code = logins.split("Its access code", 1)[1].split(": ", 1)[1].split()[0]
    response = client.post(f"{url}unduh/", {"code": code})
    assert response["Content-Type"] == "application/pdf"

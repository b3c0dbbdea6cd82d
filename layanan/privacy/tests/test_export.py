"""The "Data Saya" export: exactly the resident's own data and the log of staff who opened it,
as JSON, a readable PDF and a ZIP with the KTP and KK files; nothing of anyone else."""

import io
import json
import zipfile

import pypdf
import pytest
from django.urls import reverse

from layanan.letters.tests.factories import LetterRequestFactory
from layanan.privacy.tests.conftest import OTHER_EMAIL, OTHER_KK, OTHER_NAME, RESIDENT_NAME

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def world(named, issued, operator, other_resident, client):
    """The operator opened the resident's profile and KTP, and the other resident's KK; the
    other resident has a request of their own."""
    resident = named[0]
    profile = resident.profile
    client.force_login(operator)
    client.get(reverse("accounts:verification-detail", kwargs={"public_id": profile.public_id}))
    client.get(
        reverse(
            "accounts:verification-document",
            kwargs={"public_id": profile.public_id, "kind": "ktp"},
        )
    )
    other_profile = other_resident.profile
    client.get(
        reverse(
            "accounts:verification-document",
            kwargs={"public_id": other_profile.public_id, "kind": "kk"},
        )
    )
    other_request = LetterRequestFactory.create(applicant=other_resident)
    client.logout()
    client.force_login(resident)
    return resident, issued, other_request


def test_the_json_holds_the_residents_data_and_who_opened_it(world, client, operator):
    resident, issued, other_request = world

    response = client.get(reverse("privacy:export", kwargs={"fmt": "json"}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["nik"] == resident.username
    assert data["account"]["full_name"] == RESIDENT_NAME
    assert data["profile"]["kk_number"] == resident.profile.kk_number
    assert data["profile"]["identity_documents"] == ["ktp.jpg", "kk.jpg"]
    [request] = data["requests"]
    assert request["registration_number"] == issued.registration_number
    assert request["applicant"]["nik"] == resident.username
    assert request["letter"]["number"] == issued.letter_number
    assert request["letter"]["pdf_url"].endswith(
        reverse("documents:download", kwargs={"number": issued.registration_number})
    )
    assert [e["code"] for e in request["events"]] == ["submitted", "accepted", "issued"]
    assert {e["kind"] for e in data["emails"]} >= {"request_status"}
    log = data["access_log"]
    assert [(e["code"], e["document"]) for e in log] == [
        ("profile.viewed", ""),
        ("profile.document_viewed", "ktp"),
    ]
    assert all(e["by"]["name"] == operator.full_name for e in log)
    assert all(e["by"]["village"] == str(operator.village) for e in log)
    assert log[1]["time"]  # when, to the second, in WIB
    # Nothing of the other resident: their NIK, name, email, KK, request or the KK opened.
    text = response.content.decode()
    for needle in (
        world[2].applicant_nik,
        OTHER_NAME,
        OTHER_EMAIL,
        OTHER_KK,
        other_request.registration_number,
    ):
        assert needle not in text
    assert [e["document"] for e in log].count("kk") == 0


def test_the_pdf_is_readable_and_holds_the_same(world, client):
    resident, issued, other_request = world

    response = client.get(reverse("privacy:export", kwargs={"fmt": "pdf"}))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert resident.username in text
    assert RESIDENT_NAME in text
    assert issued.letter_number in text
    assert issued.registration_number in text
    assert "ktp".upper() in text
    assert OTHER_NAME not in text
    assert other_request.registration_number not in text


def test_the_zip_holds_the_json_the_pdf_and_the_identity_documents(world, client):
    resident = world[0]
    profile = resident.profile

    response = client.get(reverse("privacy:export", kwargs={"fmt": "zip"}))

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["data-saya.pdf", "data.json", "kk.jpg", "ktp.jpg"]
    with profile.ktp_file.open("rb") as handle:
        assert archive.read("ktp.jpg") == handle.read()
    assert json.loads(archive.read("data.json"))["account"]["nik"] == resident.username


def test_an_unknown_format_is_not_found(world, client):
    assert client.get(reverse("privacy:export", kwargs={"fmt": "xml"})).status_code == 404


def test_the_page_lists_the_staff_who_opened_the_data(world, client, operator):
    page = client.get(reverse("privacy:my-data"))

    assert page.status_code == 200
    html = page.content.decode()
    assert operator.full_name in html
    assert reverse("privacy:export", kwargs={"fmt": "pdf"}) in html

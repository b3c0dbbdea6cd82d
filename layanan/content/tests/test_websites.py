"""Website Desa: addresses normalised and checked, kept by the Admin Kabupaten per kecamatan."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from layanan.audit.models import AuditEntry
from layanan.content.services import village_websites_update
from layanan.content.websites import website_href, website_normalise
from layanan.core.errors import DomainError
from layanan.regions.models import District, VillageOffice


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("kauman.desa.id", "kauman.desa.id"),
        ("  https://Kauman.Desa.ID/  ", "kauman.desa.id"),
        ("http://kalisalak.desa.example/profil/", "kalisalak.desa.example/profil"),
        ("www.desa-maju.example", "www.desa-maju.example"),
        ("", ""),
    ],
)
def test_addresses_are_normalised(value, normal):
    assert website_normalise(value) == normal


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "ftp://desa.example",
        "desa",
        "https://user:pw@desa.example",
        "https://desa.example:8080",
        "https://desa.example/?q=1",
        "desa .example",
        "<script>.example",
        "-desa.example",
        "a" * 120 + ".example",
    ],
)
def test_other_text_is_refused(value):
    with pytest.raises(ValidationError):
        website_normalise(value)


def test_links_are_https_and_only_for_web_addresses():
    assert website_href("kauman.desa.example") == "https://kauman.desa.example/"
    assert website_href("desa.example/profil") == "https://desa.example/profil"
    assert website_href("Telp. 0285-123") == ""
    assert website_href("") == ""


@pytest.mark.django_db
def test_villages_without_an_office_row_get_one_on_save(batang, district_admin):
    district = District.objects.get(code="33.25.11")

    changed = village_websites_update(
        actor=district_admin,
        district=district,
        websites={"33.25.11.1015": "https://kauman.desa.example/", "33.25.11.2004": ""},
    )

    assert changed == 1
    assert VillageOffice.objects.get(village_id="33.25.11.1015").website == "kauman.desa.example"
    assert not VillageOffice.objects.filter(village_id="33.25.11.2004").exists()
    assert AuditEntry.objects.filter(action="content.websites_updated").count() == 1


@pytest.mark.django_db
def test_an_operators_letterhead_keeps_its_other_fields(batang, district_admin):
    VillageOffice.objects.create(village_id="33.25.11.1015", phone="0285-391000")

    village_websites_update(
        actor=district_admin,
        district=District.objects.get(code="33.25.11"),
        websites={"33.25.11.1015": "kauman.desa.example"},
    )

    office = VillageOffice.objects.get(village_id="33.25.11.1015")
    assert (office.phone, office.website) == ("0285-391000", "kauman.desa.example")


@pytest.mark.django_db
def test_villages_of_another_kecamatan_are_refused(batang, district_admin):
    with pytest.raises(DomainError):
        village_websites_update(
            actor=district_admin,
            district=District.objects.get(code="33.25.11"),
            websites={"33.25.01.2001": "x.desa.example"},
        )


@pytest.mark.django_db
def test_operators_cannot_edit_the_directory(batang, operator):
    with pytest.raises(DomainError):
        village_websites_update(
            actor=operator,
            district=District.objects.get(code="33.25.11"),
            websites={"33.25.11.1015": "kauman.desa.example"},
        )


@pytest.mark.django_db
def test_the_admin_edits_one_kecamatan_at_a_time(client, batang, district_admin):
    client.force_login(district_admin)
    url = reverse("content:staff-websites") + "?kecamatan=33.25.11"

    page = client.get(url).content.decode()
    assert 'name="web_33_25_11_1015"' in page
    assert page.count("<tr") == 16  # the header and the 15 kecamatan

    refused = client.post(url, {"web_33_25_11_1015": "bukan alamat web"})
    assert refused.status_code == 200
    assert not VillageOffice.objects.exists()

    saved = client.post(url, {"web_33_25_11_1015": "Kauman.Desa.Example", "web_33_25_11_2004": ""})
    assert saved.status_code == 302
    assert VillageOffice.objects.get(village_id="33.25.11.1015").website == "kauman.desa.example"
    directory = client.get(reverse("content:village-info")).content.decode()
    assert "https://kauman.desa.example/" in directory

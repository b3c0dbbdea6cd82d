import pytest
from django.urls import reverse

from layanan.letters.models import LetterType
from layanan.letters.tests.test_services import GUIDE_CATALOGUE

pytestmark = pytest.mark.django_db


def test_catalogue_lists_all_19_types_grouped_by_category_with_their_mode(client, catalogue):
    response = client.get(reverse("letters:catalogue"))

    assert response.status_code == 200
    html = response.content.decode()
    keterangan_at = html.index('<h2 class="h4 mb-3" id="kategori-1">Surat Keterangan</h2>')
    pengantar_at = html.index('<h2 class="h4 mb-3" id="kategori-2">Surat Pengantar</h2>')
    for name, category, _mode in GUIDE_CATALOGUE:
        position = html.index(f">{name}</a>")
        assert (keterangan_at < position < pengantar_at) == (category == "keterangan"), name
    assert html.count('class="badge rounded-pill badge-mandiri"') == 12 + 1  # + the legend
    assert html.count('class="badge rounded-pill badge-datang"') == 7 + 1


def test_mandiri_detail_shows_content_and_the_apply_button(client, catalogue):
    domisili = LetterType.objects.get(code="SK-DOMISILI")

    response = client.get(domisili.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="h2 mb-1">Surat Keterangan Domisili</h1>' in html
    assert "Persyaratan" in html and "Alur Pengajuan" in html
    assert domisili.requirements and domisili.process
    for item in domisili.requirements + domisili.process:
        assert item in html
    assert "Ajukan Permohonan" in html
    assert "Ajukan di kantor desa/kelurahan" not in html


def test_datang_langsung_detail_says_to_come_to_the_office(client, catalogue):
    kelahiran = LetterType.objects.get(code="SP-KELAHIRAN")

    response = client.get(kelahiran.get_absolute_url())

    html = response.content.decode()
    assert "Ajukan di kantor desa/kelurahan" in html
    assert "Ajukan Permohonan" not in html


def test_detail_url_uses_the_lower_case_code(client, catalogue):
    assert reverse("letters:type-detail", kwargs={"code": "sk-domisili"}) == (
        "/layanan/sk-domisili/"
    )
    assert client.get("/layanan/sk-domisili/").status_code == 200


def test_unknown_or_disabled_types_are_not_found(client, catalogue):
    LetterType.objects.filter(code="SK-UMUM").update(is_active=False)

    assert client.get("/layanan/sk-umum/").status_code == 404
    assert client.get("/layanan/tidak-ada/").status_code == 404
    assert "Surat Keterangan Umum<" not in client.get("/layanan/").content.decode()

"""The district admin marks which answers of a letter type its verification page shows;
a field holding a NIK or income is refused, whatever is ticked or typed."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from layanan.backoffice.services import EDITABLE_FIELDS, letter_type_save
from layanan.backoffice.tests.test_letter_type_editor import _form_data
from layanan.core.errors import DomainError
from layanan.letters.fields import fields_from_toml, fields_to_toml
from layanan.letters.models import LetterType

pytestmark = pytest.mark.django_db


def _edit(client, code: str, **changes):
    letter_type = LetterType.objects.get(code=code)
    return client.post(
        reverse("backoffice:letter-type-edit", kwargs={"code": code.lower()}),
        _form_data(letter_type, **changes),
    )


def _refusal(label: str, reason: str) -> str:
    with translation.override("id"):
        return escape(
            gettext("%(label)s can never be shown on the verification page: %(reason)s.")
            % {"label": label, "reason": gettext(reason)}
        )


def test_the_editor_saves_the_public_fields(client, district_admin, kauman, catalogue):
    client.force_login(district_admin)

    response = _edit(client, "SK-USAHA", public_fields=["alamat_usaha", "nama_usaha"])

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert LetterType.objects.get(code="SK-USAHA").public_fields == ["nama_usaha", "alamat_usaha"]
    page = client.get(reverse("backoffice:letter-type-edit", kwargs={"code": "sk-usaha"}))
    html = page.content.decode()
    assert 'value="nama_usaha" id="id_public_fields_0" checked' in html
    assert 'value="jenis_usaha" id="id_public_fields_1">' in html  # offered, not ticked
    assert _edit(client, "SK-USAHA").status_code == 302  # nothing ticked: none public
    assert LetterType.objects.get(code="SK-USAHA").public_fields == []


def test_a_nik_field_a_group_with_niks_and_income_are_refused_with_the_reason(
    client, district_admin, kauman, catalogue
):
    client.force_login(district_admin)

    response = _edit(client, "SK-AHLI-WARIS", public_fields=["nama_pewaris", "nik_pewaris"])
    assert response.status_code == 200
    html = response.content.decode()
    assert _refusal("NIK Pewaris", "it holds a NIK or KK number") in html
    response = _edit(client, "SK-AHLI-WARIS", public_fields=["ahli_waris"])
    assert _refusal("Daftar Ahli Waris", "it holds a NIK or KK number") in response.content.decode()
    response = _edit(client, "SK-TIDAK-MAMPU", public_fields=["penghasilan_per_bulan"])
    assert _refusal("Penghasilan Rata-rata per Bulan (Rp)", "it holds income") in (
        response.content.decode()
    )

    assert LetterType.objects.get(code="SK-AHLI-WARIS").public_fields == []
    assert LetterType.objects.get(code="SK-TIDAK-MAMPU").public_fields == []
    page = client.get(reverse("backoffice:letter-type-edit", kwargs={"code": "sk-ahli-waris"}))
    assert 'value="nik_pewaris" id="id_public_fields_1" disabled' in page.content.decode()


def test_a_field_named_as_a_nik_is_refused_even_without_the_nik_format(
    client, district_admin, kauman, catalogue
):
    client.force_login(district_admin)
    usaha = LetterType.objects.get(code="SK-USAHA")
    fields = fields_to_toml(usaha.fields) + (
        '\n[[field]]\nname = "no_kk_pemilik"\nlabel = "Nomor KK Pemilik"\nkind = "text"\n'
    )

    response = _edit(client, "SK-USAHA", fields_text=fields, public_fields=["no_kk_pemilik"])

    assert response.status_code == 200
    assert _refusal("Nomor KK Pemilik", "it holds a NIK or KK number") in response.content.decode()
    assert "no_kk_pemilik" not in str(LetterType.objects.get(code="SK-USAHA").fields)


def test_a_public_field_redefined_as_a_nik_refuses_the_edit_in_the_service(
    district_admin, kauman, catalogue
):
    usaha = LetterType.objects.get(code="SK-USAHA")
    usaha.public_fields = ["nama_usaha"]
    usaha.save()
    fields = fields_from_toml(
        fields_to_toml(usaha.fields).replace(
            'name = "nama_usaha"', 'name = "nama_usaha"\nformat = "nik"', 1
        )
    )

    values = {name: getattr(usaha, name) for name in EDITABLE_FIELDS} | {"fields": fields}

    with pytest.raises(DomainError) as refused:
        letter_type_save(actor=district_admin, letter_type=usaha, values=values)

    assert refused.value.code == "public_fields"
    usaha.refresh_from_db()
    assert "format" not in usaha.fields[0]


def test_a_field_removed_while_ticked_is_simply_no_longer_public(
    client, district_admin, kauman, catalogue
):
    usaha = LetterType.objects.get(code="SK-USAHA")
    usaha.public_fields = ["nama_usaha", "jenis_usaha"]
    usaha.save()
    client.force_login(district_admin)
    fields = [field for field in usaha.fields if field["name"] != "jenis_usaha"]

    response = _edit(
        client,
        "SK-USAHA",
        fields_text=fields_to_toml(fields),
        public_fields=["nama_usaha", "jenis_usaha"],
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    assert LetterType.objects.get(code="SK-USAHA").public_fields == ["nama_usaha"]

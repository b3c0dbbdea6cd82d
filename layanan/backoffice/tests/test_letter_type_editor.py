import pytest
from django.urls import reverse

from layanan.documents.rendering import shipped_body_template
from layanan.documents.services import letter_sign
from layanan.documents.tests.helpers import pdf_text
from layanan.letters.fields import fields_to_toml
from layanan.letters.models import LetterType, RequestStatus
from layanan.letters.tests.factories import LetterRequestFactory

pytestmark = pytest.mark.django_db


def _form_data(letter_type: LetterType, **changes) -> dict:
    data = {
        "code": letter_type.code,
        "name": letter_type.name,
        "category": letter_type.category,
        "mode": letter_type.mode,
        "summary": letter_type.summary,
        "description": letter_type.description,
        "requirements_text": "\n".join(letter_type.requirements),
        "process_text": "\n".join(letter_type.process),
        "validity_amount": letter_type.validity_amount,
        "validity_unit": letter_type.validity_unit,
        "classification_code": letter_type.classification_code,
        "number_pattern": letter_type.number_pattern,
        "icon": letter_type.icon,
        "is_active": "on" if letter_type.is_active else "",
        "fields_text": fields_to_toml(letter_type.fields),
        "body_template": letter_type.body_template or shipped_body_template(letter_type.code),
    }
    data.update(changes)
    return data


def _text(tmp_path, request) -> str:
    path = tmp_path / f"{request.pk}.pdf"
    path.write_bytes(request.document.read())
    return " ".join(pdf_text(path).split())


def test_editing_the_domisili_template_changes_the_next_letter_and_not_the_issued_ones(
    client, district_admin, draft, signing_head, head_passphrase, resident, tmp_path
):
    first = letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)
    first_sha = first.document_sha256
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    template = shipped_body_template("SK-DOMISILI").replace(
        "#let body(data) = {", "#let body(data) = {\n  par[Kalimat baru dari Dispermades.]", 1
    )
    client.force_login(district_admin)

    response = client.post(
        reverse("backoffice:letter-type-edit", kwargs={"code": "sk-domisili"}),
        _form_data(domisili, body_template=template),
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    second = letter_sign(
        request=LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP),
        head=signing_head,
        passphrase=head_passphrase,
    )

    first.refresh_from_db()
    assert first.document_sha256 == first_sha
    assert "Kalimat baru dari Dispermades" not in _text(tmp_path, first)
    assert "Kalimat baru dari Dispermades" in _text(tmp_path, second)
    assert first.letter_type_version is not None
    assert second.letter_type_version is not None
    assert (first.letter_type_version.number, second.letter_type_version.number) == (1, 2)
    assert first.letter_type_version.snapshot["body_template"] == ""


def test_a_template_that_does_not_compile_is_refused(client, district_admin, kauman, catalogue):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.force_login(district_admin)

    response = client.post(
        reverse("backoffice:letter-type-edit", kwargs={"code": "sk-domisili"}),
        _form_data(domisili, body_template="#let body(data) = { tidak ditutup"),
    )

    assert response.status_code == 200
    assert "tidak dapat dikompilasi" in response.content.decode()
    domisili.refresh_from_db()
    assert domisili.body_template == ""


def test_the_live_preview_shows_the_letter_pages(client, district_admin, kauman, catalogue):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.force_login(district_admin)

    response = client.post(
        reverse("backoffice:letter-type-preview", kwargs={"code": "sk-domisili"}),
        _form_data(domisili),
    )

    assert response.status_code == 200
    assert 'src="data:image/png;base64,' in response.content.decode()


def test_a_new_type_without_code_changes(client, district_admin, kauman, catalogue):
    template = LetterType.objects.get(code="SK-UMUM")
    client.force_login(district_admin)
    data = _form_data(
        template,
        code="SK-BELUM-MENIKAH",
        name="Surat Keterangan Belum Menikah",
        fields_text=(
            '[[field]]\nname = "catatan"\nlabel = "Catatan"\nkind = "textarea"\nrequired = false\n'
        ),
        body_template=shipped_body_template("SK-BELUM-MENIKAH"),
    )

    response = client.post(reverse("backoffice:letter-type-create"), data)

    assert response.status_code == 302, response.content.decode()[-3000:]
    created = LetterType.objects.get(code="SK-BELUM-MENIKAH")
    assert created.fields[0]["name"] == "catatan"
    assert created.body_template == ""  # the shipped template, unchanged, is not stored
    assert (
        "Surat Keterangan Belum Menikah"
        in client.get(reverse("letters:catalogue")).content.decode()
    )


def test_invalid_fields_are_explained_and_nothing_is_saved(
    client, district_admin, kauman, catalogue
):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.force_login(district_admin)

    response = client.post(
        reverse("backoffice:letter-type-edit", kwargs={"code": "sk-domisili"}),
        _form_data(
            domisili, fields_text='[[field]]\nname = "keperluan"\nlabel = "x"\nkind = "text"\n'
        ),
    )

    assert response.status_code == 200
    domisili.refresh_from_db()
    assert domisili.fields[0]["name"] == "keterangan_lainnya"


def test_a_disabled_type_leaves_the_catalogue(client, district_admin, kauman, catalogue):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.force_login(district_admin)

    client.post(
        reverse("backoffice:letter-type-edit", kwargs={"code": "sk-domisili"}),
        _form_data(domisili, is_active=""),
    )

    assert client.get("/layanan/sk-domisili/").status_code == 404


@pytest.mark.parametrize("name", ["backoffice:letter-types", "backoffice:letter-type-create"])
def test_the_editor_is_for_the_district_admin_only(
    client, name, resident, operator, head, district_admin
):
    statuses = []
    for user in (None, resident, operator, head, district_admin):
        client.logout()
        if user:
            client.force_login(user)
        statuses.append(client.get(reverse(name)).status_code)

    assert statuses == [302, 403, 403, 403, 200]

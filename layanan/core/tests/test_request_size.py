"""Bounded requests (issue 17, item 5): a body over LDM_REQUEST_MAX_BYTES is refused from
its Content-Length before it is read; a file over its form's own limit is told that limit,
never "field required". The memory of a real worker is measured in test_request_size_live.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from layanan.accounts.models import ResidentProfile
from layanan.accounts.tests.factories import UserFactory, jpeg_bytes
from layanan.core.middleware import RequestSizeLimitMiddleware
from layanan.core.upload_handlers import TOO_LARGE_FLAG, SizeLimitUploadHandler
from layanan.verification.forms import MAX_UPLOAD

MEGABYTE = 1024 * 1024
TOO_LARGE_TEXT = (
    "What you sent is too large (max %(limit_mb)s MB for one submission). Nothing was saved. "
    "Choose smaller files (at most %(file_limit_mb)s MB each; a phone photo of a document is "
    "well under that) and try again."
)


def _id(message: str) -> str:
    """The Indonesian text of a message, as the page shows it."""
    with translation.override("id"):
        return gettext(message)


def html(response) -> str:
    return " ".join(response.content.decode().split())


def test_a_body_over_the_limit_is_refused_from_its_content_length_unread(client, settings):
    settings.LDM_REQUEST_MAX_BYTES = 2 * MEGABYTE
    # The body holds 10 bytes: reading past them fails the test client ("Cannot read more
    # than the available bytes"), so a 413 proves that nothing was read.
    response = client.post(
        reverse("verification:upload"),
        data=b"0123456789",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(300 * MEGABYTE),
    )

    assert response.status_code == 413
    assert _id("The upload is too large") in html(response)
    assert _id(TOO_LARGE_TEXT) % {"limit_mb": 2, "file_limit_mb": 20} in html(response)
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_a_body_that_does_not_say_its_length_is_refused_unread(client):
    response = client.post(
        reverse("verification:upload"),
        data=b"0123456789",
        content_type="application/octet-stream",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )

    assert response.status_code == 411
    assert _id("The submission could not be read") in html(response)


@pytest.mark.django_db
def test_a_body_within_the_limit_goes_through(client):
    response = client.post(reverse("verification:upload"), {})

    assert response.status_code == 200


def test_the_upload_handler_stops_without_draining_and_the_page_is_the_413(settings):
    settings.LDM_REQUEST_MAX_BYTES = 2 * MEGABYTE
    request = RequestFactory().post("/")
    handler = SizeLimitUploadHandler(request)
    handler.receive_data_chunk(b"x" * 1000, 0)

    with pytest.raises(StopUpload) as stop:
        handler.receive_data_chunk(b"x" * (3 * MEGABYTE), 1000)

    assert stop.value.connection_reset  # Django leaves the rest of the body unread
    assert getattr(request, TOO_LARGE_FLAG) is True
    # Whatever the view made of the partial form, the answer is the 413 page.
    response = RequestSizeLimitMiddleware(lambda _request: HttpResponse("form"))(request)
    assert response.status_code == 413


@pytest.mark.django_db
def test_a_letter_pdf_over_its_limit_is_told_the_limit_not_field_required(client):
    pdf = b"%PDF-1.7\n" + b"0" * MAX_UPLOAD
    upload = SimpleUploadedFile("surat.pdf", pdf, "application/pdf")

    response = client.post(reverse("verification:upload"), {"document": upload})

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["document"]
    assert [error.code for error in errors] == ["too_large"]
    assert _id("The file is larger than 10 MB.") in html(response)


@pytest.mark.django_db
def test_a_ktp_over_its_limit_is_told_the_limit_not_field_required(client, kauman, settings):
    settings.LDM_UPLOAD_MAX_BYTES = 2000
    user = UserFactory.create(username="3325110101000000")
    ResidentProfile.objects.create(user=user, birth_place="BATANG", birth_date="2000-01-01")
    client.force_login(user)
    upload = SimpleUploadedFile("ktp.jpg", jpeg_bytes(size=(600, 600)), "image/jpeg")
    assert upload.size > settings.LDM_UPLOAD_MAX_BYTES

    response = client.post(
        reverse("accounts:profile-edit"), {"full_name": "AKHMAD", "ktp_upload": upload}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["ktp_upload"]
    assert [error.code for error in errors] == ["too_large"]
    told = _id("The file is %(size)s MB, over the limit of %(limit)s MB.").split("%")[0]
    assert f"KTP: {told}" in html(response)

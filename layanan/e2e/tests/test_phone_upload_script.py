"""The upload script in a real browser (core/static/core/uploads.js, issue 18): a camera photo
over the 20 MB limit is shrunk by the browser before it is sent, the progress shows while
it goes, and the page the server answers replaces the form as a normal submission would.
The photo is random noise made here, never a real one.
"""

import io
import random

import pytest
from django.urls import reverse
from PIL import Image

from layanan.accounts.models import ResidentProfile
from layanan.e2e.tests.conftest import PHONE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

MEGABYTE = 1024 * 1024


def _photo_over_the_limit() -> bytes:
    """A 12 MP camera JPEG at quality 100 of noise: over 20 MB."""
    size = (4000, 3000)
    pixels = random.Random(18).randbytes(size[0] * size[1] * 3)
    output = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(output, format="JPEG", quality=100)
    return output.getvalue()


def test_a_photo_over_the_limit_is_shrunk_in_the_browser_and_sent_with_progress(
    open_context, resident
):
    photo = _photo_over_the_limit()
    assert len(photo) > 20 * MEGABYTE
    page = open_context(resident, viewport=PHONE).new_page()
    seen: dict[str, object] = {}

    def hold_the_post(route, request):
        if request.method != "POST":
            route.continue_()
            return
        # While the form is on its way: the progress shows and Save cannot be pressed twice.
        seen["body_bytes"] = len(request.post_data_buffer or b"")
        seen["progress"] = page.locator("[data-upload-status] progress").count()
        seen["save_disabled"] = page.locator("button[type=submit]").last.is_disabled()
        route.continue_()

    page.route("**" + reverse("accounts:profile-edit"), hold_the_post)
    page.goto(reverse("accounts:profile-edit"))
    page.locator("#id_ktp_upload").set_input_files(
        {"name": "IMG_20240105_093012.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    page.get_by_role("button", name="Simpan").click()

    page.wait_for_url("**" + reverse("accounts:profile"))
    assert page.locator(".alert-success").count() == 1  # the message of the saved profile
    assert page.evaluate("window.scrollY") == 0  # the new page opens at its top
    assert int(str(seen["body_bytes"])) < 5 * MEGABYTE  # shrunk before it was sent
    assert seen["progress"] == 1
    assert seen["save_disabled"] is True
    profile = ResidentProfile.objects.get(user=resident)
    with profile.ktp_file.open("rb") as stored:
        assert max(Image.open(stored).size) == 2000


def test_the_errors_of_a_form_sent_by_the_script_show_as_after_a_normal_submission(
    open_context, resident
):
    page = open_context(resident, viewport=PHONE).new_page()
    page.goto(reverse("accounts:profile-edit"))
    page.locator("#id_kk_upload").set_input_files(
        {"name": "kk.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00" + b"\0" * 200}
    )
    page.get_by_role("button", name="Simpan").click()

    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.url.endswith(reverse("accounts:profile-edit"))
    assert summary.evaluate("element => element === document.activeElement")
    assert "KK:" in summary.inner_text()
    assert "KK:" in page.locator("#id_kk_upload_error").inner_text()
    # The page shown is enhanced like one loaded normally: a second try goes through it too.
    page.locator("#id_kk_upload").set_input_files(
        {"name": "kk.pdf", "mimeType": "application/pdf", "buffer": b"MZ"}
    )
    page.get_by_role("button", name="Simpan").click()
    # The progress belongs to the page being left: gone once the answer replaced it.
    page.locator("[data-upload-status]").wait_for(state="detached")
    summary = page.locator("[data-error-summary]")
    assert summary.evaluate("element => element === document.activeElement")
    assert "KK:" in summary.inner_text()

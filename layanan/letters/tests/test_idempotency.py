"""A form posted twice (a double tap, a retry on a bad connection) makes one request.

Each form page carries a random key in a hidden field (no JavaScript involved); the request
records it, unique per person who posted it.
"""

import re
import threading

import pytest
from django.contrib import messages
from django.db import connection, connections
from django.urls import reverse

from layanan.letters.models import LetterRequest, LetterType
from layanan.letters.selectors import request_submitted_with
from layanan.letters.services import letter_request_submit

pytestmark = pytest.mark.django_db

KEY_FIELD = re.compile(r'<input type="hidden" name="submission_key" value="([A-Za-z0-9_-]+)"')
FORM_URL = reverse("letters:request-create", kwargs={"code": "sk-domisili"})
ANSWERS = {"isian-keterangan_lainnya": "", "isian-keperluan": "Mengurus KTP", "agree": "on"}


def _key_of(page) -> str:
    (key,) = KEY_FIELD.findall(page.content.decode())
    return key


def _form_key(client) -> str:
    """The key of a freshly opened form page, as the resident's browser holds it."""
    return _key_of(client.get(FORM_URL))


def _flash(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in messages.get_messages(response.wsgi_request)]


def test_the_same_form_posted_twice_makes_one_request(client, resident, catalogue):
    client.force_login(resident)
    key = _form_key(client)

    first = client.post(FORM_URL, {**ANSWERS, "submission_key": key})
    second = client.post(FORM_URL, {**ANSWERS, "submission_key": key}, follow=True)

    request = LetterRequest.objects.get()
    assert request.submission_key == key
    assert first["Location"] == reverse("letters:history")
    # The second post lands on the same page as the first, told that nothing was sent again.
    assert second.redirect_chain == [(reverse("letters:history"), 302)]
    ((level, text),) = _flash(second)
    assert level == messages.INFO
    assert request.registration_number in text
    assert request.registration_number in second.content.decode()
    assert request.events.count() == 1


def test_two_form_pages_make_two_requests(client, resident, catalogue):
    client.force_login(resident)
    keys = [_form_key(client), _form_key(client)]

    for key in keys:
        client.post(FORM_URL, {**ANSWERS, "submission_key": key})

    assert keys[0] != keys[1]
    assert sorted(LetterRequest.objects.values_list("submission_key", flat=True)) == sorted(keys)


def test_a_post_without_a_key_still_makes_its_request(client, resident, catalogue):
    """A page opened before keys existed (or a client that drops the field) still works;
    it is only not deduplicated."""
    client.force_login(resident)

    client.post(FORM_URL, ANSWERS)
    client.post(FORM_URL, {**ANSWERS, "submission_key": "<script>"})

    assert list(LetterRequest.objects.values_list("submission_key", flat=True)) == ["", ""]


def test_another_residents_key_reveals_nothing(client, resident, other_resident, catalogue):
    client.force_login(resident)
    key = _form_key(client)
    client.post(FORM_URL, {**ANSWERS, "submission_key": key})
    theirs = LetterRequest.objects.get()

    client.force_login(other_resident)
    response = client.post(FORM_URL, {**ANSWERS, "submission_key": key}, follow=True)

    # The other resident's post is their own new request; the first one is not shown.
    mine = LetterRequest.objects.exclude(pk=theirs.pk).get()
    assert (mine.applicant, mine.created_by, mine.submission_key) == (
        other_resident,
        other_resident,
        key,
    )
    html = response.content.decode()
    assert theirs.registration_number not in html
    assert mine.registration_number in html
    assert not [text for _level, text in _flash(response) if theirs.registration_number in text]
    assert request_submitted_with(creator=other_resident, key=key) == mine
    assert request_submitted_with(creator=resident, key=key) == theirs


def test_the_key_survives_a_page_shown_again(client, resident, catalogue):
    """A refused post (the agreement not ticked) shows the form with the same key: it is
    still the same submission, so the corrected post makes the request, once."""
    client.force_login(resident)
    key = _form_key(client)

    refused = client.post(FORM_URL, {**ANSWERS, "agree": "", "submission_key": key})
    client.post(FORM_URL, {**ANSWERS, "submission_key": _key_of(refused)})
    client.post(FORM_URL, {**ANSWERS, "submission_key": key})

    assert refused.status_code == 200
    assert _key_of(refused) == key
    assert LetterRequest.objects.get().submission_key == key


def test_the_service_returns_the_first_request_for_the_same_key(resident, catalogue):
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    data = {"keterangan_lainnya": "", "keperluan": "Mengurus KTP"}

    first = letter_request_submit(
        resident=resident, letter_type=domisili, data=data, submission_key="k" * 43
    )
    again = letter_request_submit(
        resident=resident, letter_type=domisili, data=data, submission_key="k" * 43
    )

    assert again == first
    assert LetterRequest.objects.count() == 1


# --- At the counter -------------------------------------------------------------------------

WALK_IN_NIK = "3325114107880002"
APPLICANT = {
    "name": "Wulan Sari",
    "birth_place": "BATANG",
    "birth_date": "1988-07-01",
    "gender": "P",
    "religion": "islam",
    "marital_status": "kawin_tercatat",
    "occupation": "02",
    "citizenship": "WNI",
    "address": "Jl. Kauman RT 001 RW 002",
    "isian-keterangan_lainnya": "",
    "isian-keperluan": "Melamar pekerjaan",
}


def _walk_in_page(client) -> str:
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    client.post(reverse("letters:walk-in"), {"letter_type": domisili.pk, "nik": WALK_IN_NIK})
    return _key_of(client.get(reverse("letters:walk-in-details")))


def test_a_counter_registration_posted_twice_makes_one_request(client, operator, catalogue):
    client.force_login(operator)
    key = _walk_in_page(client)
    details = reverse("letters:walk-in-details")

    first = client.post(details, {**APPLICANT, "submission_key": key})
    client.get(first["Location"])  # the operator reads the confirmation
    # The first post ended the registration (its step is gone from the session); the
    # second still finds the request it made.
    second = client.post(details, {**APPLICANT, "submission_key": key})

    request = LetterRequest.objects.get()
    page = reverse("letters:staff-detail", kwargs={"number": request.registration_number})
    assert first["Location"] == second["Location"] == page
    ((level, text),) = _flash(second)
    assert level == messages.INFO
    assert request.registration_number in text
    assert (request.created_by, request.submission_key) == (operator, key)


def test_a_residents_key_at_the_counter_is_another_submission(
    client, resident, operator, catalogue
):
    client.force_login(resident)
    key = _form_key(client)
    client.post(FORM_URL, {**ANSWERS, "submission_key": key})
    client.force_login(operator)
    _walk_in_page(client)

    response = client.post(reverse("letters:walk-in-details"), {**APPLICANT, "submission_key": key})

    registered = LetterRequest.objects.get(created_by=operator)
    assert response["Location"] == reverse(
        "letters:staff-detail", kwargs={"number": registered.registration_number}
    )
    assert LetterRequest.objects.count() == 2


# --- At the same moment -----------------------------------------------------------------------

POSTS = 8


@pytest.mark.django_db(transaction=True)
def test_posts_of_one_form_at_the_same_moment_make_one_request(resident, catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the concurrent case matters on PostgreSQL")
    domisili = LetterType.objects.get(code="SK-DOMISILI")
    barrier = threading.Barrier(POSTS)
    made, errors = [], []

    def post():
        try:
            barrier.wait()
            made.append(
                letter_request_submit(
                    resident=resident,
                    letter_type=domisili,
                    data={"keterangan_lainnya": "", "keperluan": "Uji bersamaan"},
                    submission_key="the-same-form-page-key",
                ).pk
            )
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(POSTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    request = LetterRequest.objects.get()
    assert made == [request.pk] * POSTS
    assert request.events.count() == 1

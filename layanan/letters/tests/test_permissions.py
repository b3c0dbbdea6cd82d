"""The permission matrix of the request pages (DESIGN.md §2: staff of one village never see
another village's requests)."""

import pytest
from django.urls import reverse

from layanan.letters.tests.factories import LetterRequestFactory

pytestmark = pytest.mark.django_db

# Expected status per actor, in the root conftest's ACTOR_NAMES order.
EXPECTED = {
    "letters:history": [302, 200, 200, 403, 403, 403, 403],
    "letters:request-detail": [302, 200, 404, 403, 403, 403, 403],
    "letters:inbox": [302, 403, 403, 200, 200, 200, 403],
    "letters:staff-detail": [302, 403, 403, 200, 404, 200, 403],
    "letters:walk-in": [302, 403, 403, 200, 200, 403, 403],
}
POSTS = {
    "letters:request-cancel": [302, 302, 404, 403, 403, 403, 403],
    "letters:staff-accept": [302, 403, 403, 400, 404, 302, 403],
    "letters:staff-reject": [302, 403, 403, 400, 404, 400, 403],
}


@pytest.fixture
def letter_request(resident, catalogue):
    return LetterRequestFactory.create(applicant=resident)


def _url(name, letter_request):
    if name in ("letters:history", "letters:inbox", "letters:walk-in"):
        return reverse(name)
    return reverse(name, kwargs={"number": letter_request.registration_number})


@pytest.mark.parametrize("name", EXPECTED)
def test_get_pages(client, actors, log_in_as, letter_request, name):
    statuses = []
    for user in actors.values():
        log_in_as(user)
        statuses.append(client.get(_url(name, letter_request)).status_code)

    assert statuses == EXPECTED[name]


@pytest.mark.parametrize("name", POSTS)
def test_post_actions(client, actors, log_in_as, letter_request, name):
    statuses = []
    for user in actors.values():
        log_in_as(user)
        statuses.append(client.post(_url(name, letter_request), {"reason": ""}).status_code)

    assert statuses == POSTS[name]
    letter_request.refresh_from_db()
    if name != "letters:request-cancel":
        assert letter_request.status == "proses"  # nobody could act without valid input/rights

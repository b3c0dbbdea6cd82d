"""The permission matrix of every page that shows a resident's personal data.

Actors: anonymous, the owner, another resident, the operator of the owner's village, an
operator of another village, the village head, the district admin.
"""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# url name -> expected status per actor of the root conftest's ACTOR_NAMES (302 = sent to a
# login page).
OWN_PAGES = {
    "letters:dashboard": [302, 200, 200, 403, 403, 403, 403],
    "accounts:profile": [302, 200, 200, 403, 403, 403, 403],
    "accounts:profile-edit": [302, 200, 200, 403, 403, 403, 403],
}
STAFF_PAGES = {
    "accounts:verification-list": [302, 403, 403, 200, 200, 403, 403],
    "accounts:verification-detail": [302, 403, 403, 200, 404, 403, 403],
    "accounts:verification-document": [302, 403, 403, 200, 404, 403, 403],
}


@pytest.fixture
def get_as(client, log_in_as):
    def get(user, url):
        log_in_as(user)
        return client.get(url)

    return get


@pytest.mark.parametrize("name", OWN_PAGES)
def test_own_pages(get_as, actors, name):
    url = reverse(name)
    statuses = [get_as(user, url).status_code for user in actors.values()]

    assert statuses == OWN_PAGES[name]


def test_another_resident_sees_only_their_own_data(get_as, actors, resident, other_resident):
    html = get_as(other_resident, reverse("accounts:profile")).content.decode()

    assert other_resident.username in html
    assert resident.username not in html


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages(get_as, actors, resident, name):
    kwargs = {}
    if name != "accounts:verification-list":
        kwargs["public_id"] = resident.profile.public_id
    if name == "accounts:verification-document":
        kwargs["kind"] = "ktp"
    url = reverse(name, kwargs=kwargs)

    statuses = [get_as(user, url).status_code for user in actors.values()]

    assert statuses == STAFF_PAGES[name]


@pytest.mark.parametrize("kind", ["ktp", "kk"])
def test_identity_documents(get_as, actors, kind):
    """KTP and KK: only the owner (own URL) and the operator of the village (staff URL)."""
    own = reverse("accounts:own-document", kwargs={"kind": kind})
    statuses = [get_as(user, own).status_code for user in actors.values()]

    assert statuses == [302, 200, 200, 403, 403, 403, 403]  # each resident gets their own file


def test_the_operator_list_never_shows_the_nik(get_as, operator, resident):
    html = get_as(operator, reverse("accounts:verification-list")).content.decode()

    assert resident.full_name in html
    assert resident.username not in html

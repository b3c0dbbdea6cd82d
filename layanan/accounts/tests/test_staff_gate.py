"""One gate for staff: a session that passed the password but not the second factor is
nobody yet. Every staff URL of the permission matrix (layanan/core/tests/test_security.py)
is walked with such a half-logged session of each staff member it would admit, and with
the same member's completed session as the control; the announcement preview, which checks
a rule inline rather than through ``staff_required``, is tried through the real login form.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from layanan.accounts import rules as account_rules
from layanan.accounts.tests.factories import PASSWORD
from layanan.content import rules as content_rules
from layanan.content.models import Announcement
from layanan.content.services import AnnouncementValues, announcement_create
from layanan.content.tests.factories import pdf_bytes
from layanan.core.tests.test_security import MATRIX, world  # noqa: F401 - a fixture
from layanan.core.uploads import identity_document_clean

pytestmark = pytest.mark.django_db

STAFF = ("operator", "other_operator", "head", "admin")
# What a staff member who would be refused anyway may get: the login, a refusal, nothing.
REFUSED = {302, 403, 404}


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.LDM_STAFF_2FA = True


def _half_logged(user) -> Client:
    """Password passed (a session of the user), second factor not (no device in it)."""
    client = Client()
    client.force_login(user)
    return client


def _fully_logged(user) -> Client:
    """The session as django-otp leaves it once a code was accepted (here a backup code's
    device: the gate asks whether the session passed a device, not which kind)."""
    client = _half_logged(user)
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="Kode cadangan", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _staff_urls():
    """(URL name, actor) for every URL that some staff member may open with a full login."""
    columns = ("anonymous", "owner", "other_resident", *STAFF)
    for name, (_argument_key, expected) in sorted(MATRIX.items()):
        statuses = dict(zip(columns, expected, strict=True))
        if statuses["anonymous"] != 302:
            continue  # no login needed; the announcement preview is tested below
        for actor in STAFF:
            if statuses[actor] not in REFUSED:
                yield name, actor


STAFF_URLS = list(_staff_urls())


def test_the_walk_covers_every_back_office_page():
    names = {name for name, _actor in STAFF_URLS}
    assert {
        "backoffice:dashboard",
        "backoffice:audit-export",
        "backoffice:statistics-csv",
        "backoffice:letter-type-preview",
        "documents:preview",
        "documents:staff-download",
        "content:staff-announcements",
        "accounts:verification-document",
        "accounts:password-change",
    } <= names


@pytest.mark.parametrize(("name", "actor"), STAFF_URLS)
def test_a_half_logged_session_reaches_no_staff_page(world, name, actor):  # noqa: F811
    arguments, people = world
    argument_key, _expected = MATRIX[name]
    url = reverse(name, kwargs=arguments[argument_key])
    client = _half_logged(people[actor])

    for response in (client.get(url), client.post(url, {"x": "1"})):
        assert response.status_code in (302, 403, 404), (name, actor, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:two-factor")), response[
                "Location"
            ]


@pytest.mark.parametrize(("name", "actor"), STAFF_URLS)
def test_the_completed_second_factor_opens_the_same_page(world, name, actor):  # noqa: F811
    arguments, people = world
    argument_key, expected = MATRIX[name]
    columns = ("anonymous", "owner", "other_resident", *STAFF)
    url = reverse(name, kwargs=arguments[argument_key])

    response = _fully_logged(people[actor]).get(url)

    assert response.status_code == dict(zip(columns, expected, strict=True))[actor]


def test_every_staff_rule_says_no_to_a_half_logged_session(rf, operator, head, district_admin):
    from django_otp.middleware import OTPMiddleware

    for user in (operator, head, district_admin):
        request = rf.get("/")
        request.user = user
        request.session = {}
        OTPMiddleware(lambda _request: None)(request)
        half = request.user
        assert account_rules.is_staff_account(half)  # to send it to the code step
        assert not account_rules.is_staff_member(half)
        assert not account_rules.is_village_staff(half)
        assert not account_rules.is_operator(half)
        assert not account_rules.is_head(half)
        assert not account_rules.is_district_admin(half)
        assert not content_rules.can_manage_content(half)


def _unpublished_announcement(district_admin) -> Announcement:
    attachment = identity_document_clean(
        SimpleUploadedFile("a.pdf", pdf_bytes()),
        max_bytes=5_000_000,
        max_pixels=10_000_000,
        max_pdf_pages=5,
    )
    return announcement_create(
        actor=district_admin,
        values=AnnouncementValues(
            title="Rapat anggaran (belum terbit)",
            body="<p>Rahasia sampai terbit.</p>",
            publish_on=timezone.localdate() + dt.timedelta(days=30),
            expires_on=None,
            is_pinned=False,
        ),
        attachment=attachment,
    )


def test_an_unpublished_announcement_waits_for_the_second_factor(client, captcha, district_admin):
    announcement = _unpublished_announcement(district_admin)
    page = reverse("content:announcement", kwargs={"slug": announcement.slug})
    attachment = reverse("content:announcement-attachment", kwargs={"slug": announcement.slug})
    client.get(reverse("accounts:staff-login"))
    login = client.post(
        reverse("accounts:staff-login"),
        {"identifier": district_admin.username, "password": PASSWORD, "captcha": captcha},
    )
    assert login.status_code == 302  # on to the code step, which is never taken here

    assert client.get(page).status_code == 404
    assert client.get(attachment).status_code == 404

    confirmed = _fully_logged(district_admin)
    preview = confirmed.get(page)
    assert preview.status_code == 200
    assert "Rahasia sampai terbit" in preview.content.decode()
    pdf = confirmed.get(attachment)
    assert pdf.status_code == 200
    assert "no-store" in pdf["Cache-Control"]

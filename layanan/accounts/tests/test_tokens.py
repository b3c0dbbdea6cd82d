"""Opaque confirmation links: the token shows neither the account's id nor its email, any
change to it, an expired one or one of the earlier readable format confirms nothing (the
page offers a new link), and one made before a key rotation still works."""

import base64
import json
import time

import pytest
from django.core import signing
from django.urls import reverse

from layanan.accounts.services import account_email_change, resident_email_confirm
from layanan.accounts.tests.factories import UserFactory
from layanan.accounts.tokens import confirmation_token_make, confirmation_token_read
from layanan.core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconfirmed():
    return UserFactory(email="Warga.Kauman@Example.com", email_confirmed_at=None)


def _decodings(token: str) -> list[bytes]:
    padded = token + "=" * (-len(token) % 4)
    found = [token.encode()]
    for part in [padded, *token.split(":"), *token.split(".")]:
        try:
            found.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except ValueError:
            continue
    return found


def _parses_as_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def test_the_token_reveals_neither_id_nor_email(unconfirmed):
    token = confirmation_token_make(unconfirmed)

    for raw in _decodings(token):
        lowered = raw.lower()
        assert b"warga" not in lowered
        assert b"example" not in lowered
        assert f'"u": {unconfirmed.pk}'.encode() not in raw
        # No JSON to read (a random byte may well be "{", so the bytes are not searched).
        assert not _parses_as_json(raw)
    assert confirmation_token_read(token) is not None
    # Two links for the same account look nothing alike.
    assert confirmation_token_make(unconfirmed) != token


def test_the_link_confirms_the_account_once_opened(client, unconfirmed):
    path = reverse("accounts:confirm", kwargs={"token": confirmation_token_make(unconfirmed)})

    response = client.post(path)

    assert response["Location"] == reverse("accounts:login")
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_confirmed_at is not None


@pytest.mark.parametrize(
    "spoil",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token[:10],
        lambda token: "x" + token,
        lambda _token: "%%%",
    ],
)
def test_a_changed_token_confirms_nothing(unconfirmed, spoil):
    with pytest.raises(DomainError):
        resident_email_confirm(token=spoil(confirmation_token_make(unconfirmed)))
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_confirmed_at is None


def test_an_expired_link_says_so_and_offers_a_new_one(client, unconfirmed, settings):
    made_long_ago = time.time() - settings.LDM_CONFIRMATION_MAX_AGE - 60
    path = reverse(
        "accounts:confirm",
        kwargs={"token": confirmation_token_make(unconfirmed, now=made_long_ago)},
    )

    response = client.post(path, follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:confirm-resend")
    assert "tidak berlaku" in response.content.decode()
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_confirmed_at is None


def test_a_link_of_the_earlier_readable_format_no_longer_works(client, unconfirmed):
    old = signing.dumps(
        {"u": unconfirmed.pk, "e": unconfirmed.email.lower()},
        salt="layanan.accounts.email-confirmation",
        compress=True,
    )

    response = client.post(reverse("accounts:confirm", kwargs={"token": old}), follow=True)

    assert "tidak berlaku" in response.content.decode()
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_confirmed_at is None


def test_a_link_made_before_a_key_rotation_still_works(unconfirmed, settings):
    token = confirmation_token_make(unconfirmed)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    assert resident_email_confirm(token=token) == unconfirmed


def test_a_link_for_an_address_since_changed_confirms_nothing(unconfirmed):
    token = confirmation_token_make(unconfirmed)
    account_email_change(user=unconfirmed, email="alamat.baru@example.com")

    with pytest.raises(DomainError):
        resident_email_confirm(token=token)

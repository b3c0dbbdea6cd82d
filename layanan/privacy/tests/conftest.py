"""Fixtures of the residents' rights tests: a resident with an issued letter whose KTP an
operator opened, and another resident of the same village with data of their own."""

import pytest

RESIDENT_NAME = "Sri Rahayuningsih Wiratama"
RESIDENT_EMAIL = "sri.wiratama@example.com"
RESIDENT_KK = "3325110101099876"
OTHER_NAME = "Bambang Prasetyo Adinugroho"
OTHER_EMAIL = "bambang.adinugroho@example.com"
OTHER_KK = "3325110101095555"


@pytest.fixture
def issued(resident, draft, signing_head, head_passphrase):
    """The resident's Domisili letter, signed and issued."""
    from layanan.documents.services import letter_sign

    return letter_sign(request=draft, head=signing_head, passphrase=head_passphrase)


@pytest.fixture
def named(resident, other_resident):
    """Names, emails and KK numbers no other fixture uses, to search the database for."""
    for user, name, email, kk in (
        (resident, RESIDENT_NAME, RESIDENT_EMAIL, RESIDENT_KK),
        (other_resident, OTHER_NAME, OTHER_EMAIL, OTHER_KK),
    ):
        user.full_name, user.email = name, email
        user.save(update_fields=["full_name", "email"])
        user.profile.kk_number = kk
        user.profile.save(update_fields=["kk_number"])
    return resident, other_resident

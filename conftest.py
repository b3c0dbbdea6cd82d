"""Fixtures shared by the whole test suite."""

import shutil

import pytest
from django.conf import settings


def pytest_sessionfinish(session, exitstatus):
    # config/settings/test.py puts the run's private files in a temporary folder.
    shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


@pytest.fixture
def batang(db):
    """Kabupaten Batang loaded from the shipped region data, as `make run` does."""
    from layanan.regions.services import regions_load_regency

    return regions_load_regency(code="33.25").regency


@pytest.fixture
def kauman(db):
    """Kelurahan Kauman, Kecamatan Batang: the village of the guide's worked example."""
    from layanan.regions.tests.factories import village_from_data

    return village_from_data("33.25.11.1015")


@pytest.fixture
def catalogue(db):
    from layanan.letters.services import letter_catalogue_load

    letter_catalogue_load()


@pytest.fixture
def other_village(db):
    """Desa Kalisalak, also in Kecamatan Batang: staff there must not see Kauman's residents."""
    from layanan.regions.tests.factories import village_from_data

    return village_from_data("33.25.11.2004")


@pytest.fixture
def resident(kauman):
    """A resident of Kauman with a complete profile waiting for verification."""
    from layanan.accounts.tests.factories import ResidentProfileFactory

    return ResidentProfileFactory(village=kauman).user


@pytest.fixture
def other_resident(kauman):
    from layanan.accounts.tests.factories import ResidentProfileFactory

    return ResidentProfileFactory(village=kauman).user


@pytest.fixture
def operator(kauman):
    from layanan.accounts.models import Role
    from layanan.accounts.tests.factories import StaffFactory

    return StaffFactory(role=Role.OPERATOR, village=kauman, username="operator.kauman")


@pytest.fixture
def other_operator(other_village):
    from layanan.accounts.models import Role
    from layanan.accounts.tests.factories import StaffFactory

    return StaffFactory(role=Role.OPERATOR, village=other_village, username="operator.kalisalak")


@pytest.fixture
def head(kauman):
    from layanan.accounts.models import Role
    from layanan.accounts.tests.factories import StaffFactory

    return StaffFactory(role=Role.HEAD, village=kauman, username="lurah.kauman")


@pytest.fixture
def district_admin(db):
    from layanan.accounts.models import Role
    from layanan.accounts.tests.factories import StaffFactory

    return StaffFactory(role=Role.DISTRICT_ADMIN, village=None, username="admin.kabupaten")


# --- The permission matrix's people (STYLE.md habit 10) ---------------------------------------

# The columns of every permission matrix, in this order.
ACTOR_NAMES = (
    "anonymous",
    "owner",
    "other_resident",
    "operator",
    "other_operator",
    "head",
    "admin",
)


@pytest.fixture
def actors(resident, other_resident, operator, other_operator, head, district_admin):
    """Everyone a permission matrix asks, by name, in ACTOR_NAMES order: nobody logged in,
    the owner (a resident of Kauman), another resident of Kauman, Kauman's operator, the
    operator of another village, Kauman's head, the district admin."""
    people = [None, resident, other_resident, operator, other_operator, head, district_admin]
    return dict(zip(ACTOR_NAMES, people, strict=True))


@pytest.fixture
def log_in_as(client):
    """``log_in_as(user)``: the test's client as that person (``None``: logged out)."""

    def log_in(user) -> None:
        client.logout()
        if user is not None:
            client.force_login(user)

    return log_in


@pytest.fixture
def captcha():
    """The Kode Keamanan of the test settings (the field is still required and checked)."""
    from django.conf import settings

    return settings.LDM_CAPTCHA_FIXED_CODE


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and cached values live in the cache: every test starts from a clean one."""
    from django.core.cache import cache

    from layanan.documents.pki.keys import keys_forget
    from layanan.regions.context_processors import regency_names_forget
    from layanan.verification.services import trust_roots_forget

    def forget() -> None:
        cache.clear()
        regency_names_forget()
        keys_forget()  # keys and trust roots of another test's PKI
        trust_roots_forget()

    forget()
    yield
    forget()


@pytest.fixture
def local_ca(db):
    """The local PKI (CA, time-stamping unit, OCSP responder, CRL), as `pki_init` creates it;
    the current CA generation."""
    from layanan.documents.pki.authority import authority_current
    from layanan.documents.pki.keys import keys_forget
    from layanan.documents.pki.lifecycle import pki_initialise
    from layanan.verification.services import trust_roots_forget

    keys_forget()
    trust_roots_forget()
    pki_initialise(regency_name="Kabupaten Batang")
    yield authority_current()
    keys_forget()
    trust_roots_forget()


HEAD_PASSPHRASE = "Tanda-Tangan-2026"  # noqa: S105 - a test fixture's passphrase


@pytest.fixture
def head_passphrase():
    return HEAD_PASSPHRASE


@pytest.fixture
def signing_head(head, local_ca):
    """The Lurah of Kauman with a signing certificate protected by HEAD_PASSPHRASE."""
    from layanan.documents.services import signing_credential_issue

    signing_credential_issue(user=head, passphrase=HEAD_PASSPHRASE)
    return head


@pytest.fixture
def draft(resident, operator, catalogue):
    """A Domisili request of Kauman accepted into Konsep, ready for the head's signature."""
    from layanan.accounts.choices import ProfileStatus
    from layanan.letters.models import LetterType
    from layanan.letters.services import letter_request_accept, letter_request_submit

    profile = resident.profile
    profile.status = ProfileStatus.VERIFIED
    profile.save()
    request = letter_request_submit(
        resident=resident,
        letter_type=LetterType.objects.get(code="SK-DOMISILI"),
        data={"keterangan_lainnya": "", "keperluan": "Mengurus Dokumen Perizinan Berusaha"},
    )
    return letter_request_accept(request=request, operator=operator)


def require_tool(name: str) -> str:
    """The path of a command-line tool the test needs; CI (LDM_REQUIRE_ALL_TOOLS) must have it."""
    import os
    import shutil

    path = shutil.which(name)
    if path is None:
        if os.environ.get("LDM_REQUIRE_ALL_TOOLS"):
            pytest.fail(f"{name} is required (installed by .ci/run)")
        pytest.skip(f"{name} is not installed")
    return path

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


@pytest.fixture
def captcha():
    """The Kode Keamanan of the test settings (the field is still required and checked)."""
    from django.conf import settings

    return settings.LDM_CAPTCHA_FIXED_CODE


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttles and cached values live in the cache: every test starts from a clean one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

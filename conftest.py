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

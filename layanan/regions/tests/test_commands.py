from io import StringIO

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_load_regions_defaults_to_batang_and_reports_counts():
    out = StringIO()

    call_command("load_regions", stdout=out)

    assert "33.25 Kabupaten Batang: 15 kecamatan, 248 desa/kelurahan" in out.getvalue()


@pytest.mark.django_db
def test_load_regions_with_an_unknown_code_fails_clearly():
    with pytest.raises(CommandError, match=r"99\.99"):
        call_command("load_regions", "99.99", stdout=StringIO())

"""load_demo_content: fictional announcements and village website addresses."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from layanan.content.models import Announcement
from layanan.regions.models import VillageOffice

pytestmark = pytest.mark.django_db


def test_demo_content_is_fictional_and_loaded_once(batang, district_admin, operator):
    out = StringIO()
    call_command("load_demo_content", stdout=out)
    call_command("load_demo_content", stdout=out)

    assert Announcement.objects.count() == 3
    assert Announcement.objects.filter(is_pinned=True).count() == 1
    assert Announcement.objects.exclude(attachment="").count() == 1
    websites = list(VillageOffice.objects.values_list("website", flat=True))
    assert websites
    assert all(site.endswith(".desa.example") for site in websites)
    assert VillageOffice.objects.get(village_id="33.25.11.1015").website == "kauman.desa.example"
    assert len(websites) == len(set(websites))
    assert VillageOffice.objects.count() < 248  # some villages stay without a site
    assert "0 announcements added, 0 village website addresses set" in out.getvalue()


def test_demo_content_keeps_what_people_entered(batang, district_admin, operator):
    VillageOffice.objects.create(village_id="33.25.11.1015", website="kauman.batangkab.example")

    call_command("load_demo_content", stdout=StringIO())

    assert (
        VillageOffice.objects.get(village_id="33.25.11.1015").website == "kauman.batangkab.example"
    )


def test_demo_content_needs_an_admin(batang):
    with pytest.raises(CommandError):
        call_command("load_demo_content", stdout=StringIO())

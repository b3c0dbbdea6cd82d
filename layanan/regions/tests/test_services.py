import pytest

from layanan.core.errors import DomainError
from layanan.regions.models import District, Province, Regency, Village, VillageKind
from layanan.regions.services import regions_load_regency


@pytest.mark.django_db
class TestLoadRegency:
    def test_batang_has_15_kecamatan_and_248_villages(self):
        result = regions_load_regency(code="33.25")

        assert result.regency.display_name == "Kabupaten Batang"
        assert result.regency.province.display_name == "Jawa Tengah"
        assert District.objects.filter(regency_id="33.25").count() == 15
        villages = Village.objects.filter(district__regency_id="33.25")
        assert villages.count() == 248
        assert villages.filter(kind=VillageKind.KELURAHAN).count() == 9
        assert villages.filter(kind=VillageKind.DESA).count() == 239

    def test_kauman_is_a_kelurahan_headed_by_a_lurah(self):
        regions_load_regency(code="33.25")

        kauman = Village.objects.get(code="33.25.11.1015")
        assert kauman.display_name == "Kauman"
        assert kauman.district.display_name == "Batang"
        assert kauman.is_kelurahan
        assert kauman.head_title == "Lurah"
        desa = Village.objects.get(code="33.25.11.2004")  # Kalisalak
        assert not desa.is_kelurahan
        assert desa.head_title == "Kepala Desa"

    def test_loading_twice_changes_nothing(self):
        first = regions_load_regency(code="33.25")
        counts = [m.objects.count() for m in (Province, Regency, District, Village)]

        second = regions_load_regency(code="33.25")

        assert first.created == 1 + 1 + 15 + 248
        assert (second.created, second.updated) == (0, 0)
        assert [m.objects.count() for m in (Province, Regency, District, Village)] == counts

    def test_reloading_restores_names_from_the_official_list(self):
        regions_load_regency(code="33.25")
        Village.objects.filter(code="33.25.11.1015").update(name="Typo")

        result = regions_load_regency(code="33.25")

        assert result.updated == 1
        assert Village.objects.get(code="33.25.11.1015").name == "Kauman"

    def test_another_regency_loads_beside_batang(self):
        regions_load_regency(code="33.25")
        result = regions_load_regency(code="34.71")  # Kota Yogyakarta

        assert result.regency.display_name == "Kota Yogyakarta"
        assert result.regency.is_city
        assert result.districts == 14
        assert District.objects.filter(regency_id="34.71").count() == 14
        assert Village.objects.filter(district__regency_id="34.71").count() == result.villages > 0
        assert Province.objects.count() == 2

    def test_unknown_regency_is_refused_and_nothing_is_stored(self):
        with pytest.raises(DomainError, match=r"99\.99"):
            regions_load_regency(code="99.99")

        assert Province.objects.count() == 0

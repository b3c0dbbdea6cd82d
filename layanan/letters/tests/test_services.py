import pytest

from layanan.letters.models import LetterCategory, LetterType, RequestMode
from layanan.letters.services import letter_catalogue_load
from layanan.letters.validity import ValidityUnit

# The guide's section 2, letter by letter: (name, category, mode).
GUIDE_CATALOGUE = [
    ("Surat Keterangan Ahli Waris", "keterangan", "mandiri"),
    ("Surat Keterangan Boro Kerja", "keterangan", "mandiri"),
    ("Surat Keterangan Domisili", "keterangan", "mandiri"),
    ("Surat Keterangan Izin Kerja", "keterangan", "mandiri"),
    ("Surat Keterangan Kematian", "keterangan", "datang_langsung"),
    ("Surat Keterangan Mirudo", "keterangan", "mandiri"),
    ("Surat Keterangan Taksiran Harga Tanah", "keterangan", "datang_langsung"),
    ("Surat Keterangan Tidak Mampu", "keterangan", "mandiri"),
    ("Surat Keterangan Umum", "keterangan", "mandiri"),
    ("Surat Keterangan Usaha", "keterangan", "mandiri"),
    ("Surat Keterangan Wali Nikah", "keterangan", "datang_langsung"),
    ("Surat Pengantar Kelahiran", "pengantar", "datang_langsung"),
    ("Surat Pengantar Kematian", "pengantar", "mandiri"),
    ("Surat Pengantar Perkawinan", "pengantar", "datang_langsung"),
    ("Surat Pengantar Pindah Tempat", "pengantar", "datang_langsung"),
    ("Surat Pengantar SKCK", "pengantar", "mandiri"),
    ("Surat Pengantar Umum", "pengantar", "mandiri"),
    ("Surat Pengantar Pernyataan", "pengantar", "mandiri"),
    ("Surat Persetujuan Mempelai", "pengantar", "datang_langsung"),
]


@pytest.mark.django_db
class TestCatalogueLoad:
    def test_loads_the_19_types_of_the_guide_with_their_modes(self):
        result = letter_catalogue_load()

        assert len(result.created) == 19
        loaded = list(LetterType.objects.values_list("name", "category", "mode"))
        assert loaded == GUIDE_CATALOGUE

    def test_every_type_has_real_indonesian_content(self):
        letter_catalogue_load()

        assert LetterType.objects.count() == 19
        for letter_type in LetterType.objects.all():
            letter_type.full_clean()
            assert len(letter_type.description) > 200, letter_type.code
            assert len(letter_type.requirements) >= 3, letter_type.code
            assert len(letter_type.process) >= 4, letter_type.code
            assert letter_type.validity_amount > 0
            assert letter_type.classification_code

    def test_mandiri_and_datang_langsung_counts_match_the_guide(self):
        letter_catalogue_load()

        assert LetterType.objects.filter(mode=RequestMode.MANDIRI).count() == 12
        assert LetterType.objects.filter(mode=RequestMode.DATANG_LANGSUNG).count() == 7
        assert LetterType.objects.filter(category=LetterCategory.KETERANGAN).count() == 11
        assert LetterType.objects.filter(category=LetterCategory.PENGANTAR).count() == 8

    def test_a_second_load_keeps_what_the_district_admin_edited(self):
        letter_catalogue_load()
        LetterType.objects.filter(code="SK-DOMISILI").update(validity_amount=14, summary="Edited")

        result = letter_catalogue_load()

        assert result.created == [] and result.updated == []
        domisili = LetterType.objects.get(code="SK-DOMISILI")
        assert (domisili.validity_amount, domisili.summary) == (14, "Edited")
        assert LetterType.objects.count() == 19

    def test_overwrite_restores_the_shipped_texts(self):
        letter_catalogue_load()
        LetterType.objects.filter(code="SK-DOMISILI").update(
            validity_amount=1, validity_unit=ValidityUnit.MONTHS
        )

        result = letter_catalogue_load(overwrite=True)

        assert result.updated == ["SK-DOMISILI"]
        domisili = LetterType.objects.get(code="SK-DOMISILI")
        assert (domisili.validity_amount, domisili.validity_unit) == (30, ValidityUnit.DAYS)

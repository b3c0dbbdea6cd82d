from layanan.regions.selectors import district_name_for_nik_prefix


def test_nik_prefix_names_its_kecamatan_anywhere_in_indonesia():
    assert district_name_for_nik_prefix("332511") == "Batang"
    assert district_name_for_nik_prefix("317101") is not None  # Jakarta Pusat, not loaded
    assert district_name_for_nik_prefix("999999") is None

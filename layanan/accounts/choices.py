"""Choices of a resident's profile.

Gender, religion, marital status, citizenship, education and occupation use the values of the
Dukcapil population register (SIAK), written as the register writes them: they are
printed on official letters exactly so, whatever the language of the interface, and are
therefore data, not interface text to translate.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "L", "Laki-laki"
    FEMALE = "P", "Perempuan"


class Religion(models.TextChoices):
    ISLAM = "islam", "Islam"
    KRISTEN = "kristen", "Kristen"
    KATOLIK = "katolik", "Katolik"
    HINDU = "hindu", "Hindu"
    BUDDHA = "buddha", "Buddha"
    KHONGHUCU = "khonghucu", "Khonghucu"
    KEPERCAYAAN = "kepercayaan", "Kepercayaan terhadap Tuhan YME"


class MaritalStatus(models.TextChoices):
    BELUM_KAWIN = "belum_kawin", "Belum Kawin"
    KAWIN_TERCATAT = "kawin_tercatat", "Kawin Tercatat"
    KAWIN_BELUM_TERCATAT = "kawin_belum_tercatat", "Kawin Belum Tercatat"
    CERAI_HIDUP = "cerai_hidup", "Cerai Hidup"
    CERAI_MATI = "cerai_mati", "Cerai Mati"


class Citizenship(models.TextChoices):
    """Kewarganegaraan as the KTP prints it. A foreign resident with a permanent stay permit
    (KITAP) has a NIK and a KTP too, so it is asked, not assumed."""

    WNI = "WNI", "WNI"
    WNA = "WNA", "WNA"


class Education(models.TextChoices):
    TIDAK_SEKOLAH = "01", "Tidak/Belum Sekolah"
    BELUM_TAMAT_SD = "02", "Belum Tamat SD/Sederajat"
    TAMAT_SD = "03", "Tamat SD/Sederajat"
    SLTP = "04", "SLTP/Sederajat"
    SLTA = "05", "SLTA/Sederajat"
    DIPLOMA_I_II = "06", "Diploma I/II"
    DIPLOMA_III = "07", "Akademi/Diploma III/Sarjana Muda"
    STRATA_I = "08", "Diploma IV/Strata I"
    STRATA_II = "09", "Strata II"
    STRATA_III = "10", "Strata III"


# The occupation list of the Dukcapil register, by its code.
OCCUPATIONS = [
    ("01", "Belum/Tidak Bekerja"),
    ("02", "Mengurus Rumah Tangga"),
    ("03", "Pelajar/Mahasiswa"),
    ("04", "Pensiunan"),
    ("05", "Pegawai Negeri Sipil"),
    ("06", "Tentara Nasional Indonesia"),
    ("07", "Kepolisian RI"),
    ("08", "Perdagangan"),
    ("09", "Petani/Pekebun"),
    ("10", "Peternak"),
    ("11", "Nelayan/Perikanan"),
    ("12", "Industri"),
    ("13", "Konstruksi"),
    ("14", "Transportasi"),
    ("15", "Karyawan Swasta"),
    ("16", "Karyawan BUMN"),
    ("17", "Karyawan BUMD"),
    ("18", "Karyawan Honorer"),
    ("19", "Buruh Harian Lepas"),
    ("20", "Buruh Tani/Perkebunan"),
    ("21", "Buruh Nelayan/Perikanan"),
    ("22", "Buruh Peternakan"),
    ("23", "Pembantu Rumah Tangga"),
    ("24", "Tukang Cukur"),
    ("25", "Tukang Listrik"),
    ("26", "Tukang Batu"),
    ("27", "Tukang Kayu"),
    ("28", "Tukang Sol Sepatu"),
    ("29", "Tukang Las/Pandai Besi"),
    ("30", "Tukang Jahit"),
    ("31", "Tukang Gigi"),
    ("32", "Penata Rias"),
    ("33", "Penata Busana"),
    ("34", "Penata Rambut"),
    ("35", "Mekanik"),
    ("36", "Seniman"),
    ("37", "Tabib"),
    ("38", "Paraji"),
    ("39", "Perancang Busana"),
    ("40", "Penterjemah"),
    ("41", "Imam Masjid"),
    ("42", "Pendeta"),
    ("43", "Pastor"),
    ("44", "Wartawan"),
    ("45", "Ustadz/Mubaligh"),
    ("46", "Juru Masak"),
    ("47", "Promotor Acara"),
    ("48", "Anggota DPR RI"),
    ("49", "Anggota DPD RI"),
    ("50", "Anggota BPK"),
    ("51", "Presiden"),
    ("52", "Wakil Presiden"),
    ("53", "Anggota Mahkamah Konstitusi"),
    ("54", "Anggota Kabinet/Kementerian"),
    ("55", "Duta Besar"),
    ("56", "Gubernur"),
    ("57", "Wakil Gubernur"),
    ("58", "Bupati"),
    ("59", "Wakil Bupati"),
    ("60", "Walikota"),
    ("61", "Wakil Walikota"),
    ("62", "Anggota DPRD Provinsi"),
    ("63", "Anggota DPRD Kabupaten/Kota"),
    ("64", "Dosen"),
    ("65", "Guru"),
    ("66", "Pilot"),
    ("67", "Pengacara"),
    ("68", "Notaris"),
    ("69", "Arsitek"),
    ("70", "Akuntan"),
    ("71", "Konsultan"),
    ("72", "Dokter"),
    ("73", "Bidan"),
    ("74", "Perawat"),
    ("75", "Apoteker"),
    ("76", "Psikiater/Psikolog"),
    ("77", "Penyiar Televisi"),
    ("78", "Penyiar Radio"),
    ("79", "Pelaut"),
    ("80", "Peneliti"),
    ("81", "Sopir"),
    ("82", "Pialang"),
    ("83", "Paranormal"),
    ("84", "Pedagang"),
    ("85", "Perangkat Desa"),
    ("86", "Kepala Desa"),
    ("87", "Biarawati"),
    ("88", "Wiraswasta"),
    ("89", "Lainnya"),
]


class ProfileStatus(models.TextChoices):
    UNVERIFIED = "belum", _("Not verified")
    VERIFIED = "terverifikasi", _("Verified")
    REJECTED = "ditolak", _("Rejected")


class DocumentKind(models.TextChoices):
    KTP = "ktp", _("KTP (identity card)")
    KK = "kk", _("KK (family card)")

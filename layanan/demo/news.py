"""The demo's fictional news: what its own news portal publishes (layanan.demo.views).

Every item is made up and says so in its title. Dates are counted back from today, at 09.00
in the installation's time zone, so the demo's news always looks recent and a second fetch on
the same day finds nothing changed.
"""

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    summary: str
    paragraphs: tuple[str, ...]
    days_ago: int

    def published_at(self, today: dt.date) -> dt.datetime:
        day = today - dt.timedelta(days=self.days_ago)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))

    def get_absolute_url(self) -> str:
        return reverse("demo:news-article", kwargs={"slug": self.slug})


ARTICLES = (
    DemoArticle(
        slug="posyandu-layanan-sore",
        title="Posyandu Kelurahan Kauman membuka layanan sore hari (contoh)",
        summary=(
            "Warga yang bekerja pada pagi hari kini dapat menimbang dan memeriksakan balita "
            "setiap Kamis sore di balai kelurahan."
        ),
        paragraphs=(
            (
                "Mulai bulan ini posyandu di Kelurahan Kauman membuka layanan tambahan setiap "
                "Kamis pukul 15.00 sampai 17.00 di balai kelurahan. Layanan sore ini ditujukan "
                "bagi orang tua yang bekerja pada pagi hari."
            ),
            (
                "Kader posyandu melayani penimbangan, pengukuran tinggi badan, imunisasi sesuai "
                "jadwal, dan penyuluhan gizi. Warga diminta membawa buku KIA masing-masing."
            ),
        ),
        days_ago=1,
    ),
    DemoArticle(
        slug="pelatihan-operator-desa",
        title="Operator desa dilatih memverifikasi KTP dan KK secara daring (contoh)",
        summary=(
            "Pelatihan dua hari membekali operator desa dan kelurahan untuk memeriksa profil "
            "warga dan memproses permohonan surat melalui Layanan Desa Mandiri."
        ),
        paragraphs=(
            (
                "Dinas Pemberdayaan Masyarakat dan Desa menggelar pelatihan bagi operator desa dan "
                "kelurahan selama dua hari. Peserta berlatih memeriksa foto KTP dan KK yang "
                "diunggah warga, menyetujui atau menolak profil dengan alasan yang jelas, serta "
                "menyiapkan konsep surat."
            ),
            (
                "Pada hari kedua peserta mempraktikkan pelayanan Datang Langsung bagi warga yang "
                "datang ke kantor desa tanpa akun, termasuk pendaftaran akun di loket."
            ),
        ),
        days_ago=3,
    ),
    DemoArticle(
        slug="kerja-bakti-saluran-irigasi",
        title="Warga bergotong royong membersihkan saluran irigasi menjelang musim tanam (contoh)",
        summary=(
            "Sekitar seratus warga dari empat RW membersihkan saluran irigasi sepanjang dua "
            "kilometer agar air sampai ke sawah tepat waktu."
        ),
        paragraphs=(
            (
                "Kerja bakti dimulai pukul 06.30 dan berlangsung hingga siang. Warga mengangkat "
                "lumpur dan sampah yang menyumbat saluran, sementara ibu-ibu PKK menyiapkan "
                "konsumsi bagi para peserta."
            ),
            (
                "Kelompok tani berharap saluran yang bersih membuat air mengalir merata ke seluruh "
                "petak sawah pada awal musim tanam."
            ),
        ),
        days_ago=5,
    ),
    DemoArticle(
        slug="periksa-keaslian-surat-qr",
        title="Keaslian surat desa kini dapat diperiksa lewat kode QR (contoh)",
        summary=(
            "Bank, sekolah, dan instansi lain cukup memindai kode QR pada surat untuk "
            "memastikan surat itu benar diterbitkan dan ditandatangani Kepala Desa/Lurah."
        ),
        paragraphs=(
            (
                "Setiap surat yang diterbitkan melalui Layanan Desa Mandiri memuat kode QR. Kode "
                "itu membuka halaman verifikasi yang menampilkan nomor surat, jenis surat, tanggal "
                "terbit, dan penandatangannya."
            ),
            (
                "Berkas PDF surat juga dapat diunggah pada halaman Verifikasi untuk memeriksa "
                "tanda tangan elektroniknya. Surat yang telah dicabut ditandai dengan jelas."
            ),
        ),
        days_ago=8,
    ),
    DemoArticle(
        slug="pasar-rakyat-balai-desa",
        title="Pasar rakyat mingguan kembali digelar di halaman balai desa (contoh)",
        summary=(
            "Pelaku usaha mikro menjual hasil kebun, olahan pangan, dan kerajinan setiap Minggu "
            "pagi; pendaftaran lapak dibuka di kantor desa."
        ),
        paragraphs=(
            (
                "Pasar rakyat yang sempat terhenti kini digelar lagi setiap Minggu pukul 06.00 "
                "sampai 10.00. Lapak disediakan tanpa biaya sewa bagi pelaku usaha mikro warga "
                "setempat."
            ),
            (
                "Pelaku usaha yang memerlukan Surat Keterangan Usaha dapat mengajukannya secara "
                "daring dan mengambil hasilnya tanpa antre di kantor desa."
            ),
        ),
        days_ago=12,
    ),
    DemoArticle(
        slug="lomba-kebersihan-antar-rt",
        title="Lomba kebersihan lingkungan antar-RT tingkat kelurahan dimulai (contoh)",
        summary=(
            "Penilaian meliputi pengelolaan sampah, penghijauan, dan kebersihan saluran; "
            "pemenang diumumkan pada peringatan hari jadi kabupaten."
        ),
        paragraphs=(
            (
                "Tim penilai akan mengunjungi setiap RT selama dua pekan. Selain kebersihan, tim "
                "menilai bank sampah, tanaman obat keluarga, dan keterlibatan warga muda."
            ),
            (
                "Panitia mengajak seluruh warga menjaga kebersihan lingkungan bukan hanya selama "
                "lomba berlangsung."
            ),
        ),
        days_ago=17,
    ),
)


def demo_article(slug: str) -> DemoArticle | None:
    return next((article for article in ARTICLES if article.slug == slug), None)

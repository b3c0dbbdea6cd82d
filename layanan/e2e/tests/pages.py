"""The pages of the site, by who sees them, and logged-in browser contexts without going
through the login form: what the page checks (accessibility, phone width) walk."""

from dataclasses import dataclass

from django.conf import settings
from django.test import Client

from layanan.content.guide import PAGES as GUIDE_PAGES

PUBLIC = [
    "/",
    "/layanan/",
    "/layanan/sk-domisili/",
    "/layanan/sp-kelahiran/",
    "/berita/",
    "/informasi-desa/",
    "/panduan/",
    "/masuk/",
    "/petugas/masuk/",
    "/registrasi/",
    "/lupa-password/",
    "/verifikasi/",
    "/syarat-dan-privasi/",
]
RESIDENT = [
    "/beranda/",
    "/profil/",
    "/profil/ubah/",
    "/layanan/sk-domisili/ajukan/",
    "/riwayat/",
    "/ubah-password/",
]
OPERATOR = [
    "/petugas/",
    "/petugas/permohonan/",
    "/petugas/verifikasi/",
    "/petugas/permohonan/baru/",
    "/petugas/kop-surat/",
    "/petugas/statistik/",
    "/petugas/pemulihan-akun/",
]
HEAD = ["/petugas/tanda-tangan/", "/petugas/tanda-tangan/sertifikat/"]
ADMIN = [
    "/petugas/staf/",
    "/petugas/staf/baru/",
    "/petugas/jenis-surat/",
    "/petugas/jenis-surat/sk-domisili/",
    "/petugas/audit/",
    "/petugas/pengumuman/",
    "/petugas/website-desa/",
    "/petugas/desa/",
]


def login_context(browser, live_server, user, **options):
    """A browser context carrying a session of ``user`` made by Django's test client."""
    client = Client()
    client.force_login(user)
    options.setdefault("locale", "id-ID")
    context = browser.new_context(base_url=live_server.url, **options)
    host = live_server.url.split("://", 1)[1].split(":", 1)[0]
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    return context


def off_the_event_loop(function, /, **kwargs):
    """Run code that uses asyncio itself (pyHanko signing) outside Playwright's loop."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def run():
        try:
            return function(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@dataclass(frozen=True)
class Visit:
    """Who opens the pages (``user`` None: nobody logged in) and the pages, in order."""

    who: str
    user: object | None
    paths: list[str]


HEIRS_DATA = {
    "nama_pewaris": "Darmo Suwito",
    "nik_pewaris": "",
    "tanggal_meninggal": "2022-10-01",
    "tempat_meninggal": "Batang",
    "alamat_terakhir_pewaris": "Jl. Dr Wahidin RT 004 RW 003, Kelurahan Kauman",
    "ahli_waris": [
        {"nama": "Sri Wahyuni", "nik": "3325114101700001", "hubungan": "Istri"},
        {"nama": "Budi Santoso", "nik": "3325110101900002", "hubungan": "Anak Kandung"},
    ],
    "keperluan": "Balik nama sertifikat tanah",
}


def site_tour(*, resident, operator, signing_head, head_passphrase, district_admin) -> list[Visit]:
    """Every page of every role, with the objects the detail pages need: a letter issued and
    verifiable by QR, a request waiting for the operator, a draft waiting for the head, a
    profile to verify, a correction request, an announcement, a news item.

    Needs the ``catalogue``; ``resident`` must have a verified profile (the ``draft`` fixture
    verifies it). Signing runs off Playwright's event loop, so call this inside a browser test.
    """
    from layanan.accounts.tests.factories import ResidentProfileFactory
    from layanan.content.tests.factories import AnnouncementFactory, NewsItemFactory
    from layanan.documents.services import letter_sign
    from layanan.letters.models import LetterType, RequestStatus
    from layanan.letters.tests.factories import LetterRequestFactory
    from layanan.privacy.services import correction_request_create

    heirs = LetterType.objects.get(code="SK-AHLI-WARIS")
    to_sign = LetterRequestFactory.create(
        applicant=resident, status=RequestStatus.KONSEP, letter_type=heirs, data=HEIRS_DATA
    )
    issued = off_the_event_loop(
        letter_sign, request=to_sign, head=signing_head, passphrase=head_passphrase
    )
    waiting = LetterRequestFactory.create(applicant=resident, letter_type=heirs, data=HEIRS_DATA)
    draft = LetterRequestFactory.create(applicant=resident, status=RequestStatus.KONSEP)
    newcomer = ResidentProfileFactory.create(village=resident.profile.village)
    correction_request_create(
        resident=resident, what_is_wrong="Pekerjaan: Petani", should_be="Pekerjaan: Wiraswasta"
    )
    announcement = AnnouncementFactory.create()
    NewsItemFactory.create_batch(3)
    village = resident.profile.village

    public = [
        *PUBLIC,
        "/layanan/sk-ahli-waris/",
        f"/informasi-desa/pengumuman/{announcement.slug}/",
        "/kebijakan-privasi/",
        "/atribusi/",
        "/pki/",
        *(f"/panduan/{page.slug}/" for page in GUIDE_PAGES),
        "/registrasi/terkirim/",
        "/registrasi/kirim-ulang/",
        "/lupa-password/terkirim/",
        "/lupa-password/selesai/",
        f"/v/{issued.verification_token}/",
        f"/v/{issued.verification_token}/unduh/",
    ]
    own = [
        *RESIDENT,
        "/layanan/sk-ahli-waris/ajukan/",
        f"/riwayat/{issued.registration_number}/",
        f"/riwayat/{waiting.registration_number}/",
        f"/riwayat/{draft.registration_number}/",
        "/data-saya/",
        "/data-saya/koreksi/",
        "/data-saya/tutup-akun/",
    ]
    office = [
        *OPERATOR,
        f"/petugas/permohonan/{waiting.registration_number}/",
        f"/petugas/permohonan/{draft.registration_number}/",
        f"/petugas/permohonan/{issued.registration_number}/",
        f"/petugas/verifikasi/{newcomer.public_id}/",
        f"/petugas/pemulihan-akun/{newcomer.public_id}/",
        "/petugas/koreksi-data/",
    ]
    signing = [
        "/petugas/",
        *HEAD,
        f"/petugas/permohonan/{draft.registration_number}/",
        f"/petugas/permohonan/{issued.registration_number}/",
        "/petugas/statistik/",
    ]
    district = [
        "/petugas/",
        *ADMIN,
        f"/petugas/staf/{operator.pk}/",
        f"/petugas/staf/{signing_head.pk}/",
        "/petugas/jenis-surat/baru/",
        "/petugas/jenis-surat/sk-ahli-waris/",
        "/petugas/pengumuman/baru/",
        f"/petugas/pengumuman/{announcement.pk}/ubah/",
        f"/petugas/pengumuman/{announcement.pk}/hapus/",
        "/petugas/berita/",
        f"/petugas/desa/{village.code}/",
        "/petugas/statistik/",
    ]
    return [
        Visit("anonymous", None, public),
        Visit("resident", resident, own),
        Visit("operator", operator, office),
        Visit("head", signing_head, signing),
        Visit("district admin", district_admin, district),
    ]

"""The Panduan: the user guide of this system as pages of the site.

The guide is data, rendered by one template, so that its text goes through the translation
catalogue like every other string and its screenshots are named in one place, which the
``panduan_screenshots`` command reads to know what to capture.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SCREENSHOT_DIR = Path(__file__).resolve().parent / "static" / "content" / "panduan"
SCREENSHOT_STATIC = "content/panduan"
WIDTHS = {"phone": 390, "desktop": 1280}


class Audience:
    RESIDENT = "warga"
    STAFF = "petugas"


@dataclass(frozen=True)
class Shot:
    """A screenshot: ``<name>-phone.png`` and ``<name>-desktop.png`` in SCREENSHOT_DIR."""

    name: str
    alt: Promise

    def static_path(self, width: str) -> str:
        return f"{SCREENSHOT_STATIC}/{self.name}-{width}.png"

    @property
    def exists(self) -> bool:
        return all((SCREENSHOT_DIR / f"{self.name}-{w}.png").exists() for w in WIDTHS)

    @property
    def desktop(self) -> str:
        return self.static_path("desktop")

    @property
    def phone(self) -> str:
        return self.static_path("phone")


@dataclass(frozen=True)
class Section:
    heading: Promise
    paragraphs: tuple[Promise, ...] = ()
    steps: tuple[Promise, ...] = ()
    bullets: tuple[Promise, ...] = ()
    after: tuple[Promise, ...] = ()
    shot: Shot | None = None
    link: tuple[Promise, str] | None = None  # (label, URL name)


@dataclass(frozen=True)
class GuidePage:
    slug: str
    title: Promise
    audience: str
    summary: Promise
    icon: str
    sections: tuple[Section, ...] = field(default_factory=tuple)


PAGES: tuple[GuidePage, ...] = (
    # --- Residents ----------------------------------------------------------------------------
    GuidePage(
        slug="registrasi-dan-masuk",
        title=_("Registering and logging in"),
        audience=Audience.RESIDENT,
        icon="user-plus",
        summary=_(
            "Create an account with your NIK, confirm your email and log in with the Kode Keamanan."
        ),
        sections=(
            Section(
                heading=_("Before you start"),
                paragraphs=(
                    _(
                        "You need your KTP (for the 16-digit NIK), an email address you can "
                        "open, and a phone or computer with a browser. Mandiri letters are "
                        "requested online; Datang Langsung letters are registered at the "
                        "village office, but their requirements can be read here as well."
                    ),
                ),
                shot=Shot(
                    "beranda",
                    _(
                        "The home page with the menu Beranda, Layanan, Berita, Informasi Desa, "
                        "Panduan, Masuk and Registrasi"
                    ),
                ),
            ),
            Section(
                heading=_("Register"),
                steps=(
                    _("Click Registrasi at the top right of any page."),
                    _(
                        "Fill in the NIK (16 digits), full name, place and date of birth "
                        "exactly as on your KTP."
                    ),
                    _(
                        "Enter an active email address and a password of at least 8 "
                        "characters that mixes upper and lower case letters with a digit or "
                        "a symbol.",
                    ),
                    _(
                        "Type the digits of the Kode Keamanan picture, tick the agreement to "
                        "the terms and click Registrasi."
                    ),
                ),
                shot=Shot("registrasi", _("The registration form")),
                link=(_("Open the registration form"), "accounts:register"),
            ),
            Section(
                heading=_("Confirm your email"),
                paragraphs=(
                    _(
                        "We send a confirmation link to your email. Open it and click the "
                        "confirmation button; only then can you log in. The link is valid for "
                        "3 days. The email never contains your password.",
                    ),
                    _(
                        "No email? Look in the spam folder, or ask for a new link with "
                        "Kirim ulang tautan konfirmasi."
                    ),
                    _(
                        "If the NIK or the email is already registered, the page answers the "
                        "same way and the owner of that account receives an email instead: "
                        "nobody can use the form to find out who is registered."
                    ),
                    _(
                        "Registered a NIK that already has an account you cannot reach (made by "
                        "a relative, or with a mistyped email)? Bring your KTP to your village "
                        "office: after checking it, the operator sets your email address on the "
                        "account, and you choose a new password from the link sent there."
                    ),
                ),
            ),
            Section(
                heading=_("Log in"),
                steps=(
                    _("Click Masuk."),
                    _("Type your NIK and your password."),
                    _(
                        "Type the digits shown in the Kode Keamanan picture. Every attempt "
                        "shows a new picture."
                    ),
                    _("Click Masuk. You arrive at your Beranda."),
                ),
                after=(
                    _(
                        "After a wrong attempt the page tells how many are left. After five, the "
                        "account is locked for 15 minutes to protect it. Forgot your password? "
                        "See the page on changing or resetting the password."
                    ),
                ),
                shot=Shot(
                    "masuk",
                    _(
                        "The login form with NIK, password and the Kode Keamanan picture",
                    ),
                ),
            ),
            Section(
                heading=_("Beranda"),
                paragraphs=(
                    _(
                        "The Beranda shows how many of your requests are in Proses, Konsep and "
                        "Terbit, and the side menu: Riwayat Layanan, Profil Saya, Ubah Kata "
                        "Sandi and Logout."
                    ),
                ),
                shot=Shot("beranda-warga", _("The resident's Beranda with the request counters")),
            ),
        ),
    ),
    GuidePage(
        slug="profil",
        title=_("Profile, KTP and KK"),
        audience=Audience.RESIDENT,
        icon="id-card",
        summary=_(
            "Complete your profile once and upload your KTP and KK; the village operator "
            "verifies it."
        ),
        sections=(
            Section(
                heading=_("Complete the profile"),
                steps=(
                    _("Open Profil Saya and click Edit Profil."),
                    _(
                        "Fill in the address as on the KTP with RT and RW, the mobile phone "
                        "number, the KK number, education, marital status, religion, "
                        "occupation, citizenship and sex."
                    ),
                    _(
                        "Choose your kecamatan, then your desa or kelurahan: the list shows "
                        "the villages of the chosen kecamatan. Without JavaScript, click "
                        "Tampilkan desa/kelurahan di kecamatan ini first."
                    ),
                    _(
                        "Upload a photo or scan of your KTP and of your KK (a photo straight "
                        "from your phone's camera, JPG, PNG, HEIC, WebP or PDF, at most 20 MB "
                        "each) and click Simpan."
                    ),
                ),
                shot=Shot("profil", _("The profile page with its verification status")),
            ),
            Section(
                heading=_("Verification by the village operator"),
                paragraphs=(
                    _(
                        "A new profile is Belum Terverifikasi. The operator of the village you "
                        "chose compares your data with the KTP and KK and marks the profile "
                        "Terverifikasi, or sends it back with a reason that you also receive "
                        "by email. Correct what is asked and save again: the profile goes back "
                        "to the operator."
                    ),
                    _(
                        "You can submit requests as soon as the profile is complete; the "
                        "operator accepts them into Konsep only once the profile is verified. "
                        "Changing your data after verification sends the profile back for a "
                        "new check."
                    ),
                ),
            ),
            Section(
                heading=_("Your documents are protected"),
                paragraphs=(
                    _(
                        "The KTP and KK are personal data. They never have a public address: "
                        "only you and the operators of your village can open them, and every "
                        "time staff open them it is recorded in the audit log. Location data "
                        "and other hidden information in photos are removed when you upload "
                        "them."
                    ),
                ),
            ),
        ),
    ),
    GuidePage(
        slug="ajukan-permohonan",
        title=_("Applying for a letter"),
        audience=Audience.RESIDENT,
        icon="paper-plane",
        summary=_("Choose a Mandiri letter, check your data, fill in the Keperluan and submit."),
        sections=(
            Section(
                heading=_("Choose the letter"),
                paragraphs=(
                    _(
                        "Open Layanan in the menu. Every letter has a page with its "
                        "description, its Persyaratan (requirements) and its Alur Pengajuan "
                        "(how to apply). Mandiri letters are requested online; Datang Langsung "
                        "letters are requested at the village office."
                    ),
                ),
                shot=Shot("layanan", _("The catalogue of letter services")),
                link=(_("See the letter services"), "letters:catalogue"),
            ),
            Section(
                heading=_("Read the requirements"),
                paragraphs=(
                    _(
                        "The letter's page lists what to prepare and the steps, and how long "
                        "the letter is valid after it is issued."
                    ),
                ),
                shot=Shot(
                    "layanan-detail",
                    _("The page of the Surat Keterangan Domisili with requirements and process"),
                ),
            ),
            Section(
                heading=_("Fill in the form"),
                steps=(
                    _(
                        "Click Ajukan Permohonan on the letter's page, or Ajukan Permohonan "
                        "Layanan in Riwayat Layanan and choose the letter."
                    ),
                    _(
                        "Check your data under Pemohon: it comes from your profile. If "
                        "something is wrong, correct the profile first."
                    ),
                    _(
                        "Fill in the Keperluan (what the letter is for) and the letter's own "
                        "fields, for example the name of the business for a Surat Keterangan "
                        "Usaha."
                    ),
                    _("Tick the agreement and click Ajukan Permohonan."),
                ),
                after=(
                    _(
                        "You receive a registration number such as 2022110600059 (the date and "
                        "the sequence of that day) and the request appears in Riwayat Layanan "
                        "with the status Proses."
                    ),
                ),
                shot=Shot(
                    "ajukan-permohonan", _("The application form beside the letter's requirements")
                ),
            ),
        ),
    ),
    GuidePage(
        slug="riwayat-dan-tracking",
        title=_("History and tracking"),
        audience=Audience.RESIDENT,
        icon="route",
        summary=_("Follow every request from Proses to Konsep to Terbit."),
        sections=(
            Section(
                heading=_("Riwayat Layanan"),
                paragraphs=(
                    _(
                        "Riwayat Layanan lists your requests, 10 to a page, newest first. "
                        "Search by letter name or registration number, and click Detail to "
                        "open one."
                    ),
                ),
                shot=Shot("riwayat", _("The list of requests with their status")),
            ),
            Section(
                heading=_("What the status means"),
                bullets=(
                    _(
                        "Proses: you have submitted the request; the village operator has not "
                        "handled it yet."
                    ),
                    _(
                        "Konsep: the operator has accepted the request and drafted the letter; "
                        "it waits for the signature of the Kepala Desa or Lurah."
                    ),
                    _("Terbit: the letter is signed electronically and ready to download."),
                    _(
                        "Ditolak: the operator rejected the request; the reason is shown in the "
                        "detail and sent to you by email."
                    ),
                    _("Dibatalkan: you cancelled the request while it was in Proses."),
                    _("Dicabut: the village revoked an issued letter; it is no longer valid."),
                ),
            ),
            Section(
                heading=_("Tracking"),
                paragraphs=(
                    _(
                        "The detail page shows your data, your answers and the Tracking "
                        "Layanan timeline: who did what, and when. Every change of status is "
                        "also sent to your email. While the request is in Proses you can "
                        "cancel it from this page."
                    ),
                ),
                shot=Shot(
                    "detail-permohonan",
                    _("The detail of an issued request with its tracking timeline"),
                ),
            ),
        ),
    ),
    GuidePage(
        slug="cetak-dokumen",
        title=_("Downloading and printing the letter"),
        audience=Audience.RESIDENT,
        icon="file-pdf",
        summary=_("Download the signed PDF of an issued letter and print it if you need paper."),
        sections=(
            Section(
                heading=_("Download"),
                steps=(
                    _("Open Riwayat Layanan and click Detail on a request with the status Terbit."),
                    _("Click Cetak Dokumen. The signed PDF opens or is downloaded."),
                    _("Print it from your PDF reader if a paper copy is needed."),
                ),
            ),
            Section(
                heading=_("Original and copy"),
                paragraphs=(
                    _(
                        "The PDF file is the original: it carries the electronic signature of "
                        "the Kepala Desa or Lurah, made with an electronic certificate. A "
                        "printout is a copy (salinan). Anyone can check either through the QR "
                        "code on the letter."
                    ),
                    _(
                        "The letter shows the letterhead of the village, the letter number, "
                        "your data, the Keperluan, the validity period, the name of the signer "
                        "and the QR code."
                    ),
                ),
            ),
        ),
    ),
    GuidePage(
        slug="verifikasi-dokumen",
        title=_("Verifying a letter"),
        audience=Audience.RESIDENT,
        icon="qrcode",
        summary=_(
            "Check that a letter is authentic and in force, by its QR code or by its PDF file."
        ),
        sections=(
            Section(
                heading=_("By the QR code"),
                paragraphs=(
                    _(
                        "Scan the QR code on the letter with a phone camera. It opens the "
                        "letter's verification page on this site, which says whether the "
                        "letter is Terbit (authentic and in force), expired or revoked, and "
                        "shows its key data: letter type, registration and letter numbers, "
                        "name, NIK partly hidden, village, Keperluan, validity and signer. The "
                        "original PDF can be opened there too."
                    ),
                ),
                shot=Shot("verifikasi", _("The verification page of an issued letter")),
            ),
            Section(
                heading=_("By the PDF file"),
                steps=(
                    _("Open the Verifikasi Dokumen page of this site."),
                    _("Choose the PDF file you received and click Periksa."),
                    _(
                        "The answer says whether the file is the original letter, unchanged "
                        "and in force; a changed file; a file this system did not issue; or "
                        "a letter that has expired or been revoked."
                    ),
                ),
                shot=Shot("verifikasi-unggah", _("The form to check the PDF file of a letter")),
                link=(_("Check a PDF file now"), "verification:upload"),
            ),
        ),
    ),
    GuidePage(
        slug="password",
        title=_("Changing or resetting the password"),
        audience=Audience.RESIDENT,
        icon="key",
        summary=_("Change your password, or set a new one when you have forgotten it."),
        sections=(
            Section(
                heading=_("Ubah Kata Sandi"),
                steps=(
                    _("Open Ubah Kata Sandi in the side menu."),
                    _(
                        "Type your current password, then the new password twice.",
                    ),
                    _("Click Perbarui Kata Sandi."),
                ),
                after=(
                    _(
                        "A good password has at least 8 characters with upper and lower case "
                        "letters and a digit or a symbol. Do not share it, not even with "
                        "village staff: they never ask for it.",
                    ),
                ),
                shot=Shot(
                    "ubah-password",
                    _("The form to change the password"),
                ),
            ),
            Section(
                heading=_("Forgot your password"),
                steps=(
                    _("On the login page, click Lupa kata sandi?"),
                    _("Enter the email of your account and the Kode Keamanan."),
                    _(
                        "Open the link we email you (valid for 24 hours) and choose a new "
                        "password.",
                    ),
                ),
                after=(
                    _(
                        "For your safety the page answers the same way whether or not the "
                        "email is registered."
                    ),
                ),
                link=(
                    _("Set a new password"),
                    "accounts:password-reset",
                ),
            ),
        ),
    ),
    # --- Staff --------------------------------------------------------------------------------
    GuidePage(
        slug="petugas-verifikasi-profil",
        title=_("Verifying resident profiles"),
        audience=Audience.STAFF,
        icon="user-check",
        summary=_("The Operator Desa checks residents' data against their KTP and KK."),
        sections=(
            Section(
                heading=_("Logging in as staff"),
                paragraphs=(
                    _(
                        "Staff log in on the staff login page (linked under the residents' "
                        "login form) with their username, password and the Kode Keamanan. "
                        "Accounts of operators and village heads are created by the Admin "
                        "Kabupaten.",
                    ),
                    _(
                        "Staff then confirm every login with the six-digit code of an "
                        "authenticator app on their phone. The app is set up at the first "
                        "login by scanning a QR code; keep the backup codes shown then in a "
                        "safe place. If the phone is lost, the Admin Kabupaten resets it."
                    ),
                ),
                link=(_("Staff login"), "accounts:staff-login"),
            ),
            Section(
                heading=_("Verify a profile"),
                steps=(
                    _(
                        "Open Verifikasi Profil in the staff menu. The list shows the profiles "
                        "of your village waiting for verification."
                    ),
                    _(
                        "Open a profile and compare the data with the KTP and KK shown beside "
                        "it. Every time the documents are opened it is recorded in the audit "
                        "log."
                    ),
                    _("If everything matches, click Data sesuai KTP dan KK: verifikasi."),
                    _(
                        "If something is wrong, write exactly what to fix under Alasan "
                        "penolakan and click Kembalikan kepada warga; the resident receives "
                        "it by email."
                    ),
                ),
                shot=Shot(
                    "petugas-verifikasi", _("A resident's profile with the KTP and KK to verify")
                ),
            ),
        ),
    ),
    GuidePage(
        slug="petugas-memproses-permohonan",
        title=_("Processing requests"),
        audience=Audience.STAFF,
        icon="inbox",
        summary=_("The Operator Desa accepts requests into Konsep or rejects them with a reason."),
        sections=(
            Section(
                heading=_("The list of requests"),
                paragraphs=(
                    _(
                        "Permohonan in the staff menu lists the requests of your village by "
                        "status, the longest waiting first, with a search by name, "
                        "registration number or NIK and a filter by letter type. The number "
                        "beside the menu entry counts new requests."
                    ),
                ),
                shot=Shot("petugas-permohonan", _("The operator's list of requests")),
            ),
            Section(
                heading=_("Accept into Konsep"),
                steps=(
                    _(
                        "Open a request in Proses. Check the applicant's profile (it must be "
                        "Terverifikasi) and the answers."
                    ),
                    _("Correct the answers if needed: the letter is drafted with these values."),
                    _(
                        "Click Terima menjadi Konsep. The letter is drafted on the village "
                        "letterhead with a KONSEP watermark and goes to the village head for "
                        "signature."
                    ),
                ),
                shot=Shot("petugas-detail", _("A request with the buttons to accept or reject it")),
            ),
            Section(
                heading=_("Reject"),
                paragraphs=(
                    _(
                        "If the request cannot be granted, write the reason and click Tolak "
                        "permohonan. The resident sees the reason in the detail of the request "
                        "and receives it by email. A request can be rejected while it is in "
                        "Proses or Konsep."
                    ),
                ),
            ),
            Section(
                heading=_("Revoke an issued letter"),
                paragraphs=(
                    _(
                        "An issued letter that turns out to be wrong can be revoked, with a "
                        "reason, from its detail page. Its verification page then says "
                        "Dicabut and shows the reason."
                    ),
                ),
            ),
        ),
    ),
    GuidePage(
        slug="petugas-datang-langsung",
        title=_("Registering a request at the counter"),
        audience=Audience.STAFF,
        icon="file-circle-plus",
        summary=_("Registrasi Datang Langsung: a request for a resident at the village office."),
        sections=(
            Section(
                heading=_("Register at the counter"),
                steps=(
                    _("Open Registrasi Datang Langsung in the staff menu."),
                    _(
                        "Choose the letter type, type the NIK from the KTP the resident shows "
                        "you and click Lanjutkan."
                    ),
                    _(
                        "If the resident has a verified profile in your village, that data is "
                        "used; otherwise fill in their data from the KTP."
                    ),
                    _(
                        "Fill in the Keperluan and the letter's fields and click Daftarkan "
                        "sebagai Konsep. The request starts in Konsep, ready for the head's "
                        "signature."
                    ),
                ),
                after=(
                    _(
                        "Datang Langsung letters, for example the Surat Keterangan Kematian or "
                        "the Surat Pengantar Pindah Tempat, are requested only this way. Any "
                        "other letter can be registered at the counter too, for residents who "
                        "cannot apply online. A resident with an account then sees the request "
                        "in their history."
                    ),
                ),
                shot=Shot(
                    "petugas-datang-langsung",
                    _("The first step of registering a request at the counter"),
                ),
            ),
        ),
    ),
    GuidePage(
        slug="petugas-tanda-tangan",
        title=_("Signing letters"),
        audience=Audience.STAFF,
        icon="file-signature",
        summary=_(
            "The Kepala Desa or Lurah signs drafts with the signing passphrase, one at a time "
            "or several at once, or sends them back."
        ),
        sections=(
            Section(
                heading=_("Your signing certificate"),
                paragraphs=(
                    _(
                        "Before the first signature, open Tanda Tangan and choose Atur "
                        "passphrase tanda tangan. The passphrase (at least 10 characters, "
                        "different from the login password) protects your signing key. It is "
                        "never stored: if you forget it, create a new certificate; letters "
                        "already signed stay valid.",
                    ),
                ),
            ),
            Section(
                heading=_("Sign a letter"),
                steps=(
                    _(
                        "Open Tanda Tangan: the list shows the drafts (Konsep) of your village "
                        "waiting for your signature."
                    ),
                    _("Open a draft and read its preview, the PDF with the KONSEP watermark."),
                    _("Type your signing passphrase and click Tanda tangani dan terbitkan."),
                ),
                after=(
                    _(
                        "The letter receives its number, its QR code and the electronic "
                        "signature, and becomes Terbit. The resident is told by email and can "
                        "download it."
                    ),
                ),
                shot=Shot("petugas-tanda-tangan", _("The village head's list of drafts to sign")),
            ),
            Section(
                heading=_("Sign several letters at once"),
                paragraphs=(
                    _(
                        "In the list, tick the drafts you have read, type the passphrase once "
                        "and click Tanda tangani surat yang dipilih. Every letter is signed on "
                        "its own: if one fails, the others are still issued and the page says "
                        "which one was not signed, and why."
                    ),
                ),
            ),
            Section(
                heading=_("Send a draft back"),
                paragraphs=(
                    _(
                        "If a draft needs changes, write a note for the operator and click "
                        "Kembalikan. The draft stays in Konsep and your note appears in the "
                        "tracking of the request for the operator to follow up."
                    ),
                ),
            ),
        ),
    ),
    GuidePage(
        slug="petugas-kop-surat",
        title=_("Letterhead"),
        audience=Audience.STAFF,
        icon="building-flag",
        summary=_("The Operator Desa keeps the letterhead printed on every letter of the village."),
        sections=(
            Section(
                heading=_("Edit the letterhead"),
                steps=(
                    _("Open Kop Surat in the staff menu."),
                    _(
                        "Complete the office address, postal code, telephone, email, website "
                        "and office hours, and choose the village logo (PNG or JPG) if there "
                        "is one."
                    ),
                    _("Click Simpan."),
                ),
                after=(
                    _(
                        "The names of the kabupaten, kecamatan and village come from the "
                        "region data. Changes apply to letters drafted afterwards; issued "
                        "letters never change. The website entered here also appears in the "
                        "Website Desa directory on the Informasi Desa page."
                    ),
                ),
                shot=Shot("petugas-kop-surat", _("The letterhead form of the village")),
            ),
        ),
    ),
    GuidePage(
        slug="admin-informasi-publik",
        title=_("Public information (Admin Kabupaten)"),
        audience=Audience.STAFF,
        icon="bullhorn",
        summary=_("Pengumuman, the Website Desa directory and the news feed."),
        sections=(
            Section(
                heading=_("Pengumuman"),
                paragraphs=(
                    _(
                        "Under Pengumuman the Admin Kabupaten writes announcements: a title, "
                        "the text, an optional PDF attachment, the first and the last day "
                        "shown, and whether it is pinned. The text may use paragraphs, bold, "
                        "italics, lists and links; anything else is removed when saving. An "
                        "announcement appears on Informasi Desa and on the home page from its "
                        "first day and disappears after its last day."
                    ),
                ),
                shot=Shot("admin-pengumuman", _("The list of announcements in the back office")),
            ),
            Section(
                heading=_("Website Desa"),
                paragraphs=(
                    _(
                        "Under Website Desa the admin keeps the address of each village's "
                        "website, one kecamatan at a time. Villages without an address are "
                        "listed as having no website yet."
                    ),
                ),
            ),
            Section(
                heading=_("Berita"),
                paragraphs=(
                    _(
                        "News comes from the feed of the kabupaten news portal and is fetched "
                        "automatically on a schedule. The Berita page of the staff area shows "
                        "when it was last fetched and whether that failed, and has a button "
                        "to fetch now. While the portal cannot be reached, the site keeps "
                        "showing the last news it received."
                    ),
                ),
            ),
        ),
    ),
)

_BY_SLUG = {page.slug: page for page in PAGES}


def guide_page(slug: str) -> GuidePage | None:
    return _BY_SLUG.get(slug)


def guide_pages(audience: str) -> list[GuidePage]:
    return [page for page in PAGES if page.audience == audience]


@cache
def all_shots() -> tuple[Shot, ...]:
    return tuple(section.shot for page in PAGES for section in page.sections if section.shot)

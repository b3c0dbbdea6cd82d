"""Demo public information: fictional Pengumuman and fictional village website addresses.

Idempotent: announcements are added once (by title) and only villages without an address
get one, so anything an admin or operator entered is kept. Addresses use the reserved
``.example`` domain (RFC 2606): they can never point at a real village's site.
"""

import datetime as dt
import io
from collections import Counter

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from layanan.accounts.models import VILLAGE_ROLES, Role, User
from layanan.content.models import Announcement
from layanan.content.services import (
    AnnouncementValues,
    announcement_create,
    village_websites_update,
)
from layanan.core.uploads import identity_document_clean
from layanan.regions.models import Village
from layanan.regions.selectors import districts_of_deployment

DEMO_DOMAIN = "desa.example"
# Every third village of each kecamatan gets a demo address, so the directory also shows
# villages without one.
EVERY = 3

# (title, body, first day relative to today, last day relative to today or None, pinned,
# with a PDF attachment)
ANNOUNCEMENTS = (
    (
        "Layanan Desa Mandiri kini dapat diakses secara daring (contoh)",
        (
            "<p>Warga dapat mengajukan surat keterangan dan surat pengantar secara daring "
            "melalui Layanan Desa Mandiri, memantau prosesnya, dan mengunduh surat yang telah "
            "ditandatangani secara elektronik oleh Kepala Desa/Lurah.</p>"
            "<ul><li>Registrasi dengan NIK dan email aktif.</li>"
            "<li>Lengkapi profil serta unggah KTP dan KK.</li>"
            "<li>Ajukan permohonan dan pantau statusnya: Proses, Konsep, Terbit.</li></ul>"
            "<p><em>Pengumuman ini adalah contoh untuk demo.</em></p>"
        ),
        -3,
        None,
        True,
        False,
    ),
    (
        "Jadwal pelayanan kantor desa selama cuti bersama (contoh)",
        (
            "<p>Selama cuti bersama, pelayanan <strong>Datang Langsung</strong> di kantor "
            "desa/kelurahan dibuka pukul 08.00 sampai 12.00. Permohonan secara daring tetap "
            "dapat diajukan setiap saat dan diproses pada hari kerja berikutnya.</p>"
            "<p><em>Pengumuman ini adalah contoh untuk demo.</em></p>"
        ),
        -1,
        30,
        False,
        False,
    ),
    (
        "Sosialisasi tanda tangan elektronik bagi Kepala Desa dan Lurah (contoh)",
        (
            "<p>Dispermades mengundang Kepala Desa, Lurah, dan Operator Desa mengikuti "
            "sosialisasi penandatanganan surat secara elektronik. Jadwal per kecamatan "
            "tercantum dalam lampiran.</p>"
            "<p><em>Pengumuman ini adalah contoh untuk demo.</em></p>"
        ),
        0,
        14,
        False,
        True,
    ),
)


def _demo_pdf(title: str) -> bytes:
    """A one-page PDF saying what it is: a fictional attachment."""
    image = Image.new("RGB", (827, 1169), "white")  # A4 at 100 dpi
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    small = ImageFont.load_default(size=20)
    draw.text((60, 80), "LAMPIRAN PENGUMUMAN (CONTOH)", fill="black", font=font)
    draw.text((60, 140), title, fill="black", font=small)
    draw.text((60, 200), "Dokumen fiktif untuk demo Layanan Desa Mandiri.", fill="gray", font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=100)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Add fictional announcements and fictional village website addresses (idempotent)."

    def handle(self, *args, **options):
        admin = User.objects.filter(role=Role.DISTRICT_ADMIN, is_active=True).order_by("id").first()
        if admin is None:
            raise CommandError("No active Admin Kabupaten account: run setup_demo first.")
        added = self._announcements(admin)
        websites = self._websites(admin)
        self.stdout.write(
            f"Demo content: {added} announcements added, {websites} village website addresses set."
        )

    def _announcements(self, admin: User) -> int:
        today = timezone.localdate()
        added = 0
        for title, body, start, end, pinned, with_pdf in ANNOUNCEMENTS:
            if Announcement.objects.filter(title=title).exists():
                continue
            attachment = None
            if with_pdf:
                upload = SimpleUploadedFile("lampiran.pdf", _demo_pdf(title))
                attachment = identity_document_clean(
                    upload, max_bytes=5 * 1024 * 1024, max_pixels=10_000_000, max_pdf_pages=5
                )
            announcement_create(
                actor=admin,
                values=AnnouncementValues(
                    title=title,
                    body=body,
                    publish_on=today + dt.timedelta(days=start),
                    expires_on=today + dt.timedelta(days=end) if end is not None else None,
                    is_pinned=pinned,
                ),
                attachment=attachment,
            )
            added += 1
        return added

    def _websites(self, admin: User) -> int:
        districts = list(districts_of_deployment())
        names = Counter(
            slugify(name)
            for name in Village.objects.filter(district__in=districts).values_list(
                "name", flat=True
            )
        )
        # The demo staff's own village always has one, to show on its letterhead too.
        staffed = set(
            User.objects.filter(role__in=VILLAGE_ROLES, village__isnull=False).values_list(
                "village_id", flat=True
            )
        )
        changed = 0
        for district in districts:
            villages = list(district.villages.select_related("office").order_by("code"))
            websites = {}
            for position, village in enumerate(villages):
                office = getattr(village, "office", None)
                if office is not None and office.website:
                    continue
                if position % EVERY and village.code not in staffed:
                    continue
                name = slugify(village.name)
                if names[name] > 1:  # the same village name in two kecamatan
                    name = f"{name}-{slugify(district.name)}"
                websites[village.code] = f"{name}.{DEMO_DOMAIN}"
            if websites:
                changed += village_websites_update(
                    actor=admin, district=district, websites=websites
                )
        return changed

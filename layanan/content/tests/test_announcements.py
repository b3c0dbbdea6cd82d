"""Pengumuman: sanitised bodies, publish and expiry dates, PDF attachments."""

import datetime as dt

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from layanan.content.models import Announcement
from layanan.content.services import (
    AnnouncementValues,
    announcement_create,
    announcement_delete,
    announcement_update,
)
from layanan.content.tests.factories import AnnouncementFactory, jpeg_bytes, pdf_bytes
from layanan.core.errors import DomainError
from layanan.core.tests.html import without_enhancement
from layanan.core.uploads import identity_document_clean

pytestmark = pytest.mark.django_db

HOSTILE_BODY = (
    '<p onclick="steal()">Rapat <strong>penting</strong> di balai desa.</p>'
    "<script>alert('pengumuman')</script>"
    '<a href="javascript:alert(1)">klik</a> '
    '<a href="https://desa.example/jadwal" target="_blank">jadwal</a>'
    '<img src="https://tracker.example/pixel.gif" onerror="alert(1)">'
    "<iframe src='https://evil.example'></iframe><style>body{display:none}</style>"
    "<ul><li>satu</li></ul><h1>judul</h1>"
)


def _values(**overrides) -> AnnouncementValues:
    values = {
        "title": "Rapat koordinasi desa",
        "body": "<p>Isi.</p>",
        "publish_on": dt.date(2026, 3, 10),
        "expires_on": dt.date(2026, 3, 20),
        "is_pinned": False,
    }
    return AnnouncementValues(**{**values, **overrides})


def _clean_pdf():
    return identity_document_clean(
        SimpleUploadedFile("a.pdf", pdf_bytes()),
        max_bytes=5_000_000,
        max_pixels=10_000_000,
        max_pdf_pages=5,
    )


def test_the_body_is_sanitised_to_the_small_subset_on_save(district_admin):
    announcement = announcement_create(actor=district_admin, values=_values(body=HOSTILE_BODY))

    body = announcement.body
    assert "<script" not in body
    assert "alert" not in body
    assert "onclick" not in body
    assert "javascript:" not in body
    assert "<img" not in body
    assert "<iframe" not in body
    assert "<style" not in body
    assert "<h1>" not in body
    assert "<strong>penting</strong>" in body
    assert "<ul><li>satu</li></ul>" in body
    assert '<a href="https://desa.example/jadwal" rel="noopener noreferrer">jadwal</a>' in body


def test_a_body_typed_as_plain_text_keeps_its_paragraphs(district_admin):
    text = "Baris pertama\nbaris kedua.\n\nParagraf kedua & <script>x</script> selesai."

    announcement = announcement_create(actor=district_admin, values=_values(body=text))

    assert announcement.body == (
        "<p>Baris pertama<br>baris kedua.</p><p>Paragraf kedua &amp;  selesai.</p>"
    )


def test_a_script_in_an_announcement_never_reaches_a_page_unescaped(client, district_admin):
    with time_machine.travel(dt.datetime(2026, 3, 12, 9, tzinfo=dt.UTC)):
        announcement = announcement_create(
            actor=district_admin,
            values=_values(title="<script>alert(1)</script>Libur desa", body=HOSTILE_BODY),
        )
        pages = [
            reverse("content:home"),
            reverse("content:village-info"),
            announcement.get_absolute_url(),
        ]
        for url in pages:
            html = client.get(url).content.decode()
            assert "<script" not in without_enhancement(html), url
            assert "onclick" not in html, url
            assert "Libur desa" in html, url


@pytest.mark.parametrize(
    ("today", "shown"),
    [
        (dt.date(2026, 3, 9), False),  # the day before it is published
        (dt.date(2026, 3, 10), True),  # its first day
        (dt.date(2026, 3, 20), True),  # its last day
        (dt.date(2026, 3, 21), False),  # past its expiry date
    ],
)
def test_announcements_appear_on_their_date_and_disappear_after_expiry(
    client, district_admin, today, shown
):
    announcement = announcement_create(actor=district_admin, values=_values())
    AnnouncementFactory(title="Selalu tampil", publish_on=dt.date(2026, 1, 1))

    # 03:00 in Jakarta is still the day before in UTC: the local day decides.
    moment = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(20, 0), tzinfo=dt.UTC)
    with time_machine.travel(moment):
        for url in (reverse("content:village-info"), reverse("content:home")):
            html = client.get(url).content.decode()
            assert ("Rapat koordinasi desa" in html) is shown, url
            assert "Selalu tampil" in html
        detail = client.get(announcement.get_absolute_url())
        assert detail.status_code == (200 if shown else 404)


def test_pinned_announcements_come_first(client):
    AnnouncementFactory(title="Biasa terbaru", publish_on=timezone.localdate())
    AnnouncementFactory(
        title="Disematkan lama",
        publish_on=timezone.localdate() - dt.timedelta(days=20),
        is_pinned=True,
    )

    html = client.get(reverse("content:village-info")).content.decode()

    assert html.index("Disematkan lama") < html.index("Biasa terbaru")


def test_the_admin_may_preview_an_announcement_that_is_not_shown(client, district_admin):
    future = AnnouncementFactory.create(publish_on=timezone.localdate() + dt.timedelta(days=5))

    assert client.get(future.get_absolute_url()).status_code == 404
    client.force_login(district_admin)
    response = client.get(future.get_absolute_url())
    assert response.status_code == 200
    assert "Pratinjau" in response.content.decode()


def test_the_expiry_cannot_come_before_publishing(district_admin):
    with pytest.raises(DomainError):
        announcement_create(
            actor=district_admin,
            values=_values(publish_on=dt.date(2026, 3, 10), expires_on=dt.date(2026, 3, 9)),
        )
    assert Announcement.objects.count() == 0


@pytest.mark.parametrize("who", ["resident", "operator", "head"])
def test_only_the_district_admin_writes_announcements(request, who):
    user = request.getfixturevalue(who)

    with pytest.raises(DomainError):
        announcement_create(actor=user, values=_values())


def test_titles_get_unique_addresses(district_admin):
    first = announcement_create(actor=district_admin, values=_values())
    second = announcement_create(actor=district_admin, values=_values())

    assert first.slug == "rapat-koordinasi-desa"
    assert second.slug == "rapat-koordinasi-desa-2"


# --- Attachments ------------------------------------------------------------------------------


def test_a_pdf_attachment_is_served_while_the_announcement_is_shown(client, district_admin):
    announcement = announcement_create(
        actor=district_admin,
        values=_values(publish_on=timezone.localdate(), expires_on=None),
        attachment=_clean_pdf(),
    )
    url = reverse("content:announcement-attachment", kwargs={"slug": announcement.slug})

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert announcement.attachment.name is not None
    assert announcement.attachment.name.startswith("pengumuman/")
    assert url in client.get(announcement.get_absolute_url()).content.decode()
    # Expired: the attachment goes with it.
    Announcement.objects.filter(pk=announcement.pk).update(
        publish_on=dt.date(2020, 1, 1), expires_on=dt.date(2020, 1, 2)
    )
    assert client.get(url).status_code == 404


def test_the_form_accepts_only_pdf_attachments(client, district_admin):
    client.force_login(district_admin)
    data = {"title": "Dengan lampiran", "body": "Isi.", "publish_on": "2026-03-10"}

    refused = client.post(
        reverse("content:staff-announcement-create"),
        {**data, "attachment_upload": SimpleUploadedFile("foto.pdf", jpeg_bytes())},
    )
    accepted = client.post(
        reverse("content:staff-announcement-create"),
        {**data, "attachment_upload": SimpleUploadedFile("surat.pdf", pdf_bytes())},
    )

    assert refused.status_code == 200
    assert "PDF" in refused.content.decode()
    assert accepted.status_code == 302
    stored = Announcement.objects.get().attachment.name
    assert stored is not None
    assert stored.endswith(".pdf")


def test_replacing_and_removing_the_attachment_deletes_the_old_file(
    district_admin, django_capture_on_commit_callbacks
):
    announcement = announcement_create(
        actor=district_admin, values=_values(), attachment=_clean_pdf()
    )
    first = announcement.attachment.name
    assert first is not None

    with django_capture_on_commit_callbacks(execute=True):
        announcement = announcement_update(
            announcement=announcement,
            actor=district_admin,
            values=_values(title="Judul baru"),
            attachment=_clean_pdf(),
        )
    second = announcement.attachment.name
    assert second is not None
    assert second != first
    assert not default_storage.exists(first)
    assert announcement.slug == "judul-baru"

    with django_capture_on_commit_callbacks(execute=True):
        announcement_update(
            announcement=announcement,
            actor=district_admin,
            values=_values(title="Judul baru"),
            remove_attachment=True,
        )
    announcement.refresh_from_db()
    assert not announcement.attachment
    assert not default_storage.exists(second)


def test_deleting_removes_the_announcement_and_its_file(
    district_admin, django_capture_on_commit_callbacks
):
    announcement = announcement_create(
        actor=district_admin, values=_values(), attachment=_clean_pdf()
    )
    name = announcement.attachment.name
    assert name is not None

    with django_capture_on_commit_callbacks(execute=True):
        announcement_delete(announcement=announcement, actor=district_admin)

    assert Announcement.objects.count() == 0
    assert not default_storage.exists(name)


# --- The admin's pages ------------------------------------------------------------------------


def test_the_admin_creates_edits_and_deletes_through_the_pages(client, district_admin):
    client.force_login(district_admin)

    response = client.post(
        reverse("content:staff-announcement-create"),
        {
            "title": "Kerja bakti",
            "body": "<p>Minggu pagi.</p><script>x</script>",
            "publish_on": "2026-03-10",
            "expires_on": "",
            "is_pinned": "on",
        },
    )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.body == "<p>Minggu pagi.</p>"
    assert announcement.is_pinned
    assert announcement.created_by == district_admin

    edit = reverse("content:staff-announcement-edit", kwargs={"pk": announcement.pk})
    assert "Kerja bakti" in client.get(edit).content.decode()
    response = client.post(
        edit,
        {"title": "Kerja bakti", "body": "Sabtu pagi.", "publish_on": "2026-03-10"},
    )
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.body == "<p>Sabtu pagi.</p>"
    assert not announcement.is_pinned

    listing = client.get(reverse("content:staff-announcements")).content.decode()
    assert "Kerja bakti" in listing

    delete = reverse("content:staff-announcement-delete", kwargs={"pk": announcement.pk})
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert Announcement.objects.count() == 0


def test_the_form_refuses_an_expiry_before_the_first_day(client, district_admin):
    client.force_login(district_admin)

    response = client.post(
        reverse("content:staff-announcement-create"),
        {"title": "X", "body": "Y", "publish_on": "2026-03-10", "expires_on": "2026-03-01"},
    )

    assert response.status_code == 200
    assert Announcement.objects.count() == 0

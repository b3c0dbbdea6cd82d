from django.urls import path

from layanan.content import staff_views, views

app_name = "content"

urlpatterns = [
    path("", views.home, name="home"),
    path("berita/", views.news, name="news"),
    path("informasi-desa/", views.village_info, name="village-info"),
    path(
        "informasi-desa/pengumuman/<slug:slug>/",
        views.announcement_detail,
        name="announcement",
    ),
    path(
        "informasi-desa/pengumuman/<slug:slug>/lampiran.pdf",
        views.announcement_attachment,
        name="announcement-attachment",
    ),
    path("kebijakan-privasi/", views.privacy_notice, name="privacy"),
    path("panduan/", views.guide_index, name="guide"),
    path("panduan/<slug:slug>/", views.guide_page, name="guide-page"),
    # The Admin Kabupaten's pages.
    path("petugas/pengumuman/", staff_views.announcement_list, name="staff-announcements"),
    path(
        "petugas/pengumuman/baru/",
        staff_views.announcement_create_view,
        name="staff-announcement-create",
    ),
    path(
        "petugas/pengumuman/<int:pk>/ubah/",
        staff_views.announcement_edit,
        name="staff-announcement-edit",
    ),
    path(
        "petugas/pengumuman/<int:pk>/hapus/",
        staff_views.announcement_delete_view,
        name="staff-announcement-delete",
    ),
    path("petugas/website-desa/", staff_views.websites, name="staff-websites"),
    path("petugas/berita/", staff_views.news_status, name="staff-news"),
    path("petugas/berita/ambil/", staff_views.news_fetch_now, name="staff-news-fetch"),
]

from django.urls import path

from layanan.letters import admin_views, staff_views, views

app_name = "letters"

urlpatterns = [
    path("layanan/", views.catalogue, name="catalogue"),
    path("layanan/<slug:code>/", views.type_detail, name="type-detail"),
    path("layanan/<slug:code>/ajukan/", views.request_create, name="request-create"),
    path("riwayat/", views.history, name="history"),
    path("riwayat/<str:number>/", views.request_detail, name="request-detail"),
    path("riwayat/<str:number>/batalkan/", views.request_cancel, name="request-cancel"),
    path("petugas/jenis-surat/", admin_views.type_list, name="type-admin-list"),
    path("petugas/jenis-surat/baru/", admin_views.type_edit, name="type-admin-create"),
    path(
        "petugas/jenis-surat/baru/pratinjau/",
        admin_views.type_preview,
        name="type-admin-preview-new",
    ),
    path("petugas/jenis-surat/<slug:code>/", admin_views.type_edit, name="type-admin-edit"),
    path(
        "petugas/jenis-surat/<slug:code>/pratinjau/",
        admin_views.type_preview,
        name="type-admin-preview",
    ),
    path("petugas/permohonan/", staff_views.inbox, name="inbox"),
    path("petugas/permohonan/baru/", staff_views.walk_in_start, name="walk-in"),
    path("petugas/permohonan/baru/isi/", staff_views.walk_in_details, name="walk-in-details"),
    path("petugas/permohonan/<str:number>/", staff_views.staff_detail, name="staff-detail"),
    path("petugas/permohonan/<str:number>/terima/", staff_views.staff_accept, name="staff-accept"),
    path("petugas/permohonan/<str:number>/tolak/", staff_views.staff_reject, name="staff-reject"),
]

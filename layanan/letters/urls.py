from django.urls import path

from layanan.letters import staff_views, views

app_name = "letters"

urlpatterns = [
    path("beranda/", views.dashboard, name="dashboard"),
    path("layanan/", views.catalogue, name="catalogue"),
    path("layanan/<slug:code>/", views.type_detail, name="type-detail"),
    path("layanan/<slug:code>/ajukan/", views.request_create, name="request-create"),
    path("riwayat/", views.history, name="history"),
    path("riwayat/<str:number>/", views.request_detail, name="request-detail"),
    path("riwayat/<str:number>/batalkan/", views.request_cancel, name="request-cancel"),
    path("petugas/permohonan/", staff_views.inbox, name="inbox"),
    path("petugas/permohonan/baru/", staff_views.walk_in_start, name="walk-in"),
    path("petugas/permohonan/baru/isi/", staff_views.walk_in_details, name="walk-in-details"),
    path("petugas/permohonan/baru/batal/", staff_views.walk_in_cancel, name="walk-in-cancel"),
    path("petugas/permohonan/<str:number>/", staff_views.staff_detail, name="staff-detail"),
    path("petugas/permohonan/<str:number>/terima/", staff_views.staff_accept, name="staff-accept"),
    path("petugas/permohonan/<str:number>/tolak/", staff_views.staff_reject, name="staff-reject"),
    path(
        "petugas/permohonan/<str:number>/kembalikan/",
        staff_views.staff_send_back,
        name="staff-send-back",
    ),
    path("petugas/permohonan/<str:number>/cabut/", staff_views.staff_revoke, name="staff-revoke"),
]

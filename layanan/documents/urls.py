from django.urls import path

from layanan.documents import views

app_name = "documents"

urlpatterns = [
    path("petugas/tanda-tangan/", views.signing_queue, name="signing-queue"),
    path("petugas/tanda-tangan/sertifikat/", views.certificate, name="certificate"),
    path("petugas/permohonan/<str:number>/pratinjau.pdf", views.preview, name="preview"),
    path("petugas/permohonan/<str:number>/surat.pdf", views.staff_download, name="staff-download"),
    path("petugas/permohonan/<str:number>/tandatangani/", views.sign, name="sign"),
    path("riwayat/<str:number>/unduh/", views.resident_download, name="download"),
]

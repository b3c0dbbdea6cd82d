from django.urls import path

from layanan.documents import pki_views, views

app_name = "documents"

urlpatterns = [
    path("petugas/tanda-tangan/", views.signing_queue, name="signing-queue"),
    path("petugas/tanda-tangan/sertifikat/", views.certificate, name="certificate"),
    path(
        "petugas/tanda-tangan/sertifikat/cabut/",
        views.certificate_revoke,
        name="certificate-revoke",
    ),
    path("petugas/permohonan/<str:number>/pratinjau.pdf", views.preview, name="preview"),
    path("petugas/permohonan/<str:number>/surat.pdf", views.staff_download, name="staff-download"),
    path("petugas/permohonan/<str:number>/tandatangani/", views.sign, name="sign"),
    path("riwayat/<str:number>/unduh/", views.resident_download, name="download"),
    # The local PKI, for verifiers and their programs (no login).
    path("pki/", pki_views.pki_index, name="pki"),
    path("pki/ca.crt", pki_views.ca_certificate, name="pki-ca"),
    path("pki/ca/<int:generation>.crt", pki_views.ca_certificate, name="pki-ca-generation"),
    path("pki/crl", pki_views.crl, name="pki-crl"),
    path("pki/crl/<int:generation>", pki_views.crl, name="pki-crl-generation"),
    path("pki/ocsp", pki_views.ocsp, name="pki-ocsp"),
    path("pki/ocsp/<path:encoded>", pki_views.ocsp, name="pki-ocsp-get"),
    path("pki/tsa", pki_views.tsa, name="pki-tsa"),
]

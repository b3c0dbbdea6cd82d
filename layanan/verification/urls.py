from django.urls import path

from layanan.verification import views

app_name = "verification"

urlpatterns = [
    path("v/<str:token>/", views.letter, name="letter"),
    path("v/<str:token>/surat.pdf", views.letter_pdf, name="letter-pdf"),
    path("v/<str:token>/unduh/", views.letter_download, name="letter-download"),
    path("verifikasi/", views.upload_check, name="upload"),
]

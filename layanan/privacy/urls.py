from django.urls import path

from layanan.privacy import staff_views, views

app_name = "privacy"

urlpatterns = [
    path("data-saya/", views.my_data, name="my-data"),
    path("data-saya/unduh/<str:fmt>/", views.export, name="export"),
    path("data-saya/koreksi/", views.correction_create, name="correction-create"),
    path("data-saya/tutup-akun/", views.close_account, name="close-account"),
    path("petugas/koreksi-data/", staff_views.corrections, name="staff-corrections"),
    path(
        "petugas/koreksi-data/<int:pk>/jawab/",
        staff_views.correction_decide_view,
        name="staff-correction-decide",
    ),
]

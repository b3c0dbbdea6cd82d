from django.urls import path

from layanan.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kop-surat/", views.village_office, name="village-office"),
]

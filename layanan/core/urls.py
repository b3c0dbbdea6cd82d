from django.urls import path

from layanan.core import views

app_name = "core"

urlpatterns = [
    path("atribusi/", views.AttributionView.as_view(), name="attribution"),
    path("sehat/", views.health, name="health"),
]

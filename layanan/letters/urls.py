from django.urls import path

from layanan.letters import views

app_name = "letters"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("<slug:code>/", views.type_detail, name="type-detail"),
]

from django.urls import path
from django.utils.translation import gettext_lazy as _

from layanan.core.views import ComingSoonView
from layanan.letters import views

app_name = "letters"

urlpatterns = [
    path("layanan/", views.catalogue, name="catalogue"),
    path("layanan/<slug:code>/", views.type_detail, name="type-detail"),
    path("riwayat/", ComingSoonView.as_view(title=_("Service history")), name="history"),
]

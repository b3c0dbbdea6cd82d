from django.urls import path
from django.utils.translation import gettext_lazy as _

from layanan.core.views import ComingSoonView

app_name = "content"

urlpatterns = [
    path("berita/", ComingSoonView.as_view(title=_("News")), name="news"),
    path(
        "informasi-desa/",
        ComingSoonView.as_view(title=_("Village information")),
        name="village-info",
    ),
    path("panduan/", ComingSoonView.as_view(title=_("Guide")), name="guide"),
]

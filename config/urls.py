"""URLs of Layanan Desa Mandiri. Paths are Indonesian, as residents read them."""

from django.urls import include, path

urlpatterns = [
    path("", include("layanan.core.urls")),
    path("", include("layanan.accounts.urls")),
    path("", include("layanan.content.urls")),
    path("layanan/", include("layanan.letters.urls")),
]

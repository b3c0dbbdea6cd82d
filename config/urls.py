"""URLs of Layanan Desa Mandiri. Paths are Indonesian, as residents read them."""

from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("layanan.core.urls")),
    path("", include("layanan.accounts.urls")),
    path("", include("layanan.content.urls")),
    path("", include("layanan.letters.urls")),
    path("", include("layanan.documents.urls")),
    path("", include("layanan.verification.urls")),
    path("", include("layanan.privacy.urls")),
    path("petugas/", include("layanan.backoffice.urls")),
    path("", include("layanan.demo.urls")),
]

if settings.DEBUG:
    urlpatterns.append(path("dev/", include("layanan.notifications.urls")))

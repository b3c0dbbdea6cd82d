from django.urls import path

from layanan.core import installable, views

app_name = "core"

urlpatterns = [
    path("atribusi/", views.AttributionView.as_view(), name="attribution"),
    path("sehat/", views.health, name="health"),
    # The installable site: at the root, so that the service worker's scope is the whole site.
    path("manifest.webmanifest", installable.web_manifest, name="manifest"),
    path("sw.js", installable.service_worker, name="service-worker"),
    path("luring/", installable.offline, name="offline"),
]

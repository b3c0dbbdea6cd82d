"""URLs of the load benchmark: the site, plus the baseline (a minimal Django view)."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def baseline(request):
    """What any page costs at least: the server, the middleware, the URL resolver."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/baseline/", baseline), *site_urlpatterns]

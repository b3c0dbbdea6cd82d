"""Values every page needs: the name of the service and of the kabupaten it serves."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from layanan.regions.selectors import regency_of_deployment

# The names hardly ever change: each process keeps them a minute before asking the cache.
_LOCAL_SECONDS = 60
_local: dict[str, tuple[float, dict[str, str]]] = {}


def regency_names_forget() -> None:
    """Drop this process's copy (tests, after loading other regions)."""
    _local.clear()


def _regency_names() -> dict[str, str]:
    key = f"ldm:regency-names:{settings.LDM_REGENCY_CODE}"
    kept = _local.get(key)
    if kept and kept[0] > time.monotonic():
        return kept[1]
    names = cache.get(key)
    if names is None:
        regency = regency_of_deployment()
        names = {
            "regency_name": regency.display_name if regency else "",
            "regency_short_name": regency.short_name if regency else "",
        }
        if regency:
            cache.set(key, names, 60 * 60)
    if names["regency_name"]:
        _local[key] = (time.monotonic() + _LOCAL_SECONDS, names)
    return names


def site(request: HttpRequest) -> dict:
    names = _regency_names()
    short = names["regency_short_name"]
    return {
        "site_name": _("Layanan Desa Mandiri"),
        "site_owner": (_("Kab. %(name)s") % {"name": short}) if short else "",
        **names,
    }

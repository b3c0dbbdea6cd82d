"""System checks of the deployment (``manage.py check --deploy``)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}  # noqa: S104 - names, not binds


@register(Tags.security, deploy=True)
def public_url_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """LDM_PUBLIC_URL is signed into every letter's QR code and into the certificates' CRL
    and OCSP addresses: a production site must name its real public address."""
    url = urlsplit(settings.LDM_PUBLIC_URL)
    if url.scheme != "https" or (url.hostname or "") in LOCAL_HOSTS:
        return [
            Error(
                "LDM_PUBLIC_URL must be the site's public https:// address; it is signed into "
                "every letter's QR code and every certificate's CRL and OCSP addresses.",
                hint=f"It is {settings.LDM_PUBLIC_URL!r}. Set e.g. https://desa.batangkab.go.id",
                id="layanan.E001",
            )
        ]
    return []

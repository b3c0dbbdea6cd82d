"""System checks of the deployment (``manage.py check --deploy``)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from layanan.core.cache import cache_is_process_local

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


@register(Tags.security)
def second_factor_middleware_check(
    app_configs: object = None, **kwargs: object
) -> list[CheckMessage]:
    """The staff rules read the second factor from what django-otp's middleware puts on the
    request's user (``layanan.core.rules.second_factor_passed``): without it, nothing would
    tell a half-logged session from a confirmed one."""
    middleware = list(settings.MIDDLEWARE)
    otp = "django_otp.middleware.OTPMiddleware"
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    if settings.LDM_STAFF_2FA and (
        otp not in middleware
        or auth not in middleware
        or middleware.index(otp) < middleware.index(auth)
    ):
        return [
            Error(
                f"LDM_STAFF_2FA needs {otp} in MIDDLEWARE, after {auth}.",
                id="layanan.E010",
            )
        ]
    return []


# Session engines that keep sessions (or copies of them) in the cache.
CACHE_SESSION_ENGINES = {
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
}


def shared_state_errors(processes: int) -> list[CheckMessage]:
    """What cannot work with ``processes`` web processes: sessions in a cache of each
    process's own. A login made in one worker is unknown to the next ("cache"), a logout in
    one stays valid in the others as long as their copy lives ("cached_db"). The counters
    need no check: with such a cache they are kept in the database (layanan.core.cache)."""
    engine = settings.SESSION_ENGINE
    if (
        processes <= 1
        or engine not in CACHE_SESSION_ENGINES
        or not cache_is_process_local(settings.SESSION_CACHE_ALIAS)
    ):
        return []
    return [
        Error(
            f"Sessions are kept in the cache ({engine}), but the cache is each process's own "
            f"and {processes} web processes run: a login or a logout in one process would "
            "be unknown to the others.",
            hint="Set CACHE_URL to a Redis server (rediscache://...), or keep sessions in the "
            "database (DJANGO_SESSION_ENGINE=db, the default), or run one web process "
            "(WEB_CONCURRENCY=1).",
            id="layanan.E020",
        )
    ]


@register(Tags.caches)
def shared_state_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """``shared_state_errors`` for the web processes of the settings (WEB_CONCURRENCY);
    gunicorn runs it with its own count before it starts (config/gunicorn.conf.py)."""
    return shared_state_errors(settings.LDM_WEB_PROCESSES)

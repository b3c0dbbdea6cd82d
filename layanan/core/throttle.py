"""Counting failures and locking out, in the cache (Redis in production).

Keys are HMACs of what they count (an account name, an address), so the cache never
holds a NIK or an IP address in clear.
"""

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone


@dataclass(frozen=True)
class Throttle:
    """At most ``limit`` hits per ``window`` seconds; then locked for ``lockout`` seconds."""

    scope: str
    limit: int
    window: int
    lockout: int

    def _key(self, kind: str, value: str) -> str:
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"{self.scope}:{value}".encode(), hashlib.sha256
        ).hexdigest()[:32]
        return f"ldm:throttle:{self.scope}:{kind}:{digest}"

    def locked_until(self, value: str) -> dt.datetime | None:
        until = cache.get(self._key("lock", value))
        if until is None:
            return None
        until = dt.datetime.fromtimestamp(until, tz=dt.UTC)
        return until if until > timezone.now() else None

    def hit(self, value: str) -> dt.datetime | None:
        """Count one hit; return when the lock ends if this hit reached the limit."""
        key = self._key("count", value)
        cache.add(key, 0, self.window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window)
            count = 1
        if count >= self.limit:
            until = timezone.now() + dt.timedelta(seconds=self.lockout)
            cache.set(self._key("lock", value), until.timestamp(), self.lockout)
            cache.delete(key)
            return until
        return None

    def reset(self, value: str) -> None:
        cache.delete_many([self._key("count", value), self._key("lock", value)])


def _throttle(scope: str, default: tuple[int, int, int]) -> Throttle:
    limit, window, lockout = settings.LDM_THROTTLES.get(scope, default)
    return Throttle(scope, limit=limit, window=window, lockout=lockout)


def throttle(scope: str) -> Throttle:
    """The throttle of a scope as configured in settings.LDM_THROTTLES."""
    return _throttle(scope, (10, 900, 900))


def client_address(request: HttpRequest) -> str:
    """The client's IP address, trusting X-Forwarded-For only from configured proxies."""
    proxies = settings.LDM_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")

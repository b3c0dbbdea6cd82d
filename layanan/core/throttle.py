"""Counting failures and locking out, in the cache (Redis in production), or in the
database while the cache cannot be reached, or when it is not shared by all processes (the
embedded default's in-process cache: ``layanan.core.cache.counter_cache``).

Keys are HMACs of what they count (an account name, an address), so neither the cache nor
the database holds a NIK or an IP address in clear. When Redis is down or hangs the limits
neither fail open (every attempt allowed) nor closed (every attempt refused): the counts and
locks of the outage are kept in ``FallbackEntry`` rows, shared by all web processes like the
cache. When Redis answers again the counting goes on there, and the outage's rows end with
their window. A hit must not run inside a transaction that may roll back (it would take the
count with it): count outside the transaction, as the signing services do. What is judged
slowly (a signing passphrase) is counted before it is judged (``reserve``), so that twenty
attempts at once are five judged, not twenty.
"""

import datetime as dt
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from layanan.core.cache import CacheUnavailable, counter_cache, fallback_expire
from layanan.core.models import FallbackEntry

# How long a reserved attempt waits for a place among those being judged, and how often it
# looks (``Throttle.reserve``).
RESERVE_WAIT = 30.0
RESERVE_POLL = 0.05


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
        key = self._key("lock", value)
        try:
            stamp = counter_cache().get(key)
        except CacheUnavailable:
            return _database_locked_until(key)
        if stamp is None:
            return None
        until = dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
        return until if until > timezone.now() else None

    def hit(self, value: str) -> dt.datetime | None:
        """Count one hit; return when the lock ends if this hit reached the limit."""
        if self._add(value, 1) >= self.limit:
            return self._lock(value)
        return None

    def remaining(self, value: str) -> int:
        """How many more hits the current window takes before the lock."""
        return max(self.limit - self._add(value, 0), 0)

    def reserve(self, value: str) -> dt.datetime | None:
        """Take a place for an attempt that is judged slowly (a passphrase checked by scrypt
        or by a remote service), so that attempts made at once are judged at most ``limit``
        at a time: the failures of the window plus the attempts being judged never exceed
        the limit. Beyond it an attempt waits for one being judged to end (at most
        RESERVE_WAIT seconds), then is judged, or refused as locked (the lock's end
        returned) once the failures reached the limit: twenty wrong passphrases sent at
        once are five judged, twenty right ones are all judged, five at a time. Each
        reserved attempt ends with ``refused`` (wrong), ``accepted`` (right) or
        ``release`` (not judged: a service was down)."""
        deadline = time.monotonic() + RESERVE_WAIT
        while True:
            until = self.locked_until(value)
            if until is not None:
                return until
            judged_now = self._add(value, 1, kind="judging")
            if self._add(value, 0) + judged_now <= self.limit:
                return None
            self._add(value, -1, kind="judging")
            if time.monotonic() >= deadline:
                return timezone.now()
            time.sleep(RESERVE_POLL)

    def refused(self, value: str) -> dt.datetime | None:
        """A reserved attempt was wrong: it counts; at the limit, locked (its end returned).
        The count stays until its window ends: attempts waiting then see the lock."""
        self._add(value, -1, kind="judging")
        if self._add(value, 1) >= self.limit:
            return self._lock(value, forget_count=False)
        return None

    def accepted(self, value: str) -> None:
        """A reserved attempt was right: the failures start over."""
        self._add(value, -1, kind="judging")
        self.reset(value)

    def release(self, value: str) -> None:
        """A reserved attempt could not be judged: it does not count."""
        self._add(value, -1, kind="judging")

    def reset(self, value: str) -> None:
        keys = [self._key("count", value), self._key("lock", value)]
        try:
            counter_cache().delete_many(keys)
        except CacheUnavailable:
            FallbackEntry.objects.filter(key__in=keys).delete()

    def _add(self, value: str, delta: int, *, kind: str = "count") -> int:
        """Add ``delta`` (1, 0 or -1) to the window's count (or to another counter of the
        window: ``judging``), atomically; the new value."""
        try:
            return self._cache_add(self._key(kind, value), delta)
        except CacheUnavailable:
            return self._database_add(self._key(kind, value), delta)

    def _lock(self, value: str, *, forget_count: bool = True) -> dt.datetime:
        until = timezone.now() + dt.timedelta(seconds=self.lockout)
        lock_key, count_key = self._key("lock", value), self._key("count", value)
        try:
            cache = counter_cache()
            cache.set(lock_key, until.timestamp(), self.lockout)
            if forget_count:
                cache.delete(count_key)
        except CacheUnavailable:
            with transaction.atomic():
                FallbackEntry.objects.update_or_create(
                    key=lock_key, defaults={"count": 0, "expires_at": until}
                )
                if forget_count:
                    FallbackEntry.objects.filter(key=count_key).delete()
        return until

    def _cache_add(self, key: str, delta: int) -> int:
        cache = counter_cache()
        if delta == 0:
            return int(cache.get(key) or 0)
        cache.add(key, 0, self.window)
        try:
            count = cache.incr(key, delta)
        except ValueError:  # expired between add and incr
            if delta < 0:
                return 0
            cache.set(key, delta, self.window)
            return delta
        if count < 0:  # released after its window ended and started anew
            cache.set(key, 0, self.window)
            return 0
        return count

    def _database_add(self, key: str, delta: int) -> int:
        """The same count in the database: one row per counter, locked while it changes."""
        now = timezone.now()
        window_end = now + dt.timedelta(seconds=self.window)
        with transaction.atomic():
            entry, created = FallbackEntry.objects.select_for_update().get_or_create(
                key=key, defaults={"count": 0, "expires_at": window_end}
            )
            if entry.expires_at <= now:  # an earlier window: start over
                entry.count, entry.expires_at = 0, window_end
            entry.count = max(entry.count + delta, 0)
            entry.save(update_fields=["count", "expires_at"])
        if created:  # a new counter: the time to drop the rows of windows long gone
            fallback_expire()
        return entry.count


def _database_locked_until(key: str) -> dt.datetime | None:
    return (
        FallbackEntry.objects.filter(key=key, expires_at__gt=timezone.now())
        .values_list("expires_at", flat=True)
        .first()
    )


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

"""The Redis cache of a deployment (CACHE_URL=redis://…), built to degrade rather than fail.

Redis holds what the site can do without for a while: the public page cache, the region
names, copies of sessions (the database keeps them: ``cached_db``), the rate limits' counters
(kept in the database meanwhile: layanan.core.throttle). So when Redis is down or hangs, a read
is a miss and a write is skipped, within short socket timeouts (LDM_CACHE_CONNECT_TIMEOUT,
LDM_CACHE_TIMEOUT), and a per-process circuit breaker stops asking after a failure: one request
pays the timeout, the following ones do not wait at all, and after LDM_CACHE_RETRY_SECONDS one
request probes Redis again.

Two promises hold meanwhile:

- ``add()`` claims a key once (a Kode Keamanan answered is used up): while Redis cannot be
  reached the claim is made in the database (``FallbackEntry``) instead.
- What this process could not write or delete is deleted when Redis answers again, so that
  a stale copy (a session logged out meanwhile, a page edited meanwhile) does not come back.
  A process replaced during the outage forgets its list; those copies end with their lifetime.

Callers that must know whether Redis answered (the rate limits, ``/sehat/``) use
``strict_cache()``: the same calls, raising ``CacheUnavailable`` instead of degrading.
The circuit breaker also guards the task broker (layanan.notifications.queueing).

**Counters and single-use claims in every deployment.** What must count across all web
processes (failed logins, rate limits, the signing passphrase's lock, a Kode Keamanan
answered once) goes through ``counter_cache()`` and ``claim_once()``. Only a cache that every
process shares and that adds and increments atomically (Redis, Memcached) holds them; with a
cache of the process's own (the embedded default's LocMemCache, DummyCache, or a file or
database cache, whose increments are not atomic) they are kept in the database
(``FallbackEntry``), exactly as while Redis is down and without a warning: two gunicorn
workers without Redis share one count.
"""

import datetime as dt
import hashlib
import logging
import threading
import time
from contextlib import suppress
from typing import Any, Protocol

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What "Redis cannot be reached" looks like (refused, reset, timed out, still loading).
# Other Redis errors (a wrong type, a script error) are bugs and are raised as they are.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# Keys this process failed to write, deleted when Redis is back; beyond this many the oldest
# are forgotten (they end with their lifetime).
STALE_KEYS_MAX = 10_000
# A key claimed with add() without a lifetime is kept this long in the database fallback.
CLAIM_WITHOUT_TIMEOUT = dt.timedelta(days=1)


class CacheUnavailable(Exception):
    """The cache did not answer (down, hanging, or skipped while its breaker is open)."""


class CircuitBreaker:
    """Skip a dependency for ``retry_after`` seconds after it failed, then let one call
    probe it; a success closes the breaker. One per process, shared by its threads."""

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed, calls go ahead

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open_until is not None

    def allow(self) -> bool:
        """True when a call may go ahead: the breaker is closed, or this call is the probe."""
        with self._lock:
            if self._open_until is None:
                return True
            now = time.monotonic()
            if now < self._open_until:
                return False
            # This call probes; the others keep skipping until it has answered.
            self._open_until = now + self.retry_after
            return True

    def succeeded(self) -> bool:
        """Note a success; True when it closed an open breaker (the dependency is back)."""
        with self._lock:
            was_open = self._open_until is not None
            self._open_until = None
            return was_open

    def failed(self) -> bool:
        """Note a failure; True when it opened the breaker (the first failure in a row)."""
        with self._lock:
            was_closed = self._open_until is None
            self._open_until = time.monotonic() + self.retry_after
            return was_closed


class _ProcessState:
    """What the processes' cache objects share (Django makes one per thread): the breaker
    and the keys that could not be written, per Redis location."""

    def __init__(self, retry_after: float):
        self.breaker = CircuitBreaker(retry_after)
        self.lock = threading.Lock()
        self.stale: dict[str, None] = {}  # insertion-ordered set

    def remember(self, keys) -> None:
        with self.lock:
            for key in keys:
                self.stale.pop(key, None)
                self.stale[key] = None
            while len(self.stale) > STALE_KEYS_MAX:
                del self.stale[next(iter(self.stale))]

    def take(self) -> list[str]:
        with self.lock:
            keys = list(self.stale)
            self.stale.clear()
            return keys


_states: dict[str, _ProcessState] = {}
_states_lock = threading.Lock()


def _state_for(location: str, retry_after: float) -> _ProcessState:
    with _states_lock:
        if location not in _states:
            _states[location] = _ProcessState(retry_after)
        return _states[location]


def _claim_in_database(key: str, timeout: int | None) -> bool:
    """``add()`` while Redis is unavailable: claim the key once, in the database."""
    from layanan.core.models import FallbackEntry  # noqa: PLC0415 - the cache loads before apps

    name = "cache:" + hashlib.sha256(key.encode()).hexdigest()
    now = timezone.now()
    if timeout == 0:  # as Redis: would it have been added?
        return not FallbackEntry.objects.filter(key=name, expires_at__gt=now).exists()
    lifetime = dt.timedelta(seconds=timeout) if timeout is not None else CLAIM_WITHOUT_TIMEOUT
    fallback_expire()
    try:
        with transaction.atomic():
            FallbackEntry.objects.create(key=name, expires_at=now + lifetime)
    except IntegrityError:
        return False
    return True


def fallback_expire(limit: int = 1000) -> None:
    """Delete fallback rows past their expiry, skipping rows another transaction holds."""
    from layanan.core.models import FallbackEntry  # noqa: PLC0415 - the cache loads before apps

    with transaction.atomic():
        expired = FallbackEntry.objects.filter(expires_at__lte=timezone.now()).select_for_update(
            skip_locked=True
        )
        FallbackEntry.objects.filter(pk__in=expired.values("pk")[:limit]).delete()


class ResilientRedisCache(RedisCache):
    """Django's Redis cache whose reads miss and writes are skipped while Redis is unavailable
    (see the module's docstring). ``RETRY_AFTER`` (seconds) sets the breaker's pause."""

    def __init__(self, server, params):
        super().__init__(server, params)
        location = server if isinstance(server, str) else ",".join(server)
        self._state = _state_for(location, float(params.get("RETRY_AFTER", 5)))

    @property
    def breaker(self) -> CircuitBreaker:
        return self._state.breaker

    @cached_property
    def strict(self) -> "StrictCache":
        return StrictCache(self)

    def _run(self, call, *, written=()):
        """``call()`` on Redis, or CacheUnavailable. ``written``: the keys the call writes."""
        breaker = self._state.breaker
        if not breaker.allow():
            self._state.remember(written)
            raise CacheUnavailable
        try:
            if breaker.is_open:
                # This call probes Redis after a failure: first delete what this process could
                # not write meanwhile, so that the call itself cannot read a stale copy.
                self._forget_stale()
            result = call()
        except UNAVAILABLE as error:
            self._state.remember(written)
            if breaker.failed():
                logger.warning("cache unavailable (%s): serving without it", type(error).__name__)
            raise CacheUnavailable from error
        if breaker.succeeded():
            logger.warning("cache available again")
        return result

    def _forget_stale(self) -> None:
        keys = self._state.take()
        if not keys:
            return
        try:
            self._cache.delete_many(keys)
        except UNAVAILABLE:
            self._state.remember(keys)
            raise

    # --- The calls that raise CacheUnavailable (StrictCache uses them) -------------------

    def _key(self, key, version) -> str:
        return self.make_and_validate_key(key, version=version)

    def _ttl(self, timeout) -> Any:
        """Redis's lifetime of a key: whole seconds, 0 (delete), or None (for ever)."""
        return self.get_backend_timeout(timeout)

    def _strict_get(self, key, default=None, version=None):
        key = self._key(key, version)
        return self._run(lambda: self._cache.get(key, default))

    def _strict_set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self._key(key, version)
        seconds = self._ttl(timeout)
        self._run(lambda: self._cache.set(key, value, seconds), written=[key])

    def _strict_add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self._key(key, version)
        seconds = self._ttl(timeout)
        return self._run(lambda: self._cache.add(key, value, seconds), written=[key])

    def _strict_incr(self, key, delta=1, version=None) -> int:
        key = self._key(key, version)
        return self._run(lambda: self._cache.incr(key, delta), written=[key])

    def _strict_delete(self, key, version=None) -> bool:
        key = self._key(key, version)
        return self._run(lambda: self._cache.delete(key), written=[key])

    def _strict_delete_many(self, keys, version=None) -> None:
        if not keys:
            return
        made = [self._key(key, version) for key in keys]
        self._run(lambda: self._cache.delete_many(made), written=made)

    # --- Django's cache API, degrading -------------------------------------------------

    def get(self, key, default=None, version=None):
        try:
            return self._strict_get(key, default, version)
        except CacheUnavailable:
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with suppress(CacheUnavailable):
            self._strict_set(key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return self._strict_add(key, value, timeout, version)
        except CacheUnavailable:
            return _claim_in_database(self._key(key, version), self._ttl(timeout))

    def incr(self, key, delta=1, version=None):
        try:
            return self._strict_incr(key, delta, version)
        except CacheUnavailable:
            # As for a key that is not there: the caller starts over (and its set is skipped).
            raise ValueError("the cache is unavailable") from None

    def delete(self, key, version=None):
        try:
            return self._strict_delete(key, version)
        except CacheUnavailable:
            return False

    def delete_many(self, keys, version=None):
        with suppress(CacheUnavailable):
            self._strict_delete_many(keys, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        made = self._key(key, version)
        seconds = self._ttl(timeout)
        try:
            return self._run(lambda: self._cache.touch(made, seconds), written=[made])
        except CacheUnavailable:
            return False

    def get_many(self, keys, version=None):
        try:
            return self._run(lambda: super(ResilientRedisCache, self).get_many(keys, version))
        except CacheUnavailable:
            return {}

    def has_key(self, key, version=None):
        made = self._key(key, version)
        try:
            return self._run(lambda: self._cache.has_key(made))
        except CacheUnavailable:
            return False

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        made: dict[Any, Any] = {self._key(key, version): value for key, value in data.items()}
        seconds = self._ttl(timeout)
        try:
            self._run(lambda: self._cache.set_many(made, seconds), written=list(made))
        except CacheUnavailable:
            return list(data)  # Django's contract: the keys that were not stored
        return []

    def clear(self):
        try:
            return self._run(self._cache.clear)
        except CacheUnavailable:
            return False


class StrictCache:
    """The calls of a ResilientRedisCache that raise CacheUnavailable instead of degrading."""

    def __init__(self, backend: ResilientRedisCache):
        self._backend = backend

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._backend._strict_get(key, default, version)

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._backend._strict_set(key, value, timeout, version)

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._backend._strict_add(key, value, timeout, version)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return self._backend._strict_incr(key, delta, version)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._backend._strict_delete(key, version)

    def delete_many(self, keys: list[str], version: int | None = None) -> None:
        self._backend._strict_delete_many(keys, version)


class CacheCalls(Protocol):
    """What the rate limits and the health check call on a cache."""

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any: ...
    def set(self, key: str, value: Any, timeout: Any = ..., version: int | None = None) -> None: ...
    def add(self, key: str, value: Any, timeout: Any = ..., version: int | None = None) -> bool: ...
    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int: ...
    def delete(self, key: str, version: int | None = None) -> bool: ...
    def delete_many(self, keys: list[str], version: int | None = None) -> None: ...


def strict_cache(alias: str = "default") -> CacheCalls:
    """The cache, raising CacheUnavailable when it cannot answer rather than degrading
    (ResilientRedisCache); any other backend as it is (its errors are its own)."""
    backend = caches[alias]
    strict = getattr(backend, "strict", None)
    return strict if strict is not None else backend


# Caches every process shares, whose add() and incr() are atomic there: counters may live in
# them. RedisCache includes ResilientRedisCache.
COUNTING_BACKENDS = (RedisCache, BaseMemcachedCache)
# Caches that live inside one process: what one worker stores, another never sees.
PROCESS_LOCAL_BACKENDS = (LocMemCache, DummyCache)


def cache_is_process_local(alias: str = "default") -> bool:
    """Whether the cache lives inside each process (sessions kept there are not shared)."""
    return isinstance(caches[alias], PROCESS_LOCAL_BACKENDS)


def counter_cache(alias: str = "default") -> CacheCalls:
    """The cache for counters that all processes must share: ``strict_cache()`` when the
    cache can hold them, else CacheUnavailable, so that the caller counts in the database."""
    if not isinstance(caches[alias], COUNTING_BACKENDS):
        raise CacheUnavailable
    return strict_cache(alias)


def claim_once(key: str, timeout: int) -> bool:
    """Claim ``key`` for ``timeout`` seconds; False when some process already has: a single
    use (a Kode Keamanan answered) holds across all processes in every deployment."""
    backend = caches["default"]
    if isinstance(backend, COUNTING_BACKENDS):
        # A ResilientRedisCache claims in the database itself while Redis is unavailable.
        return bool(backend.add(key, 1, timeout))
    return _claim_in_database(backend.make_and_validate_key(key), timeout)

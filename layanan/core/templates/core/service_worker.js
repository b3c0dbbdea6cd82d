{% autoescape off %}// The service worker of Layanan Desa Mandiri (layanan/core/installable.py).
// It keeps the public static files every page needs and the offline page, and nothing else:
// pages, letters and identity documents carry personal data and always come from the
// network. A page that cannot be fetched is answered with the offline page.
"use strict";

const CACHE_PREFIX = "ldm-static-";
const CACHE = CACHE_PREFIX + "{{ version }}";
const OFFLINE_URL = {{ offline_url }};
const PRECACHE = {{ precache }};
const PRECACHED = new Set(PRECACHE.map((url) => new URL(url, self.location.href).href));
// In debug mode static names carry no hash: a file being edited comes from the network first.
const NETWORK_FIRST = {{ network_first }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // Without cookies: the offline page is the same for everyone, and never names anyone.
      .then((cache) =>
        cache.addAll(
          PRECACHE.map((url) => new Request(url, { credentials: "omit", cache: "reload" })),
        ),
      )
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) {
          await caches.delete(name);
        }
      }
      // The page's request starts while the worker wakes up: no wait for it.
      if (self.registration.navigationPreload) {
        await self.registration.navigationPreload.enable();
      }
      await self.clients.claim();
    })(),
  );
});

async function page(event) {
  try {
    const preloaded = await event.preloadResponse;
    return preloaded || (await fetch(event.request));
  } catch (error) {
    const offline = await caches.match(OFFLINE_URL, { ignoreVary: true });
    return offline || Response.error();
  }
}

async function keptFile(request) {
  if (NETWORK_FIRST) {
    try {
      return await fetch(request);
    } catch (error) {
      return (await caches.match(request, { ignoreVary: true })) || Response.error();
    }
  }
  const kept = await caches.match(request, { ignoreVary: true });
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Forms, uploads and anything else that is not a GET go to the network untouched.
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (PRECACHED.has(request.url)) {
    event.respondWith(keptFile(request));
  }
  // Everything else (private files, downloads, fragments) is the browser's own business.
});
{% endautoescape %}

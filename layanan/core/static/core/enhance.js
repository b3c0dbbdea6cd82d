// Progressive enhancement: with JavaScript, controls that only serve no-JS users hide.
document.documentElement.classList.add("js");

// The installable site: a service worker keeps the public static files and an offline page
// (layanan/core/installable.py). Without it, or without JavaScript, nothing changes.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () {
      // Not installable here (a private window, an http address): the site works as before.
    });
  });
}

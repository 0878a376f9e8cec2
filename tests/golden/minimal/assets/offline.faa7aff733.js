// Keeps the Local Offer working without signal: registers the service worker (sw.js at the
// site's root), which keeps a copy of the pages visited. Saving the whole site is
// save-offline.js, loaded by the home page only.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || location.protocol === "file:") return;
  var script = document.currentScript;
  var root = new URL("../", script ? script.src : location.href);
  navigator.serviceWorker.register(new URL("sw.js", root).href, { scope: root.pathname })
    .catch(function () { /* the site still works online without it */ });
})();

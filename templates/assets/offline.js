// Keeps the Local Offer working without signal: registers the service worker (sw.js at the
// site's root), and on the home page offers to save every page and the search index.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || location.protocol === "file:") return;
  var script = document.currentScript;
  var root = new URL("../", script ? script.src : location.href);
  navigator.serviceWorker.register(new URL("sw.js", root).href, { scope: root.pathname })
    .catch(function () { /* the site still works online without it */ });

  var panel = document.getElementById("save-offline");
  if (!panel || !("caches" in window)) return;
  var button = panel.querySelector("button");
  var status = panel.querySelector("[role=status]");
  var bar = panel.querySelector("progress");
  var manifest = null;

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  // The first 12 hex digits of the SHA-256 of `body` (a Blob): a build's revision of a file.
  function revisionOf(body) {
    return body.arrayBuffer().then(function (bytes) {
      return crypto.subtle.digest("SHA-256", bytes);
    }).then(function (digest) {
      return Array.from(new Uint8Array(digest).slice(0, 6), function (byte) {
        return (byte < 16 ? "0" : "") + byte.toString(16);
      }).join("");
    });
  }

  fetch(new URL("offline.json", root).href).then(function (r) { return r.json(); }).then(function (m) {
    manifest = m;
    panel.hidden = false;
    panel.querySelector("[data-size]").textContent = megabytes(m.total_bytes);
  }).catch(function () { /* no manifest: nothing to offer */ });

  button.addEventListener("click", function () {
    if (!manifest) return;
    button.disabled = true;
    bar.hidden = false;
    bar.max = manifest.files.length;
    bar.value = 0;
    var done = 0, failed = 0, index = 0;
    var cacheName = "lo-saved";
    return caches.open(cacheName).then(function (cache) {
      function next() {
        if (index >= manifest.files.length) return Promise.resolve();
        var file = manifest.files[index++];
        var url = new URL(file.url, root).href;
        return fetch(url, { cache: "no-cache" }).then(function (response) {
          if (!response.ok) { failed++; return; }
          return response.blob().then(function (body) {
            return revisionOf(body).then(function (revision) {
              // Labelled with what it holds, not what offline.json said: the site may have
              // been rebuilt since it was fetched (the service worker labels copies alike).
              var headers = new Headers(response.headers);
              headers.set("X-LO-Revision", revision);
              return cache.put(url, new Response(body, { status: 200, headers: headers }));
            });
          });
        }).catch(function () { failed++; }).then(function () {
          done++;
          bar.value = done;
          var quarter = Math.ceil(manifest.files.length / 4);
          if (done % quarter === 0 && done < manifest.files.length) {
            // Announced a few times only, so screen readers are not flooded.
            status.textContent = "Downloading: " + Math.round(100 * done / manifest.files.length) + "% done";
          }
          return next();
        });
      }
      // Four downloads at a time: quick on a good connection, gentle on a poor one.
      return Promise.all([next(), next(), next(), next()]);
    }).then(function () {
      status.textContent = failed
        ? "Saved, but " + failed + " files could not be downloaded. Try again when you have signal."
        : "Saved. Every page and the search now work on this device without the internet.";
      button.disabled = false;
    });
  });
})();

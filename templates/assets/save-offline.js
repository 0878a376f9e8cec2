// The home page's offer to save every page and the search index on this device. Files are
// fetched through the service worker (registered by offline.js), which keeps a copy of each;
// only a page the worker is in charge of can be shown offline anyway.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || location.protocol === "file:") return;
  var script = document.currentScript;
  var root = new URL("../", script ? script.src : location.href);
  var panel = document.getElementById("save-offline");
  if (!panel || !("caches" in window)) return;
  var button = panel.querySelector("button");
  var status = panel.querySelector("[role=status]");
  var bar = panel.querySelector("progress");
  var manifest = null;

  function megabytes(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  // Resolves once the service worker handles this page's requests (it takes charge of the open
  // pages as it starts); fails after 15 s (a browser that blocks it, a forced reload).
  function inCharge() {
    return new Promise(function (resolve, reject) {
      if (navigator.serviceWorker.controller) return resolve();
      navigator.serviceWorker.addEventListener("controllerchange", function () { resolve(); });
      setTimeout(reject, 15000);
    });
  }

  // The URLs of `urls` that no cache holds yet (the worker stores a copy just after answering).
  function missing(urls) {
    return caches.keys().then(function (names) {
      return Promise.all(names.map(function (n) { return caches.open(n).then(function (c) { return c.keys(); }); }));
    }).then(function (lists) {
      var held = new Set();
      lists.forEach(function (list) { list.forEach(function (r) { held.add(r.url); }); });
      return urls.filter(function (url) { return !held.has(url); });
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
    var urls = manifest.files.map(function (file) { return new URL(file.url, root).href; });
    var done = 0, index = 0;
    function next() {
      if (index >= urls.length) return Promise.resolve();
      return fetch(urls[index++], { cache: "no-cache" }).then(function (response) {
        return response.blob();
      }).catch(function () { /* counted as missing below */ }).then(function () {
        done++;
        bar.value = done;
        var quarter = Math.ceil(urls.length / 4);
        if (done % quarter === 0 && done < urls.length) {
          // Announced a few times only, so screen readers are not flooded.
          status.textContent = "Downloading: " + Math.round(100 * done / urls.length) + "% done";
        }
        return next();
      });
    }
    function settled(tries) {
      return missing(urls).then(function (left) {
        if (!left.length || !tries) return left.length;
        return new Promise(function (r) { setTimeout(r, 250); }).then(function () { return settled(tries - 1); });
      });
    }
    inCharge().then(function () {
      // Four downloads at a time: quick on a good connection, gentle on a poor one.
      return Promise.all([next(), next(), next(), next()]);
    }).then(function () { return settled(20); }).then(function (failed) {
      status.textContent = failed
        ? "Saved, but " + failed + " files could not be downloaded. Try again when you have signal."
        : "Saved. Every page and the search now work on this device without the internet.";
    }, function () {
      status.textContent = "Could not save: this browser did not start the offline helper. Reload the page and try again.";
    }).then(function () { button.disabled = false; });
  });
})();

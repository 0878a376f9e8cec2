// lo-static service worker, generated at build time. Pages: network first, then the copy
// saved on this device, then the offline page. Fingerprinted assets and the search index:
// from the device first. A new build drops copies whose content changed or no longer exists.
"use strict";
var BUILD = "__BUILD__";
var PRECACHE = __PRECACHE__;
var OFFLINE_PAGE = "__OFFLINE__";
var PRECACHE_NAME = "lo-precache-" + BUILD;
var PAGES = "lo-pages";
var ASSETS = "lo-assets";
var SAVED = "lo-saved"; // what "save for offline use" kept before it went through this worker

var revisionsPromise = null;

function absolute(path) { return new URL(path, self.registration.scope).href; }

// Every file's content revision, from this build's offline.json (kept in the precache), so the
// worker stays small however large the Local Offer is.
function revisions() {
  if (!revisionsPromise) {
    revisionsPromise = caches.open(PRECACHE_NAME).then(function (cache) {
      return cache.match(absolute("offline.json"));
    }).then(function (hit) {
      return hit || fetch(absolute("offline.json"), { cache: "no-cache" });
    }).then(function (response) { return response.json(); }).then(function (manifest) {
      var map = {};
      manifest.files.forEach(function (file) { map[file.url] = file.revision; });
      return map;
    }).catch(function (error) { revisionsPromise = null; throw error; });
  }
  return revisionsPromise;
}
function relative(url) { return url.slice(self.registration.scope.length); }

// A copy is labelled with the revision of the bytes it holds (the build's revisions are the
// first 12 hex digits of each file's SHA-256), never with what this worker's build believed the
// file to be: a worker still in charge after a rebuild saves pages of the new build, and the
// new worker, activating, keeps the copies whose label matches its list.
function revisionOf(blob) {
  return blob.arrayBuffer().then(function (b) { return crypto.subtle.digest("SHA-256", b); })
    .then(function (d) {
      return Array.from(new Uint8Array(d, 0, 6), function (x) { return (x + 256).toString(16).slice(1); }).join("");
    });
}

function labelled(response) {
  return response.blob().then(function (body) {
    return revisionOf(body).then(function (revision) {
      var headers = new Headers(response.headers);
      headers.set("X-LO-Revision", revision);
      return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(PRECACHE_NAME).then(function (cache) {
    return fetch(absolute("offline.json"), { cache: "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error("offline.json: " + response.status);
      return response.clone().json().then(function (manifest) {
        if (manifest.build !== BUILD) throw new Error("offline.json is from another build");
        return cache.put(absolute("offline.json"), response);
      });
    }).then(function () {
      return Promise.all(PRECACHE.map(function (path) {
        return fetch(absolute(path), { cache: "no-cache" }).then(function (response) {
          if (!response.ok) throw new Error("precache " + path + ": " + response.status);
          return labelled(response).then(function (copy) {
            return cache.put(absolute(path), copy);
          });
        });
      }));
    });
  }).then(function () { return self.skipWaiting(); }));
});

function dropStale(name, REVISIONS) {
  return caches.open(name).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.map(function (request) {
        return cache.match(request).then(function (response) {
          var path = relative(request.url);
          var now = REVISIONS[path] || (/\/$|^$/.test(path) && REVISIONS[path + "index.html"]);
          if (!now || !response || response.headers.get("X-LO-Revision") !== now) {
            return cache.delete(request);
          }
        });
      }));
    });
  });
}

self.addEventListener("activate", function (event) {
  event.waitUntil(Promise.all([caches.keys(), revisions()]).then(function (found) {
    var names = found[0], REVISIONS = found[1];
    return Promise.all(names.map(function (name) {
      if (name.indexOf("lo-precache-") === 0 && name !== PRECACHE_NAME) return caches.delete(name);
      if (name === PAGES || name === ASSETS || name === SAVED) return dropStale(name, REVISIONS);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function fromDevice(request) {
  // Saved copies are found whatever the query (search?q=..., pagefind-entry.json?ts=...).
  var options = { ignoreSearch: true };
  return caches.match(request, options).then(function (hit) {
    var url = request.url.split("?")[0];
    if (hit || !url.endsWith("/")) return hit;
    return caches.match(url + "index.html", options);
  });
}

function networkFirst(event, cacheName) {
  var request = event.request;
  return fetch(request).then(function (response) {
    if (response.ok) {
      event.waitUntil(labelled(response.clone()).then(function (saved) {
        return caches.open(cacheName).then(function (cache) { return cache.put(request, saved); });
      }));
    }
    return response;
  }).catch(function () {
    return fromDevice(request).then(function (hit) {
      if (hit) return hit;
      if (request.mode === "navigate") return caches.match(absolute(OFFLINE_PAGE));
      return Response.error();
    });
  });
}

function deviceFirst(event) {
  return fromDevice(event.request).then(function (hit) {
    if (hit) return hit;
    return fetch(event.request).then(function (response) {
      if (response.ok) {
        event.waitUntil(labelled(response.clone()).then(function (saved) {
          return caches.open(ASSETS).then(function (cache) { return cache.put(event.request, saved); });
        }));
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || request.url.indexOf(self.registration.scope) !== 0) return;
  var path = relative(request.url.split("?")[0]);
  var fingerprinted = path.indexOf("assets/") === 0 ||
    (path.indexOf("pagefind/") === 0 && path !== "pagefind/pagefind-entry.json");
  if (request.mode === "navigate" || /\.html$|\/$/.test(path) || path === "") {
    event.respondWith(networkFirst(event, PAGES));
  } else if (fingerprinted) {
    event.respondWith(deviceFirst(event));
  } else {
    event.respondWith(networkFirst(event, ASSETS));
  }
});

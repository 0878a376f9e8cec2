// Search over the Pagefind index, with filters as checkboxes and a live result count.
// Without JavaScript the search page shows every page A to Z instead.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  var input = document.getElementById("search-input");
  var form = document.getElementById("search-form");
  var status = document.getElementById("search-status");
  var filtersBox = document.getElementById("search-filters");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var ORDER = ["Age", "Need", "Topic", "Service level", "Where", "Kind", "Easy read"];
  var PAGE = 10;
  var pagefind = null;
  var results = [];
  var shown = 0;
  var timer = null;
  var latest = 0;
  var lastKey = null;
  var vocabulary = null;
  // Words that say little in a family's question ("speech therapy for my 4 year old").
  var STOP = ("a an the for my our his her their to of in on at and or with i we me is are " +
    "can do does how what where who when about please year years yr yrs old aged age son " +
    "daughter kid kids").split(" ");

  function words(text) {
    return text.toLowerCase().split(/[^a-z0-9'’-]+/).filter(function (w) {
      return w && STOP.indexOf(w) < 0 && !/^[0-9]+$/.test(w);
    });
  }

  // Optimal string alignment distance: edits, with swapped neighbours counting once.
  function distance(a, b) {
    var d = [];
    for (var i = 0; i <= a.length; i++) { d[i] = [i]; }
    for (var j = 0; j <= b.length; j++) { d[0][j] = j; }
    for (i = 1; i <= a.length; i++) {
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length][b.length];
  }

  function correct(word) {
    if (!vocabulary || word.length < 4 || vocabulary.known[word]) return word;
    var limit = word.length >= 7 ? 2 : 1;
    var best = word, bestDistance = limit + 1;
    vocabulary.list.some(function (candidate) {  // most used words first
      if (Math.abs(candidate.length - word.length) > limit) return false;
      var d = distance(word, candidate);
      if (d < bestDistance) { best = candidate; bestDistance = d; }
      return d === 1 && bestDistance === 1 && limit === 1;
    });
    return best;
  }

  function loadVocabulary() {
    var url = new URL(box.getAttribute("data-words"), location.href).href;
    return fetch(url).then(function (r) { return r.ok ? r.json() : []; }).then(function (list) {
      var known = {};
      list.forEach(function (w) { known[w] = true; });
      vocabulary = { list: list, known: known };
    }).catch(function () { vocabulary = null; });
  }

  // Every word must match at first; if nothing does, any word may (best matches first).
  function find(terms, filters) {
    var query = terms.join(" ");
    return pagefind.search(query || null, { filters: filters }).then(function (search) {
      if (search.results.length || terms.length < 2) return search;
      return Promise.all(terms.map(function (t) {
        return pagefind.search(t, { filters: filters });
      })).then(function (each) {
        var seen = {}, merged = [];
        each.forEach(function (one) {
          one.results.forEach(function (r) { if (!seen[r.id]) { seen[r.id] = true; merged.push(r); } });
        });
        merged.sort(function (a, b) { return b.score - a.score; });
        return { results: merged, filters: each[0].filters };
      });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function selected() {
    var chosen = {};
    filtersBox.querySelectorAll("input:checked").forEach(function (c) {
      (chosen[c.name] = chosen[c.name] || []).push(c.value);
    });
    var filters = {};
    Object.keys(chosen).forEach(function (k) { filters[k] = { any: chosen[k] }; });
    return filters;
  }

  // Builds the checkboxes once, then only updates their counts, so focus and state stay put.
  function drawFilters(available, counts) {
    ORDER.forEach(function (name, i) {
      var values = available[name];
      if (!values || !Object.keys(values).length) return;
      var set = filtersBox.querySelector("fieldset[data-filter='" + i + "']");
      if (!set) {
        set = el("fieldset", { "class": "app-filter", "data-filter": String(i) });
        set.appendChild(el("legend", { "class": "app-filter__legend" }, name));
        Object.keys(values).sort().forEach(function (value, j) {
          var id = "filter-" + i + "-" + j;
          var row = el("div", { "class": "app-filter__item" });
          row.appendChild(el("input", { type: "checkbox", id: id, name: name, value: value }));
          row.appendChild(el("label", { "for": id }));
          set.appendChild(row);
        });
        filtersBox.appendChild(set);
      }
      set.querySelectorAll("input").forEach(function (box) {
        var value = box.value;
        var n = counts && counts[name] && counts[name][value] !== undefined
          ? counts[name][value] : values[value] || 0;
        box.nextSibling.textContent = value + " (" + n + ")";
      });
    });
  }

  function showMore() {
    var batch = results.slice(shown, shown + PAGE);
    shown += batch.length;
    more.hidden = shown >= results.length;
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
      items.forEach(function (data) {
        var li = el("li", { "class": "app-list__item" });
        var a = el("a", { "class": "app-list__link", href: data.url }, data.meta.title || data.url);
        li.appendChild(a);
        if (data.meta.easy_read) li.appendChild(el("span", { "class": "app-tag" }, "Easy read"));
        if (data.meta.summary) li.appendChild(el("p", { "class": "app-list__summary" }, data.meta.summary));
        if (data.meta.reviewed) li.appendChild(el("p", { "class": "app-list__meta" }, "Last reviewed " + data.meta.reviewed));
        list.appendChild(li);
      });
    });
  }

  function run() {
    clearTimeout(timer);
    var query = input.value.trim();
    var filters = selected();
    var key = JSON.stringify([query, filters]);
    if (key === lastKey) return Promise.resolve();
    lastKey = key;
    var ask = ++latest;
    var url = new URL(location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    if (!query && !Object.keys(filters).length) {
      list.textContent = "";
      more.hidden = true;
      status.textContent = "";
      return pagefind.filters().then(function (all) {
        if (ask === latest) drawFilters(all, null);
      });
    }
    var asked = words(query);
    var terms = asked.map(correct);
    var corrected = terms.join(" ") !== asked.join(" ");
    var all = null;
    // Filter data must be loaded before searching, or the search reports no filter counts.
    return pagefind.filters().then(function (loaded) {
      all = loaded;
      return find(terms, filters);
    }).then(function (search) {
      if (ask !== latest) return;
      results = search.results;
      shown = 0;
      list.textContent = "";
      var shownQuery = corrected ? terms.join(" ") : query;
      var about = query ? " for \u2018" + shownQuery + "\u2019" : "";
      var message = (results.length === 1 ? "1 result" : results.length + " results") + about +
        (corrected ? " (we corrected the spelling of \u2018" + query + "\u2019)" : "");
      drawFilters(all, search.filters);
      return showMore().then(function () {
        status.textContent = message;  // announced once the results are on the page
      });
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  }

  import(new URL(box.getAttribute("data-bundle"), location.href).href).then(function (module) {
    pagefind = module;
    var root = new URL(box.getAttribute("data-root") || "./", location.href).pathname;
    return pagefind.options({ baseUrl: root }).then(function () {
      return Promise.all([pagefind.init(), loadVocabulary()]);
    });
  }).then(function () {
    box.hidden = false;
    document.getElementById("search-no-js").hidden = true;
    input.value = new URL(location.href).searchParams.get("q") || "";
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    input.addEventListener("input", later);
    filtersBox.addEventListener("change", run);
    more.addEventListener("click", showMore);
    return run();
  }).catch(function (error) {
    // Say why in the browser's console, for whoever looks after the site.
    console.error("Search could not start:", error);
    status.textContent = "Search is not available here. Every page is listed below, from A to Z.";
    box.hidden = false;
    form.hidden = true;
    document.getElementById("search-no-js").hidden = true;
  });
})();

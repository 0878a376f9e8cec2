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

  function drawFilters(available, counts) {
    var chosen = selected();
    filtersBox.textContent = "";
    ORDER.forEach(function (name, i) {
      var values = available[name];
      if (!values || !Object.keys(values).length) return;
      var set = el("fieldset", { "class": "app-filter" });
      set.appendChild(el("legend", { "class": "app-filter__legend" }, name));
      Object.keys(values).sort().forEach(function (value, j) {
        var id = "filter-" + i + "-" + j;
        var row = el("div", { "class": "app-filter__item" });
        var box = el("input", { type: "checkbox", id: id, name: name, value: value });
        if (chosen[name] && chosen[name].any.indexOf(value) >= 0) box.checked = true;
        var n = counts && counts[name] && counts[name][value] !== undefined ? counts[name][value] : values[value];
        row.appendChild(box);
        row.appendChild(el("label", { "for": id }, value + " (" + n + ")"));
        set.appendChild(row);
      });
      filtersBox.appendChild(set);
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
    var query = input.value.trim();
    var filters = selected();
    var ask = ++latest;
    var url = new URL(location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    if (!query && !Object.keys(filters).length) {
      list.textContent = "";
      more.hidden = true;
      status.textContent = "";
      return pagefind.filters().then(function (all) { drawFilters(all, null); });
    }
    return pagefind.search(query || null, { filters: filters }).then(function (search) {
      if (ask !== latest) return;
      results = search.results;
      shown = 0;
      list.textContent = "";
      var words = query ? " for \u2018" + query + "\u2019" : "";
      status.textContent = results.length === 1 ? "1 result" + words : results.length + " results" + words;
      return pagefind.filters().then(function (all) {
        drawFilters(all, search.filters);
        return showMore();
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
    return pagefind.options({ baseUrl: root }).then(function () { return pagefind.init(); });
  }).then(function () {
    box.hidden = false;
    input.value = new URL(location.href).searchParams.get("q") || "";
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    input.addEventListener("input", later);
    filtersBox.addEventListener("change", run);
    more.addEventListener("click", showMore);
    return run();
  }).catch(function () {
    status.textContent = "Search is not available here. Every page is listed below, from A to Z.";
    box.hidden = false;
    form.hidden = true;
  });
})();

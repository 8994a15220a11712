// Casebook dashboards, progressive: without this script every page is
// complete. On /actions/ it filters the tables in the page (status, owner,
// team, severity, words) and groups rows by owner or team, keeping the
// filter in the address (?owner=…&team=…) so a view can be shared. On
// /metrics/ it finds rows of the by-team and by-service tables by name.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter-table]"), function (input) {
    var table = document.getElementById(input.dataset.filterTable);
    if (!table) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    input.closest("label").hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      rows.forEach(function (row) {
        var name = row.cells[0].textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return name.indexOf(w) >= 0; });
      });
    });
  });
})();

(function () {
  "use strict";
  var form = document.querySelector(".dash-filter");
  if (!form || !window.URLSearchParams) return;
  var fields = ["status", "owner", "team", "severity", "group", "q"];
  var output = form.querySelector(".dash-count");
  var tables = Array.prototype.map.call(document.querySelectorAll(".dash-section"), function (section) {
    var body = section.querySelector("tbody");
    return {
      section: section,
      body: body,
      rows: body ? Array.prototype.slice.call(body.rows) : [],
      count: section.querySelector("[data-count]")
    };
  });
  var total = tables.reduce(function (n, t) { return n + t.rows.length; }, 0);
  var texts = new WeakMap();
  var columns = 7;

  function optionNames(name) {
    var names = {};
    Array.prototype.forEach.call(form.elements[name].options, function (o) { names[o.value] = o.textContent; });
    return names;
  }
  var names = { owner: optionNames("owner"), team: optionNames("team") };

  function state() {
    var s = {};
    fields.forEach(function (f) { s[f] = form.elements[f].value; });
    s.words = s.q.toLowerCase().split(/\s+/).filter(Boolean);
    return s;
  }

  function textOf(row) {
    var text = texts.get(row);
    if (text === undefined) {
      text = row.textContent.toLowerCase();
      texts.set(row, text);
    }
    return text;
  }

  function matches(row, s) {
    var d = row.dataset;
    if (s.status === "open") {
      if (d.status !== "open" && d.status !== "in-progress" && d.status !== "overdue") return false;
    } else if (s.status && d.status !== s.status) {
      return false;
    }
    if (s.owner && d.owner !== s.owner) return false;
    if (s.team && (" " + d.teams + " ").indexOf(" " + s.team + " ") < 0) return false;
    if (s.severity && d.severity !== s.severity) return false;
    for (var i = 0; i < s.words.length; i++) {
      if (textOf(row).indexOf(s.words[i]) < 0) return false;
    }
    return true;
  }

  function groupHead(label, count) {
    var tr = document.createElement("tr");
    tr.className = "group-head";
    var th = document.createElement("th");
    th.colSpan = columns;
    th.scope = "colgroup";
    th.textContent = label + " (" + count + ")";
    tr.appendChild(th);
    return tr;
  }

  function grouped(rows, by) {
    var groups = {};
    rows.forEach(function (row) {
      var keys = by === "owner" ? [row.dataset.owner] : row.dataset.teams.split(" ").filter(Boolean);
      if (!keys.length) keys = [""];
      keys.forEach(function (key, i) {
        (groups[key] = groups[key] || []).push(i === 0 ? row : row.cloneNode(true));
      });
    });
    var none = by === "owner" ? "Unassigned" : "No team";
    var label = function (key) { return key ? (names[by][key] || key) : none; };
    return Object.keys(groups).sort(function (a, b) {
      if (!a || !b) return a ? -1 : b ? 1 : 0;
      return label(a).localeCompare(label(b));
    }).map(function (key) { return { label: label(key), rows: groups[key] }; });
  }

  function apply() {
    var s = state();
    var filtering = Boolean(s.status || s.owner || s.team || s.severity || s.words.length);
    var shownTotal = 0;
    tables.forEach(function (t) {
      if (!t.body) {
        t.section.hidden = filtering;
        return;
      }
      var shown = t.rows.filter(function (row) { return matches(row, s); });
      var fragment = document.createDocumentFragment();
      if (s.group) {
        grouped(shown, s.group).forEach(function (g) {
          fragment.appendChild(groupHead(g.label, g.rows.length));
          g.rows.forEach(function (row) { fragment.appendChild(row); });
        });
      } else {
        shown.forEach(function (row) { fragment.appendChild(row); });
      }
      t.body.textContent = "";
      t.body.appendChild(fragment);
      if (t.count) t.count.textContent = String(shown.length);
      t.section.hidden = filtering && shown.length === 0;
      shownTotal += shown.length;
    });
    if (output) output.textContent = shownTotal + " of " + total + " action items";
    var params = new URLSearchParams();
    fields.forEach(function (f) { if (s[f]) params.set(f, s[f]); });
    var query = params.toString();
    history.replaceState(null, "", (query ? "?" + query : location.pathname) + location.hash);
  }

  var initial = new URLSearchParams(location.search);
  fields.forEach(function (f) {
    var value = initial.get(f);
    var field = form.elements[f];
    if (value === null) return;
    if (field.tagName === "SELECT" && !Array.prototype.some.call(field.options, function (o) { return o.value === value; })) return;
    field.value = value;
  });

  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-filter-key]");
    if (!link) return;
    var field = form.elements[link.dataset.filterKey];
    if (!field) return;
    event.preventDefault();
    field.value = link.dataset.filterValue;
    apply();
    document.getElementById("items").scrollIntoView();
  });
  apply();
})();

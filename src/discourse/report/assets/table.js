/* discourse: sort and search for long report tables (no external library).
   Works on the rows already in the page; never writes HTML, only reorders and hides rows. */
(function () {
  "use strict";
  function numberOf(text) {
    var s = text.replace(/[,\s\u2009\u202f<>\u2264\u2265%]/g, "").replace(/\u2212/g, "-");
    if (s === "" || s === "\u2013") { return null; }
    var v = parseFloat(s);
    return isNaN(v) ? null : v;
  }
  function init(box) {
    if (box.getAttribute("data-dt-ready")) { return; }
    box.setAttribute("data-dt-ready", "1");
    var table = box.querySelector("table");
    if (!table || !table.tBodies.length || !table.tHead) { return; }
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var texts = rows.map(function (r) {
      return Array.prototype.map.call(r.cells, function (c) { return c.textContent; }).join("\u0001").toLowerCase();
    });
    rows.forEach(function (r, i) { r.setAttribute("data-dt-order", String(i)); });
    var input = box.querySelector("input.dt-search");
    var status = box.querySelector(".dt-status");
    var total = rows.length;
    function showStatus(n) {
      if (status) { status.textContent = (n === total ? total + " rows" : n + " of " + total + " rows"); }
    }
    function filter() {
      var q = input ? input.value.trim().toLowerCase() : "";
      var n = 0;
      rows.forEach(function (r, i) {
        var keep = q === "" || texts[i].indexOf(q) !== -1;
        r.hidden = !keep;
        if (keep) { n += 1; }
      });
      showStatus(n);
    }
    if (input) { input.addEventListener("input", filter); }
    var heads = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.setAttribute("data-dt-sortable", "1");
      th.setAttribute("tabindex", "0");
      th.setAttribute("title", "Sort by this column");
      function sort() {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var numeric = rows.length > 0 && rows[0].cells[col] && rows[0].cells[col].classList.contains("dt-num");
        var keyed = rows.map(function (r) {
          var t = r.cells[col] ? r.cells[col].textContent : "";
          return { row: r, key: numeric ? numberOf(t) : (t === "\u2013" ? null : t), order: +r.getAttribute("data-dt-order") };
        });
        keyed.sort(function (a, b) {
          if (a.key === null && b.key === null) { return a.order - b.order; }
          if (a.key === null) { return 1; }
          if (b.key === null) { return -1; }
          var c = numeric ? a.key - b.key : a.key.localeCompare(b.key, "zh");
          return c !== 0 ? dir * c : a.order - b.order;
        });
        keyed.forEach(function (k) { tbody.appendChild(k.row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
    filter();
  }
  Array.prototype.forEach.call(document.querySelectorAll(".discourse-table[data-dt-interactive]"), init);
})();

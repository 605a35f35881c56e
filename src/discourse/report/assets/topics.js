/* discourse: topic browser (top terms with glosses, passages, prevalence by group with intervals).
   Static code; data from the <script type="application/json"> block; text set with textContent only. */
(function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function pct(x) { return (x === null || x === undefined) ? "\u2013" : (100 * x).toFixed(1) + "%"; }
  function bar(label, value, lo, hi, max, text) {
    var row = el("div", "dx-bar-row"), b = el("div", "dx-bar"), f = el("div", "dx-bar-fill");
    row.appendChild(el("span", null, label));
    f.style.width = (max > 0 ? 100 * value / max : 0) + "%";
    b.appendChild(f);
    if (lo !== null && hi !== null && lo !== undefined && hi !== undefined && max > 0) {
      var ci = el("div", "dx-bar-ci");
      ci.style.left = (100 * lo / max) + "%";
      ci.style.width = Math.max(0.5, 100 * (hi - lo) / max) + "%";
      b.appendChild(ci);
    }
    row.appendChild(b);
    row.appendChild(el("span", "dx-num", text));
    return row;
  }
  function init(box) {
    if (box.getAttribute("data-dx-ready")) { return; }
    box.setAttribute("data-dx-ready", "1");
    var data = JSON.parse(box.querySelector("script.dx-data").textContent);
    var nojs = box.querySelector(".dx-nojs");
    if (nojs) { nojs.parentNode.removeChild(nojs); }
    var list = box.querySelector(".dx-tlist"), view = box.querySelector(".dx-tview"), buttons = [];
    function show(k) {
      var t = data.topics[k];
      buttons.forEach(function (b, j) { b.setAttribute("aria-pressed", j === k ? "true" : "false"); });
      while (view.firstChild) { view.removeChild(view.firstChild); }
      view.appendChild(el("h4", null, t.id + (t.label ? " \u2014 " + t.label : "")));
      view.appendChild(el("h4", null, "Top terms (weight)"));
      var wmax = Math.max.apply(null, t.terms.map(function (x) { return x[2]; }).concat([0]));
      t.terms.forEach(function (x) {
        view.appendChild(bar(x[0] + (x[1] ? " \u00b7 " + x[1] : ""), x[2], null, null, wmax, x[2].toFixed(3)));
      });
      view.appendChild(el("h4", null, "Prevalence by " + data.group_name + " (share of units, " + data.interval + ")"));
      var pmax = Math.max.apply(null, t.prev.map(function (x) { return Math.max(x[1], x[3] === null ? 0 : x[3]); }).concat([0]));
      t.prev.forEach(function (x) {
        var txt = pct(x[1]) + (x[2] !== null ? " [" + pct(x[2]) + ", " + pct(x[3]) + "]" : "") + (x[4] !== null ? " n=" + x[4] : "");
        view.appendChild(bar(x[0], x[1], x[2], x[3], pmax, txt));
      });
      view.appendChild(el("h4", null, "Representative passages" + (t.passages.length ? "" : ": none")));
      t.passages.forEach(function (p) {
        var q = el("blockquote");
        q.appendChild(el("div", "dx-doc", p[0]));
        q.appendChild(el("div", null, p[1]));
        view.appendChild(q);
      });
    }
    data.topics.forEach(function (t, k) {
      var b = el("button", null, t.id + (t.label ? " " + t.label : "") + ": " + t.terms.slice(0, 4).map(function (x) { return x[0]; }).join(" "));
      b.type = "button";
      b.addEventListener("click", function () { show(k); });
      buttons.push(b); list.appendChild(b);
    });
    if (data.topics.length) { show(0); }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".discourse-topics"), init);
})();

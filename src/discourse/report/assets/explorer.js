/* discourse: term explorer (scatter of two groups' term rates, search, concordance).
   Static code; the data come from the <script type="application/json"> block of each explorer.
   Text is only ever inserted with textContent. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function sel(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }
  function fmt(x, d) {
    if (x === null || x === undefined || isNaN(x)) { return "\u2013"; }
    return Number(x).toFixed(d).replace(/^-/, "\u2212");
  }
  function init(box) {
    if (box.getAttribute("data-dx-ready")) { return; }
    box.setAttribute("data-dx-ready", "1");
    var data = JSON.parse(box.querySelector("script.dx-data").textContent);
    var nojs = box.querySelector(".dx-nojs");
    if (nojs) { nojs.parentNode.removeChild(nojs); }
    var T = data.terms;  /* [term, gloss, count_a, count_b, rate_a, rate_b, statistic] */
    var A = data.labels.a, B = data.labels.b, thr = data.threshold;
    var plot = box.querySelector(".dx-plot"), tip = box.querySelector(".dx-tip");
    var input = box.querySelector(".dx-search"), status = box.querySelector(".dx-status");
    var hits = box.querySelector(".dx-hits"), conc = box.querySelector(".dx-conc");
    var W = 620, H = 520, L = 58, R = 12, TOP = 12, BOT = 48;
    var pos = [];
    T.forEach(function (t) { if (t[4] > 0) { pos.push(t[4]); } if (t[5] > 0) { pos.push(t[5]); } });
    var lo = pos.length ? Math.min.apply(null, pos) : 0.01, hi = pos.length ? Math.max.apply(null, pos) : 1;
    var zero = lo / 2;
    var l0 = Math.log10(zero), l1 = Math.log10(hi);
    if (l1 - l0 < 1) { l1 = l0 + 1; }
    var pad = (l1 - l0) * 0.04; l0 -= pad; l1 += pad;
    function sx(v) { return L + (Math.log10(v > 0 ? v : zero) - l0) / (l1 - l0) * (W - L - R); }
    function sy(v) { return H - BOT - (Math.log10(v > 0 ? v : zero) - l0) / (l1 - l0) * (H - TOP - BOT); }
    var svg = sel("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
    svg.setAttribute("aria-label", "Term rates per 1,000 tokens: " + A + " (x) against " + B + " (y), log scales");
    var grid = sel("g", {});
    for (var p = Math.ceil(l0); p <= Math.floor(l1); p++) {
      var v = Math.pow(10, p), x = sx(v), y = sy(v);
      grid.appendChild(sel("line", { x1: x, x2: x, y1: TOP, y2: H - BOT, stroke: "#eee" }));
      grid.appendChild(sel("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#eee" }));
      var lab = v >= 1 ? String(v) : v.toFixed(-p);
      if (x - sx(zero) < 22) { continue; }  /* too close to the "0" tick to be read */
      var tx = sel("text", { x: x, y: H - BOT + 14, "text-anchor": "middle", "font-size": 11, fill: "#555" }); tx.textContent = lab; grid.appendChild(tx);
      var ty = sel("text", { x: L - 5, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#555" }); ty.textContent = lab; grid.appendChild(ty);
    }
    var zx = sel("text", { x: sx(zero), y: H - BOT + 14, "text-anchor": "middle", "font-size": 11, fill: "#999" }); zx.textContent = "0"; grid.appendChild(zx);
    var zy = sel("text", { x: L - 5, y: sy(zero) + 4, "text-anchor": "end", "font-size": 11, fill: "#999" }); zy.textContent = "0"; grid.appendChild(zy);
    grid.appendChild(sel("line", { x1: sx(zero), y1: sy(zero), x2: sx(hi * 1.2), y2: sy(hi * 1.2), stroke: "#bbb", "stroke-dasharray": "4 3" }));
    var xl = sel("text", { x: (L + W - R) / 2, y: H - 10, "text-anchor": "middle", "font-size": 12 }); xl.textContent = A + ": per 1,000 tokens (log scale)"; grid.appendChild(xl);
    var yl = sel("text", { x: 14, y: (TOP + H - BOT) / 2, "text-anchor": "middle", "font-size": 12, transform: "rotate(-90 14 " + (TOP + H - BOT) / 2 + ")" }); yl.textContent = B + ": per 1,000 tokens (log scale)"; grid.appendChild(yl);
    svg.appendChild(grid);
    var dots = sel("g", {}), circles = [];
    var span = (l1 - l0) / 120;
    T.forEach(function (t, i) {
      var h1 = ((i + 1) * 2654435761) % 4294967296 / 4294967296 - 0.5, h2 = ((i + 7) * 40503) % 65536 / 65536 - 0.5;
      var cx = sx(t[4]) + h1 * span * (W - L - R), cy = sy(t[5]) + h2 * span * (H - TOP - BOT);
      var colour = t[6] >= thr ? data.colors.a : (t[6] <= -thr ? data.colors.b : "#b5b5b5");
      var c = sel("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: 3.2, fill: colour, "fill-opacity": 0.75, "data-i": i });
      circles.push(c); dots.appendChild(c);
    });
    svg.appendChild(dots);
    var labels = sel("g", {});
    function order(sign) {
      return T.map(function (t, i) { return i; }).filter(function (i) { return sign * T[i][6] > 0; })
        .sort(function (a, b) { return sign * (T[b][6] - T[a][6]) || a - b; });
    }
    var topA = order(1), topB = order(-1);
    topA.slice(0, data.n_labels).concat(topB.slice(0, data.n_labels)).forEach(function (i) {
      var c = circles[i], t = sel("text", { x: +c.getAttribute("cx") + 5, y: +c.getAttribute("cy") - 4, "font-size": 11, fill: "#222" });
      t.textContent = T[i][0]; labels.appendChild(t);
    });
    svg.appendChild(labels);
    plot.appendChild(svg);

    function describe(i) {
      var t = T[i];
      return t[0] + (t[1] ? "  " + t[1] : "") + "\n" +
        A + ": " + t[2] + " (" + fmt(t[4], 3) + " per 1,000)\n" +
        B + ": " + t[3] + " (" + fmt(t[5], 3) + " per 1,000)\n" +
        data.stat_name + ": " + fmt(t[6], 2);
    }
    svg.addEventListener("mousemove", function (e) {
      var i = e.target.getAttribute && e.target.getAttribute("data-i");
      if (i === null || i === undefined) { tip.hidden = true; return; }
      tip.textContent = describe(+i);
      var r = box.getBoundingClientRect();
      tip.style.left = (e.clientX - r.left + 12) + "px";
      tip.style.top = (e.clientY - r.top + 12) + "px";
      tip.hidden = false;
    });
    svg.addEventListener("mouseleave", function () { tip.hidden = true; });
    svg.addEventListener("click", function (e) {
      var i = e.target.getAttribute && e.target.getAttribute("data-i");
      if (i !== null && i !== undefined) { select(+i); }
    });

    var selected = null;
    function select(i) {
      if (selected !== null) { circles[selected].classList.remove("dx-selected"); }
      selected = i;
      var c = circles[i];
      c.classList.add("dx-selected");
      c.parentNode.appendChild(c);
      var t = T[i], lines = data.conc[i] || [], total = data.conc_total[i] || 0;
      while (conc.firstChild) { conc.removeChild(conc.firstChild); }
      conc.appendChild(el("h4", null, t[0] + (t[1] ? " \u2014 " + t[1] : "")));
      conc.appendChild(el("p", "dx-note", describe(i).split("\n").slice(1).join(" \u00b7 ")));
      var note = total === 0 ? "No concordance lines for this term." :
        (lines.length < total ? "Showing " + lines.length + " of " + total + " lines (at most " + data.max_lines + " per term in the page)." :
          total + (total === 1 ? " line." : " lines."));
      conc.appendChild(el("p", "dx-note dx-conc-count", note));
      var wrap = el("div", "dx-conc-box"), table = el("table"), tb = el("tbody");
      lines.forEach(function (ln) {
        var tr = el("tr", "dx-line");
        tr.appendChild(el("td", "dx-doc", ln[0]));
        tr.appendChild(el("td", "dx-left", ln[1]));
        tr.appendChild(el("td", "dx-kw", ln[2]));
        tr.appendChild(el("td", "dx-right", ln[3]));
        tb.appendChild(tr);
      });
      table.appendChild(tb); wrap.appendChild(table); conc.appendChild(wrap);
    }
    function button(i) {
      var b = el("button", null, T[i][0] + (T[i][1] ? " (" + T[i][1] + ")" : ""));
      b.type = "button";
      b.addEventListener("click", function () { select(i); });
      return b;
    }
    var side = box.querySelector(".dx-side");
    [[A, topA], [B, topB]].forEach(function (pair) {
      var d = el("div"), ol = el("ol");
      d.appendChild(el("h4", null, "Most characteristic of " + pair[0]));
      pair[1].slice(0, data.n_side).forEach(function (i) { var li = el("li"); li.appendChild(button(i)); ol.appendChild(li); });
      d.appendChild(ol); side.appendChild(d);
    });
    function search() {
      var q = input.value.trim().toLowerCase();
      circles.forEach(function (c) { c.classList.remove("dx-hit"); });
      while (hits.firstChild) { hits.removeChild(hits.firstChild); }
      if (q === "") { status.textContent = T.length + " terms"; return []; }
      var found = [];
      T.forEach(function (t, i) {
        var term = t[0].toLowerCase(), gloss = (t[1] || "").toLowerCase();
        var rank = term === q ? 0 : (term.indexOf(q) === 0 ? 1 : (term.indexOf(q) !== -1 ? 2 : (gloss.indexOf(q) !== -1 ? 3 : -1)));
        if (rank >= 0) { found.push([rank, -Math.abs(t[6]), i]); }
      });
      found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
      found.forEach(function (f) { circles[f[2]].classList.add("dx-hit"); circles[f[2]].parentNode.appendChild(circles[f[2]]); });
      found.slice(0, 20).forEach(function (f) { hits.appendChild(button(f[2])); });
      status.textContent = found.length === 0 ? "no term matches" : found.length + (found.length === 1 ? " term matches" : " terms match") +
        (found.length > 20 ? " (first 20 listed)" : "");
      if (found.length && found[0][0] === 0) { select(found[0][2]); }
      return found;
    }
    input.addEventListener("input", search);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { var f = search(); if (f.length) { select(f[0][2]); } }
    });
    search();
  }
  Array.prototype.forEach.call(document.querySelectorAll(".discourse-explorer"), init);
})();

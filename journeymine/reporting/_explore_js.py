"""The hand-written script of the explorable maps (private; no data in here, nothing fetched).

It reads each map's JSON (see :mod:`journeymine.reporting._explore`), draws the
chosen detail level as SVG, and handles the slider, zoom and pan (the SVG's
``viewBox``, never sideways scrolling), hover figures, a click for the top paths
through a touchpoint, and the switch between journeys and time. Data reaches the
page only through ``textContent`` and attribute values, never as markup.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["SCRIPT", "SCRIPT_HASH"]

SCRIPT = r"""
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg", MAX_EDGES = 300, LABELS = 60, PURPLE = "#7b3fa0";
  function el(tag, attrs, parent) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function fmtInt(n) { return n.toLocaleString("en-US"); }
  function fmtTime(s) {
    if (s === null || s === undefined) { return "–"; }
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) { return d + "d" + (h ? " " + h + "h" : ""); }
    if (h) { return h + "h" + (m ? " " + m + "m" : ""); }
    if (m) { return m + "m"; }
    return Math.round(s) + "s";
  }
  function pct(x) { return (100 * x).toFixed(1) + "%"; }
  function rounded(pts, r) {  // a polyline with rounded corners, as a path
    var d = "M" + pts[0][0] + "," + pts[0][1];
    for (var i = 1; i < pts.length - 1; i++) {
      var a = pts[i - 1], b = pts[i], c = pts[i + 1];
      var la = Math.hypot(b[0] - a[0], b[1] - a[1]), lc = Math.hypot(c[0] - b[0], c[1] - b[1]);
      var k = Math.min(r, la / 2, lc / 2);
      if (!la || !lc) { continue; }
      d += " L" + (b[0] + (a[0] - b[0]) / la * k) + "," + (b[1] + (a[1] - b[1]) / la * k) +
        " Q" + b[0] + "," + b[1] + " " + (b[0] + (c[0] - b[0]) / lc * k) + "," + (b[1] + (c[1] - b[1]) / lc * k);
    }
    var z = pts[pts.length - 1];
    return d + " L" + z[0] + "," + z[1];
  }
  function setup(box) {
    var src = document.getElementById(box.getAttribute("data-source"));
    var data = JSON.parse(src.textContent);
    var slider = box.querySelector("input[type=range]");
    var status = box.querySelector(".jm-x-status");
    var metric = box.querySelector("select");
    var svg = box.querySelector("svg");
    var tip = box.querySelector(".jm-x-tip");
    var panel = box.querySelector(".jm-x-panel");
    var view = null, full = null, level = data.open;
    slider.max = String(data.levels.length - 1);
    slider.value = String(level);
    function setView(v) { view = v; svg.setAttribute("viewBox", v.join(" ")); }
    function showTip(evt, lines) {
      tip.textContent = "";
      lines.forEach(function (t, i) {
        var p = document.createElement(i ? "div" : "b"); p.textContent = t; tip.appendChild(p);
      });
      var r = box.getBoundingClientRect();
      var x = Math.min(evt.clientX - r.left + 12, box.clientWidth - 240);
      tip.style.left = Math.max(0, x) + "px"; tip.style.top = (evt.clientY - r.top + 12) + "px";
      tip.hidden = false;
    }
    function hideTip() { tip.hidden = true; }
    function showVariants(node) {
      panel.textContent = "";
      var h = document.createElement("b");
      h.textContent = "Most frequent paths through \u201c" + node.name + "\u201d";
      panel.appendChild(h);
      var rows = data.variants[node.name] || [];
      var ol = document.createElement("ol");
      rows.forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = r[0].join(" \u2192 ") + " \u2014 " + fmtInt(r[1]) + " journeys (" + pct(r[2]) + ")";
        ol.appendChild(li);
      });
      if (!rows.length) {
        var p = document.createElement("p"); p.textContent = "None of the most frequent paths passes here.";
        panel.appendChild(p);
      }
      panel.appendChild(ol);
      panel.hidden = false;
    }
    var cache = {}, shownG = null;
    function made(i) {
      if (!cache[i]) {
        cache[i] = build(data.levels[i]);
        cache[i].g.setAttribute("visibility", "hidden");
        svg.appendChild(cache[i].g);
      }
      return cache[i];
    }
    function draw() {
      var c = made(level);
      // every level drawn stays in the map, hidden: a step only changes what is visible
      if (shownG && shownG !== c.g) { shownG.setAttribute("visibility", "hidden"); }
      c.g.setAttribute("visibility", "visible");
      shownG = c.g;
      svg.classList.toggle("jm-time", metric.value === "time");
      full = c.full.slice();
      if (!svg.style.height) {  // set once: a step never moves the rest of the page
        svg.style.height = Math.min(640, Math.max(260, full[3] * Math.min(1, box.clientWidth / full[2]))) + "px";
      }
      // a small map is not blown up: at most 1.4 screen pixels to a point
      var W = svg.clientWidth / 1.4, H = svg.clientHeight / 1.4;
      if (full[2] < W && full[3] < H) {
        full = [full[0] - (W - full[2]) / 2, full[1] - (H - full[3]) / 2, W, H];
      }
      setView(full.slice());
      status.textContent = c.status;
      box.setAttribute("data-nodes", String(c.nodes));
    }
    function build(lv) {
      var pos = lv.pos, root = el("g", {}, null);
      var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      Object.keys(pos).forEach(function (k) {
        var p = pos[k];
        minX = Math.min(minX, p[0] - p[2] / 2); maxX = Math.max(maxX, p[0] + p[2] / 2);
        minY = Math.min(minY, p[1] - p[3] / 2); maxY = Math.max(maxY, p[1] + p[3] / 2);
      });
      var shown = lv.edges.slice().sort(function (a, b) { return data.edges[b][2] - data.edges[a][2]; });
      var cut = Math.max(0, shown.length - MAX_EDGES);
      shown = shown.slice(0, MAX_EDGES);
      var top = shown.length ? Math.max(1, data.edges[shown[0]][2]) : 1;
      var gE = el("g", {"class": "jm-x-edges"}, root), gA = el("g", {"class": "jm-x-after"}, root);
      var gN = el("g", {"class": "jm-x-nodes"}, root), gB = el("g", {"class": "jm-x-badges"}, root);
      var arcs = 0;
      shown.forEach(function (i, rank) {
        var e = data.edges[i], a = pos[e[0]], b = pos[e[1]];
        if (!a || !b) { return; }
        var w = 0.8 + 7 * e[2] / top, d, lx, ly, back = false;
        if (e[0] === e[1]) {
          var y0 = a[1] - a[3] / 2;
          d = "M" + (a[0] - 8) + "," + y0 + " C" + (a[0] - 22) + "," + (y0 - 30) + " " + (a[0] + 22) + "," + (y0 - 30) + " " + (a[0] + 8) + "," + y0;
          lx = a[0]; ly = y0 - 26; back = true;
        } else if (b[0] > a[0]) {
          var x1 = a[0] + a[2] / 2, x2 = b[0] - b[2] / 2, mx = (x1 + x2) / 2;
          d = "M" + x1 + "," + a[1] + " C" + mx + "," + a[1] + " " + mx + "," + b[1] + " " + x2 + "," + b[1];
          lx = mx; ly = (a[1] + b[1]) / 2;
        } else {
          arcs += 1;
          var ya = a[1] - a[3] / 2, yb = b[1] - b[3] / 2, lift = Math.min(110, 24 + 0.08 * Math.abs(a[0] - b[0]));
          var yc = Math.min(ya, yb) - lift;
          d = "M" + a[0] + "," + ya + " C" + a[0] + "," + yc + " " + b[0] + "," + yc + " " + b[0] + "," + yb;
          lx = (a[0] + b[0]) / 2; ly = yc + lift / 4; back = true;
          minY = Math.min(minY, yc);
        }
        var path = el("path", {d: d, "stroke-width": w.toFixed(2), "class": back ? "jm-x-back" : "jm-x-fwd"}, gE);
        if (rank < LABELS) {  // both labels drawn: the switch only shows one or the other
          el("text", {x: lx, y: ly - 3, "class": "jm-x-elabel jm-x-j"}, gE).textContent = fmtInt(e[2]);
          if (e[4] !== null) {
            el("text", {x: lx, y: ly - 3, "class": "jm-x-elabel jm-x-t"}, gE).textContent = fmtTime(e[4]);
          }
        }
        path.setAttribute("data-e", String(i));
      });
      var ntop = 1;
      Object.keys(pos).forEach(function (k) { var n = data.nodes[k]; if (!n.marker) { ntop = Math.max(ntop, n.journeys); } });
      Object.keys(pos).forEach(function (k) {
        var n = data.nodes[k], p = pos[k], g = el("g", {"class": "jm-x-node"}, gN);
        if (n.marker) {
          el("circle", {cx: p[0], cy: p[1], r: p[2] / 2, "class": "jm-x-" + n.name}, g);
          var mt = el("text", {x: p[0], y: p[1] + 3, "class": "jm-x-mlabel"}, g); mt.textContent = n.name;
          return;
        }
        var shade = Math.round(235 - 90 * n.journeys / ntop);
        el("rect", {x: p[0] - p[2] / 2, y: p[1] - p[3] / 2, width: p[2], height: p[3], rx: 5,
          fill: "rgb(" + (shade - 40) + "," + (shade - 10) + ",250)"}, g);
        var lines = n.lines.concat([fmtInt(n.journeys) + " journeys"]);
        var y = p[1] - (lines.length - 1) * 5.4;
        lines.forEach(function (ln, j) {
          var t = el("text", {x: p[0], y: y + j * 10.8 + 3, "class": j === lines.length - 1 ? "jm-x-fig" : ""}, g);
          t.textContent = ln;
        });
        g.setAttribute("data-n", k);
      });
      // what follows the goal: a badge under each goal touchpoint, dashed purple arcs below
      // the boxes to where its journeys first turned (styles set here: the page's style
      // sheet has no rule for them)
      // an arc leaves the goal's box towards the other, runs down the gap beside its
      // column, below every box, and up the gap beside the other's column (straight across
      // the gap between next columns): it crosses no box, as in the static picture
      var flowsN = 0, half = {}, floor = maxY, used = {};
      Object.keys(pos).forEach(function (k) {
        var p = pos[k], c = String(p[0]); half[c] = Math.max(half[c] || 0, p[2] / 2);
      });
      var cols = Object.keys(half).map(Number);
      (data.after ? data.after.goals : []).forEach(function (g, gi) {
        var a = pos[g.node];
        if (!a) { return; }
        var ftop = 1;
        g.flows.forEach(function (f) { ftop = Math.max(ftop, f[1]); });
        g.flows.forEach(function (f, j) {
          var b = pos[f[0]];
          if (!b) { return; }
          flowsN += 1;
          var way = b[0] >= a[0] ? 1 : -1, into = b[0] === a[0] ? 1 : -way;
          var gx = a[0] + way * (half[String(a[0])] + 8 + 4 * j), tx = b[0] + into * (half[String(b[0])] + 8 + 4 * j);
          var lo = Math.min(a[0], b[0]), hi = Math.max(a[0], b[0]), pts, lx, ly;
          var start = [a[0] + way * a[2] / 2, a[1]], end = [b[0] + into * b[2] / 2, b[1]];
          if (a[0] !== b[0] && !cols.some(function (c) { return c > lo && c < hi; })) {
            var mx = (gx + tx) / 2;
            pts = [start, [mx, a[1]], [mx, b[1]], end]; lx = mx; ly = (a[1] + b[1]) / 2;
          } else {
            var level = floor + 24, key = Math.round(Math.min(gx, tx)) + ":" + Math.round(Math.max(gx, tx));
            Object.keys(used).forEach(function (u) {
              var ab = u.split(":").map(Number);
              if (ab[0] <= Math.max(gx, tx) + 6 && ab[1] >= Math.min(gx, tx) - 6) { level = Math.max(level, used[u] + 10); }
            });
            used[key] = level;
            pts = [start, [gx, a[1]], [gx, level], [tx, level], [tx, b[1]], end]; lx = (gx + tx) / 2; ly = level;
            maxY = Math.max(maxY, level + 6);
          }
          var path = el("path", {d: rounded(pts, 8), "stroke-width": (0.8 + 3 * f[1] / ftop).toFixed(2), "class": "jm-x-flow"}, gA);
          path.style.stroke = PURPLE; path.style.strokeDasharray = "5 3"; path.style.strokeOpacity = "0.85";
          path.setAttribute("data-f", gi + "," + j);
          var t = el("text", {x: lx, y: ly - 3, "class": "jm-x-elabel"}, gB);
          t.style.fill = PURPLE; t.textContent = fmtInt(f[1]);
        });
        var badge = el("text", {x: a[0], y: a[1] + a[3] / 2 + 9, "class": "jm-x-badge"}, gB);
        badge.style.fill = PURPLE; badge.style.fontSize = "7.5px"; badge.textContent = g.badge;
        maxY = Math.max(maxY, a[1] + a[3] / 2 + 12);
      });
      var pad = 20;
      return {g: root, nodes: gN.childNodes.length,
        full: [minX - pad, minY - pad, maxX - minX + 2 * pad, maxY - minY + 2 * pad],
        status: "Showing " + lv.n + " of " + data.total + " " + data.unit + "; the shown map traces " +
          pct(lv.cover) + " of " + fmtInt(data.journeys) + (data.journeys === 1 ? " journey" : " journeys") + " completely" +
          (cut ? "; the " + fmtInt(cut) + " rarest steps are left out (the tables list every step)" : "") +
          (arcs ? "; orange arcs: steps back" : "") +
          (flowsN ? "; dashed purple: where journeys turned first within " + data.after.within + " after the goal" : "") + "."};
    }
    function target(evt, attr) {
      var t = evt.target;
      while (t && t !== svg) { if (t.getAttribute && t.getAttribute(attr) !== null) { return t.getAttribute(attr); } t = t.parentNode; }
      return null;
    }
    svg.addEventListener("mousemove", function (evt) {
      if (drag && (evt.buttons & 1)) { return; }
      var k = target(evt, "data-n"), i = target(evt, "data-e"), f = target(evt, "data-f");
      if (k !== null) {
        var n = data.nodes[k];
        var goal = data.after ? data.after.goals.filter(function (g) { return String(g.node) === k; }) : [];
        showTip(evt, [n.name, fmtInt(n.journeys) + " journeys, " + fmtInt(n.events) + " events",
          fmtInt(n.starts) + " start here, " + fmtInt(n.ends) + " end here"].concat(
          goal.length ? goal[0].lines : [], ["click: the paths through it"]));
      } else if (f !== null) {
        var gf = data.after.goals[+f.split(",")[0]], fl = gf.flows[+f.split(",")[1]];
        showTip(evt, ["after " + data.nodes[gf.node].name + " \u2192 " + data.nodes[fl[0]].name,
          fmtInt(fl[1]) + " journeys first turned here within " + data.after.within + " after the goal"]);
      } else if (i !== null) {
        var e = data.edges[i];
        showTip(evt, [data.nodes[e[0]].name + " \u2192 " + data.nodes[e[1]].name,
          fmtInt(e[2]) + " journeys, " + fmtInt(e[3]) + " times", "median time: " + fmtTime(e[4])]);
      } else { hideTip(); }
    });
    svg.addEventListener("mouseleave", hideTip);
    svg.addEventListener("click", function (evt) {
      var k = target(evt, "data-n");
      if (k !== null) { showVariants(data.nodes[k]); }
    });
    slider.addEventListener("input", function () { level = +slider.value; hideTip(); draw(); });
    metric.addEventListener("change", function () { svg.classList.toggle("jm-time", metric.value === "time"); });
    function zoom(f, cx, cy) {
      var v = view.slice(), w = v[2] * f, h = v[3] * f;
      if (w > full[2] * 4 || w < 40) { return; }
      cx = cx === undefined ? v[0] + v[2] / 2 : cx; cy = cy === undefined ? v[1] + v[3] / 2 : cy;
      setView([cx - (cx - v[0]) * f, cy - (cy - v[1]) * f, w, h]);
    }
    function toMap(evt) {
      var r = svg.getBoundingClientRect(), s = Math.max(view[2] / r.width, view[3] / r.height);
      var ox = (r.width * s - view[2]) / 2, oy = (r.height * s - view[3]) / 2;
      return [view[0] - ox + (evt.clientX - r.left) * s, view[1] - oy + (evt.clientY - r.top) * s, s];
    }
    svg.addEventListener("wheel", function (evt) {
      evt.preventDefault(); var p = toMap(evt); zoom(evt.deltaY > 0 ? 1.2 : 1 / 1.2, p[0], p[1]);
    }, {passive: false});
    var drag = null;
    svg.addEventListener("pointerdown", function (evt) { drag = [evt.clientX, evt.clientY, view.slice(), toMap(evt)[2]]; });
    window.addEventListener("pointerup", function () { drag = null; });
    svg.addEventListener("pointermove", function (evt) {
      if (!drag || !(evt.buttons & 1)) { return; }
      var s = drag[3];
      setView([drag[2][0] - (evt.clientX - drag[0]) * s, drag[2][1] - (evt.clientY - drag[1]) * s, drag[2][2], drag[2][3]]);
    });
    box.querySelector(".jm-x-in").addEventListener("click", function () { zoom(1 / 1.3); });
    box.querySelector(".jm-x-out").addEventListener("click", function () { zoom(1.3); });
    box.querySelector(".jm-x-fit").addEventListener("click", function () { setView(full.slice()); });
    box.hidden = false;  // shown first: the map is sized to the room it has
    // without this script (a notebook that runs none) the static picture stays open
    var still = box.parentNode.querySelector("details.jm-static");
    if (still) { still.open = false; }
    draw();
    // the other levels are drawn ahead, one at a time while the page is idle: a step then only swaps
    var todo = data.levels.map(function (_, i) { return i; });
    (function ahead() {
      while (todo.length && cache[todo[0]]) { todo.shift(); }
      if (!todo.length) { box.setAttribute("data-ready", "1"); return; }
      made(todo[0]);
      setTimeout(ahead, 0);
    })();
  }
  // on paper, the static pictures stand in for the maps
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.jm-static").forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details.jm-static").forEach(function (d) { d.open = false; });
  });
  var boxes = document.querySelectorAll(".jm-explore");
  for (var i = 0; i < boxes.length; i++) { setup(boxes[i]); }
})();
"""

#: The script's CSP source (``'sha256-...'``): the one inline script the page may run.
SCRIPT_HASH = (
    "'sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode() + "'"
)

// interleave timeline: draws the runs in the "timeline-data" element.
// Every text from the data reaches the page through textContent or an
// attribute, never as markup. The lanes are painted on a canvas the width
// of the view, and the event list shows only the rows in view, so that a
// run of ten thousand steps draws as fast as one of a hundred.
(function () {
  "use strict";
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("timeline-data").textContent);
  var CW_MIN = 4, CW_MAX = 22, LANE_H = 26, AXIS_H = 20, PAD = 4, ROW_H = 19, LIST_MAX = 40;
  var VIOLATIONS_SHOWN = 8, FOLLOW_BUTTONS = 8, TASKS_SHOWN = 16;
  var GREY = "#7d8799", IDLE = "#cfd6df", FOLLOW = "#ff6d00", PRE = "#e53935";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function put(parent, child) { parent.appendChild(child); return child; }
  function svgEl(tag) { return document.createElementNS("http://www.w3.org/2000/svg", tag); }

  // prepare indexes a run: events by step, kinds and marks by name.
  function prepare(r) {
    r.n = r.steps.length;
    r.events = r.events || []; r.state = r.state || []; r.threads = r.threads || [];
    r.verdict = r.verdict || {}; r.verdict.violations = r.verdict.violations || [];
    r.evAt = new Array(r.n + 1);
    r.kindOrder = []; r.kind = {}; r.used = {};
    (r.kinds || []).forEach(function (k) { r.kind[k.name] = k; r.kindOrder.push(k.name); });
    r.events.forEach(function (e, i) {
      (r.evAt[e.step] = r.evAt[e.step] || []).push(i);
      if (!r.kind[e.kind]) { r.kind[e.kind] = { name: e.kind }; r.kindOrder.push(e.kind); }
      r.used[e.kind] = true;
    });
    r.mark = {};
    (r.marks || []).forEach(function (m) { r.mark[m.name] = m; });
    r.thread = {};
    r.threads.forEach(function (t) { r.thread[t.item] = t; });
    return r;
  }
  function kindColor(r, k) { return (r.kind[k] && r.kind[k].color) || GREY; }
  function kindLabel(r, k) { return (r.kind[k] && r.kind[k].label) || k; }
  function laneName(r, n) { return r.lanes[r.steps[n - 1].lane].name; }

  var runs = D.runs.map(prepare);
    var maxN = Math.max.apply(null, runs.map(function (r) { return r.n; }));
  var views = [];
  var cur = 1;

  // ---- header: slider and keys ----
  var app = document.getElementById("app");
  var header = el("header");
  var slider = el("input"); slider.type = "range"; slider.min = 1; slider.max = maxN; slider.value = 1;
  slider.setAttribute("aria-label", "step");
  var pos = el("span", "pos");
  var prev = el("button", null, "\u25c0"), next = el("button", null, "\u25b6");
  prev.title = "previous step (\u2190)"; next.title = "next step (\u2192)";
  add(header, el("h1", null, "interleave timeline"), prev, slider, next, pos,
    el("span", "hint", "\u2190/\u2192 step \u00b7 Shift+\u2190/\u2192 next event \u00b7 Home/End \u00b7 click a step"));
  var main = el("main", "runs");
  main.style.gridTemplateColumns = "repeat(" + runs.length + ", minmax(0, 1fr))";
  add(app, header, main);
  var tip = el("div", "tip"); tip.hidden = true; add(document.body, tip);

  runs.forEach(function (r, i) { views.push(buildRun(r, i)); });
  
  // ---- one run ----
  function buildRun(r, ri) {
    var v = { r: r, hiddenLanes: {}, hiddenKinds: {}, follow: null, cw: 10, rows: [] };
    var sec = el("section", "run"); sec.dataset.run = ri;
    v.sec = sec;
    var vd = el("div", "verdict " + (r.verdict.failed ? "fail" : "pass"));
    add(vd, el("span", "badge", r.verdict.failed ? "FAIL" : "PASS"), el("span", "title", r.title || ("run " + (ri + 1))));
    add(sec, vd);
    // The violations tell the story; the summary says it in one line.
    if (r.verdict.summary && !r.verdict.violations.length) add(sec, el("div", "summary", r.verdict.summary));
    if (r.verdict.violations.length) {
      // The first few violations are listed; the rest wait in a fold, drawn
      // when it opens.
      var ul = el("ul", "violations"), vs = r.verdict.violations;
      var item = function (x) {
        var li = el("li");
        if (x.step > 0) {
          var a = el("a", "vstep", "step " + x.step);
          a.onclick = function () {
            var it = (x.items || []).filter(function (k) { return r.thread[k]; })[0];
            if (it) setFollow(v, it);
            select(x.step);
          };
          add(li, a, document.createTextNode(" "));
        }
        add(li, el("span", null, x.text));
        (x.items || []).forEach(function (k) { if (r.thread[k]) add(li, followButton(v, k)); });
        return li;
      };
      vs.slice(0, VIOLATIONS_SHOWN).forEach(function (x) { add(ul, item(x)); });
      add(sec, ul);
      if (vs.length > VIOLATIONS_SHOWN) {
        var more = el("details", "more-violations"), rest = el("ul", "violations");
        add(more, el("summary", null, (vs.length - VIOLATIONS_SHOWN) + " more violations"), rest);
        more.addEventListener("toggle", function () {
          if (more.open && !rest.firstChild) vs.slice(VIOLATIONS_SHOWN).forEach(function (x) { add(rest, item(x)); });
        });
        add(sec, more);
      }
    }
    // filters
    var fl = el("div", "filters"), tasks = fl;
    if (r.lanes.length > TASKS_SHOWN) {
      // Many tasks: their boxes wait in a fold.
      var fold = put(fl, el("details", "tasks"));
      add(fold, el("summary", null, "tasks (" + r.lanes.length + ")"));
      tasks = put(fold, el("div", "filters"));
    } else add(fl, el("b", null, "tasks"));
    r.lanes.forEach(function (l, li) {
      add(tasks, checkbox("lane", l.name, null, function (on) { v.hiddenLanes[li] = !on; applyFilters(v); }));
    });
    if (r.events.length) {
      add(fl, el("b", null, "events"));
      r.kindOrder.forEach(function (k) {
        if (r.used[k]) add(fl, checkbox("kind", kindLabel(r, k), kindColor(r, k), function (on) { v.hiddenKinds[k] = !on; applyFilters(v); }, k));
      });
    }
    if (r.threads.length) {
      add(fl, el("b", null, "follow"));
      if (r.threads.length <= FOLLOW_BUTTONS) r.threads.forEach(function (t) { add(fl, followButton(v, t.item)); });
      else {
        // Many threads: a menu instead of a row of buttons.
        var menu = put(fl, el("select", "follow-menu"));
        add(menu, el("option", null, "(none)"));
        r.threads.forEach(function (t) { var o = el("option", null, t.item + (t.title ? ": " + t.title : "")); o.value = t.item; add(menu, o); });
        menu.onchange = function () { setFollow(v, menu.selectedIndex > 0 ? menu.value : null); };
        v.menu = menu;
      }
    }
    add(sec, fl);
    // lanes: names, and a canvas that stays in view while the grid scrolls
    var lanes = el("div", "lanes"), names = el("div", "names"), scroll = el("div", "scroll"), grid = el("div", "grid");
    add(names, el("div", "axisname", "step"));
    // The names scroll with the lanes (a run can have hundreds of tasks).
    v.nameList = put(names, el("div", "namelist"));
    v.nameRows = r.lanes.map(function (l) { var d = el("div", "lname", l.name); d.title = l.name; return put(v.nameList, d); });
    v.canvas = put(grid, el("canvas"));
    var vsteps = [], vitems = {};
    r.verdict.violations.forEach(function (x) {
      if (x.step <= 0) return;
      if (!vitems[x.step]) { vitems[x.step] = []; vsteps.push(x.step); }
      (x.items || []).forEach(function (k) { if (vitems[x.step].indexOf(k) < 0) vitems[x.step].push(k); });
    });
    v.vmarks = vsteps.map(function (n) {
      var m = el("div", "vmark"); m.dataset.step = n;
      add(m, el("span", null, "\u2717 " + (vitems[n].length ? vitems[n].join(" ") : "violation")));
      return put(grid, m);
    });
    v.svg = put(grid, svgEl("svg")); v.svg.setAttribute("class", "thread");
    v.cursor = put(grid, el("div", "cursor"));
    add(lanes, names, add(scroll, grid));
    v.scroll = scroll; v.grid = grid;
    add(sec, lanes);
    v.threadPanel = put(sec, el("div", "thread-panel")); v.threadPanel.hidden = true;
    scroll.addEventListener("scroll", function () { v.nameList.scrollTop = scroll.scrollTop; paint(v); });
    grid.addEventListener("mousemove", function (e) { hover(v, e); });
    grid.addEventListener("mouseleave", function () { tip.hidden = true; });
    grid.addEventListener("click", function (e) { var n = stepAtPoint(v, e); if (n) select(n); });
    // panels: state and the selected step
    var panels = el("div", "panels");
    var st = el("div", "panel state"); v.stateH = put(st, el("h3")); v.stateBody = put(st, el("div", "groups"));
    var inf = el("div", "panel info"); v.infoH = put(inf, el("h3")); v.infoBody = put(inf, el("div"));
    add(sec, add(panels, st, inf));
    // event list: a tall spacer, and only the rows in view drawn in it
    if (r.events.length) {
      var det = el("details", "log"); det.open = true;
      v.logSum = put(det, el("summary"));
      v.logBox = put(det, el("div", "logrows"));
      v.logSpace = put(v.logBox, el("div", "logspace"));
      v.logBox.addEventListener("scroll", function () { drawRows(v); });
      add(sec, det);
    }
    // reproduction
    if (r.schedule || (r.repro && r.repro.length)) {
      var rp = el("div", "panel repro"); add(rp, el("h3", null, "reproduce"));
      (r.repro || []).forEach(function (x) {
        add(rp, add(el("div", "line"), el("span", "lbl", x.label), el("code", null, x.command), copyButton(x.command)));
      });
      if (r.schedule) {
        add(rp, add(el("div", "line"), el("span", "lbl", "schedule"), el("span", "empty", r.schedule.split("\n").length + " lines"), copyButton(r.schedule)),
          el("pre", "schedule", r.schedule));
      }
      add(sec, rp);
    }
    add(main, sec);
    return v;
  }

  function checkbox(what, label, color, onchange, kind) {
    var l = el("label"), b = el("input"); b.type = "checkbox"; b.checked = true;
    b.dataset.filter = what; if (kind) b.dataset.kind = kind;
    b.onchange = function () { onchange(b.checked); };
    add(l, b);
    if (color) { var sw = el("span", "sw"); sw.style.background = color; add(l, sw); }
    return add(l, document.createTextNode(label));
  }
  function followButton(v, k) {
    var b = el("button", "follow", "follow " + k); b.dataset.item = k;
    b.onclick = function () { setFollow(v, v.follow === k ? null : k); };
    return b;
  }
  function copyButton(text) {
    var b = el("button", "copy", "copy");
    b.onclick = function () {
      var done = function () { b.textContent = "copied"; b.dataset.copied = "1"; };
      var fallback = function () {
        var ta = el("textarea"); ta.value = text; document.body.appendChild(ta); ta.select();
        var ok = false; try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        ta.remove();
        if (ok) done(); else b.textContent = "select and copy by hand";
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    };
    return b;
  }

  // ---- geometry ----
  // Lanes shown, top to bottom; a hidden lane takes no room.
  function shownLanes(v) {
    var out = [];
    v.r.lanes.forEach(function (l, i) { if (!v.hiddenLanes[i]) out.push(i); });
    return out;
  }
  function x(v, n) { return (n - 0.5) * v.cw + PAD; }
  function laneY(v, lane) { var i = v.shown.indexOf(lane); return i < 0 ? -1 : AXIS_H + i * LANE_H; }

  function layout(v) {
    // Read the geometry, write, read once more: two layouts of the page,
    // not one per property; paint and render use what was read.
    var r = v.r, sc = v.scroll;
    v.viewW = sc.clientWidth;
    var avail = v.viewW - 2 * PAD;
    v.cw = Math.max(CW_MIN, Math.min(CW_MAX, avail / r.n));
    v.shown = shownLanes(v);
    v.width = r.n * v.cw + 2 * PAD;
    v.height = AXIS_H + v.shown.length * LANE_H;
    v.grid.style.width = v.width + "px";
    v.grid.style.height = v.height + "px";
    v.viewW = sc.clientWidth; v.viewH = sc.clientHeight;
    v.nameList.style.height = Math.max(0, Math.min(v.viewH, v.height) - AXIS_H) + "px";
    v.vmarks.forEach(function (m) { m.style.left = x(v, +m.dataset.step) + "px"; });
    r.lanes.forEach(function (l, i) { v.nameRows[i].hidden = !!v.hiddenLanes[i]; });
    drawThread(v);
    paint(v);
  }

  // stripes lists the colours of a step's shown events' kinds, each once.
  function stripes(v, n) {
    var r = v.r, cols = [];
    (r.evAt[n] || []).forEach(function (i) {
      var k = r.events[i].kind;
      if (v.hiddenKinds[k]) return;
      var c = kindColor(r, k);
      if (cols.indexOf(c) < 0) cols.push(c);
    });
    return cols;
  }

  // paint draws the part of the lanes in view on the canvas, which is as
  // big as the view and stays at the scroll position (sticky): a run of any
  // length and any number of tasks costs the same to draw.
  function paint(v) {
    var r = v.r, cv = v.canvas, sc = v.scroll, w = v.viewW, h = Math.min(v.viewH, v.height), dpr = window.devicePixelRatio || 1;
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
      cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr);
      cv.style.width = w + "px"; cv.style.height = h + "px";
    }
    var g = cv.getContext("2d"), left = sc.scrollLeft, top = sc.scrollTop, cw = v.cw;
    g.setTransform(dpr, 0, 0, dpr, -left * dpr, -top * dpr);
    g.clearRect(left, top, w, h);
    var lo = Math.max(0, Math.floor((top - AXIS_H) / LANE_H)), hi = Math.min(v.shown.length, Math.ceil((top + h - AXIS_H) / LANE_H));
    for (var i = lo; i < hi; i++) {
      if (i % 2) { g.fillStyle = "#fbfcfd"; g.fillRect(left, AXIS_H + i * LANE_H, w, LANE_H); }
      g.fillStyle = "#eef1f5"; g.fillRect(left, AXIS_H + i * LANE_H, w, 1);
    }
    var first = Math.max(1, Math.floor((left - PAD) / cw)), last = Math.min(r.n, Math.ceil((left + w) / cw) + 1);
    var bw = Math.max(1, cw - (cw > 6 ? 2 : 1)), on = v.followSteps || {};
    for (var n = first; n <= last; n++) {
      var s = r.steps[n - 1], y = laneY(v, s.lane);
      if (y < 0 || y + LANE_H < top || y > top + h) continue;
      var bx = (n - 1) * cw + PAD + (cw - bw) / 2, cols = stripes(v, n);
      if (on[n]) { g.fillStyle = FOLLOW; g.fillRect(bx - 2, y + 2, bw + 4, LANE_H - 4); g.fillStyle = "#fff"; g.fillRect(bx - 1, y + 3, bw + 2, LANE_H - 6); }
      if (!cols.length) { g.fillStyle = IDLE; g.fillRect(bx, y + 9, bw, 8); }
      else {
        for (var c = 0; c < cols.length; c++) { g.fillStyle = cols[c]; g.fillRect(bx + bw * c / cols.length, y + 4, bw / cols.length, LANE_H - 8); }
      }
      if (s.pre) {
        g.fillStyle = PRE; g.beginPath();
        g.moveTo(bx + bw / 2 - 4, y - 1); g.lineTo(bx + bw / 2 + 4, y - 1); g.lineTo(bx + bw / 2, y + 5); g.closePath(); g.fill();
      }
    }
    // The axis stays at the top of the view.
    g.fillStyle = "#fff"; g.fillRect(left, top, w, AXIS_H);
    g.fillStyle = "#8a93a5"; g.font = "10px system-ui, sans-serif"; g.textAlign = "center"; g.textBaseline = "middle";
    var every = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].filter(function (k) { return k * cw >= 34; })[0] || 10000;
    for (var k = Math.ceil(first / every) * every; k <= last; k += every) g.fillText(String(k), x(v, k), top + AXIS_H / 2);
  }

  // ---- filters ----
  function applyFilters(v) {
    layout(v);
    listRows(v);
    render(v);
  }

  // ---- following an item ----
  function setFollow(v, k) {
    v.follow = k;
    var r = v.r, t = k && r.thread[k];
    v.followSteps = {};
    if (t) t.steps.forEach(function (s) { v.followSteps[s.step] = true; });
    v.sec.querySelectorAll("button.follow").forEach(function (b) { b.classList.toggle("on", b.dataset.item === k); });
    if (v.menu) v.menu.value = t ? k : "(none)";
    v.threadPanel.hidden = !t;
    v.threadPanel.textContent = "";
    if (t) {
      add(v.threadPanel, el("b", null, "following " + k + (t.title ? ": " + t.title : "")));
      var ol = el("ol");
      t.steps.forEach(function (s) {
        var li = el("li"); li.dataset.step = s.step;
        var a = el("a", null, "step " + s.step); a.onclick = function () { select(s.step); };
        add(ol, add(li, a, document.createTextNode(" \u00b7 " + laneName(r, s.step) + " \u00b7 " + s.text)));
      });
      add(v.threadPanel, ol);
    }
    drawThread(v);
    paint(v);
    drawRows(v);
    render(v);
  }
  function drawThread(v) {
    var svg = v.svg, r = v.r, t = v.follow && r.thread[v.follow];
    svg.textContent = "";
    svg.setAttribute("width", v.width || 0);
    svg.setAttribute("height", v.height || 0);
    if (!t || !v.shown) return;
    var pts = [];
    t.steps.forEach(function (s, i) {
      var y = laneY(v, r.steps[s.step - 1].lane);
      if (y >= 0) pts.push([x(v, s.step), y + LANE_H / 2, i + 1]);
    });
    var pl = svgEl("polyline");
    pl.setAttribute("points", pts.map(function (p) { return p[0] + "," + p[1]; }).join(" "));
    svg.appendChild(pl);
    pts.forEach(function (p) {
      var c = svgEl("circle"); c.setAttribute("cx", p[0]); c.setAttribute("cy", p[1]); c.setAttribute("r", 7);
      var tx = svgEl("text"); tx.setAttribute("x", p[0]); tx.setAttribute("y", p[1]); tx.textContent = p[2];
      svg.appendChild(c); svg.appendChild(tx);
    });
  }

  // ---- hover and click: the column under the pointer is the step ----
  function stepAtPoint(v, e) {
    var b = v.grid.getBoundingClientRect(), gx = e.clientX - b.left, gy = e.clientY - b.top;
    var n = Math.floor((gx - PAD) / v.cw) + 1;
    return gy - v.scroll.scrollTop >= AXIS_H && n >= 1 && n <= v.r.n && !v.hiddenLanes[v.r.steps[n - 1].lane] ? n : 0;
  }
  function hover(v, e) {
    var n = stepAtPoint(v, e);
    if (!n) { tip.hidden = true; return; }
    if (tip.hidden || tip.dataset.step !== v.r.n + ":" + n) {
      tip.textContent = "";
      tip.dataset.step = v.r.n + ":" + n;
      add(tip, stepInfo(v, n, true));
    }
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = Math.min(e.clientX + 12, window.innerWidth - w - 4), top = e.clientY + 16;
    if (top + h > window.innerHeight) top = e.clientY - h - 8;
    tip.style.left = Math.max(4, left) + "px"; tip.style.top = Math.max(4, top) + "px";
  }
  // stepInfo renders what step n did: task, label, preemption, events, notes.
  function stepInfo(v, n, brief) {
    var r = v.r, box = el("div"), s = r.steps[n - 1];
    add(box, el("div", brief ? "h" : "head", "step " + n + " \u00b7 " + laneName(r, n) + " \u00b7 " + s.label));
    if (s.pre) add(box, el("div", "pre", "preempted: the scheduler switched to this task while the previous one could go on"));
    (r.evAt[n] || []).forEach(function (i) {
      var e = r.events[i];
      if (v.hiddenKinds[e.kind]) return;
      add(box, add(el("div", "ev"), kindBadge(r, e.kind), el("span", null, e.text)));
    });
    (s.notes || []).forEach(function (t) { add(box, el("div", "note", t)); });
    return box;
  }
  function kindBadge(r, k) { var b = el("span", "kd", kindLabel(r, k)); b.style.background = kindColor(r, k); return b; }

  // ---- the event list ----
  // listRows picks the events the filters let through.
  function listRows(v) {
    if (!v.logBox) return;
    var r = v.r;
    v.rows = [];
    r.events.forEach(function (e, i) {
      if (!v.hiddenKinds[e.kind] && !v.hiddenLanes[r.steps[e.step - 1].lane]) v.rows.push(i);
    });
    v.logSum.textContent = "events (" + v.rows.length + (v.rows.length < r.events.length ? " of " + r.events.length : "") + ")";
    v.logSpace.style.height = v.rows.length * ROW_H + "px";
    drawRows(v);
  }
  // drawRows draws the rows in view.
  function drawRows(v) {
    if (!v.logBox) return;
    var r = v.r, box = v.logBox, from = Math.floor(box.scrollTop / ROW_H), to = Math.min(v.rows.length, from + Math.ceil((box.clientHeight || 260) / ROW_H) + 1);
    v.logSpace.textContent = "";
    var n = Math.min(cur, r.n);
    for (var j = from; j < to; j++) {
      var i = v.rows[j], e = r.events[i], row = el("div", "row");
      row.style.top = j * ROW_H + "px";
      row.dataset.step = e.step; row.dataset.kind = e.kind;
      if (e.step === n) row.classList.add("at");
      if (v.follow && (e.items || []).indexOf(v.follow) >= 0) row.classList.add("fl");
      add(row, el("span", "n", e.step), el("span", "t", laneName(r, e.step)), add(el("span", "t"), kindBadge(r, e.kind), document.createTextNode(" " + e.text)));
      row.onclick = (function (s) { return function () { select(s); }; })(e.step);
      v.logSpace.appendChild(row);
    }
  }
  // scrollRows brings the first row at or after step n into view.
  function scrollRows(v, n) {
    if (!v.logBox) return;
    var lo = 0, hi = v.rows.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (v.r.events[v.rows[mid]].step < n) lo = mid + 1; else hi = mid; }
    v.logBox.scrollTop = Math.max(0, lo * ROW_H - 2 * ROW_H);
    drawRows(v);
  }

  // ---- state at a step ----
  // stateAt returns the groups of fields with their values at step n.
  function stateAt(r, n) {
    var groups = [], byName = {};
    r.state.forEach(function (f) {
      var val = null, at = -1, own = false;
      for (var i = 0; i < f.changes.length && f.changes[i].step <= n; i++) {
        var c = f.changes[i];
        at = c.step;
        if (!c.add && !c.remove) { val = c.value || {}; own = false; continue; }
        // An edit of a list: copy the list once, then edit the copy.
        if (!own) { val = { list: true, items: ((val && val.items) || []).slice() }; own = true; }
        if (c.remove) {
          var gone = {};
          c.remove.forEach(function (k) { gone[k] = true; });
          val.items = val.items.filter(function (it) { return !gone[it.key || it.text]; });
        }
        (c.add || []).forEach(function (it) { val.items.push(it); });
      }
      if (at < 0) return;
      var g = byName[f.group];
      if (!g) { g = byName[f.group] = { name: f.group, fields: [] }; groups.push(g); }
      g.fields.push({ name: f.name, value: val, step: at });
    });
    return groups;
  }
  function valueEl(r, val, follow) {
    var d = el("span", "val");
    if (!val.list) return add(d, document.createTextNode(val.text || ""));
    var items = val.items || [];
    if (!items.length) return add(d, el("span", "empty", "(none)"));
    // A long list shows its last LIST_MAX items and every marked or
    // followed one; a chip counts the rest.
    if (items.length > LIST_MAX) {
      var keep = items.filter(function (it, i) { return i >= items.length - LIST_MAX || it.mark || (follow && (it.key || it.text) === follow); });
      add(d, el("span", "chip more", "\u2026 " + (items.length - keep.length) + " more"));
      items = keep;
    }
    items.forEach(function (it) {
      var c = el("span", "chip", it.text);
      if (follow && (it.key || it.text) === follow) c.classList.add("followed");
      if (it.mark) {
        var m = r.mark[it.mark] || {}, mk = el("span", "mk", m.label || it.mark);
        mk.style.background = m.color || GREY;
        add(c, mk);
        if (m.color) c.style.borderColor = m.color;
      }
      add(d, c);
    });
    return d;
  }

  // ---- render the selected step ----
  function render(v) {
    var r = v.r, n = Math.min(cur, r.n);
    v.cursor.style.left = (x(v, n) - 1) + "px";
    v.stateH.textContent = "state after step " + n;
    v.stateBody.textContent = "";
    var groups = stateAt(r, n);
    if (!groups.length) add(v.stateBody, el("span", "empty", "no model state recorded"));
    groups.forEach(function (g) {
      var gd = el("div", "group"); gd.dataset.group = g.name; add(gd, el("div", "gname", g.name));
      g.fields.forEach(function (f) {
        var fd = el("div", "field" + (f.step === n ? " changed" : "")); fd.dataset.field = f.name;
        add(gd, add(fd, el("span", "fname", f.name), valueEl(r, f.value, v.follow)));
      });
      add(v.stateBody, gd);
    });
    v.infoH.textContent = "step " + n + (cur > r.n ? " (the run ended here)" : "");
    v.infoBody.textContent = "";
    add(v.infoBody, stepInfo(v, n, false));
    v.threadPanel.querySelectorAll("li").forEach(function (li) { li.classList.toggle("at", +li.dataset.step === n); });
    scrollRows(v, n);
    var cx = x(v, n), sc = v.scroll, y = laneY(v, r.steps[n - 1].lane);
    if (cx < sc.scrollLeft + 20 || cx > sc.scrollLeft + v.viewW - 20) sc.scrollLeft = cx - v.viewW / 2;
    if (y >= 0 && (y < sc.scrollTop + AXIS_H || y + LANE_H > sc.scrollTop + v.viewH)) sc.scrollTop = y - v.viewH / 2;
  }

  function select(n) {
    cur = Math.max(1, Math.min(maxN, n | 0));
    slider.value = cur;
    pos.textContent = "step " + cur + " / " + maxN;
    views.forEach(render);
  }
  // nextEvent finds the next (dir 1) or previous (-1) step with a shown
  // event in any run.
  function nextEvent(dir) {
    for (var n = cur + dir; n >= 1 && n <= maxN; n += dir) {
      for (var i = 0; i < views.length; i++) {
        var v = views[i];
        if (n <= v.r.n && !v.hiddenLanes[v.r.steps[n - 1].lane] && stripes(v, n).length) return n;
      }
    }
    return cur;
  }

  slider.addEventListener("input", function () { select(+slider.value); });
  prev.onclick = function () { select(cur - 1); };
  next.onclick = function () { select(cur + 1); };
  document.addEventListener("keydown", function (e) {
    if (e.target === slider && !e.shiftKey && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return; // the slider moves itself
    var to = null;
    if (e.key === "ArrowRight") to = e.shiftKey ? nextEvent(1) : cur + 1;
    else if (e.key === "ArrowLeft") to = e.shiftKey ? nextEvent(-1) : cur - 1;
    else if (e.key === "Home") to = 1;
    else if (e.key === "End") to = maxN;
    if (to === null) return;
    e.preventDefault();
    select(to);
  });
  // Lay a run out again when its width changes (a scroll bar appearing,
  // the window resized).
  if (window.ResizeObserver) {
    var ro = new ResizeObserver(function () {
      views.forEach(function (v) {
        if (v.scroll.clientWidth !== v.laidOut) { v.laidOut = v.scroll.clientWidth; layout(v); render(v); }
      });
    });
    views.forEach(function (v) { v.laidOut = v.scroll.clientWidth; ro.observe(v.scroll); });
  }

  // Start where the story is: the first violation's step, following its
  // item; else the first thread's item; else step 1. A "#step=N" in the
  // address picks the step.
  var start = 1;
  views.forEach(function (v) {
    var r = v.r, vio = r.verdict.violations.filter(function (x) { return x.step > 0; })[0], k = null;
    if (vio) { start = start > 1 ? start : vio.step; k = (vio.items || []).filter(function (i) { return r.thread[i]; })[0]; }
    if (!k && r.threads.length) k = r.threads[0].item;
    layout(v);
    listRows(v);
    if (k) setFollow(v, k);
  });
  var m = /step=(\d+)/.exec(location.hash);
  select(m ? +m[1] : start);

  // For scripts and tests that drive the page: the selected step, and where
  // step n of run ri is on the screen (null when its lane is hidden).
  window.timeline = {
    step: function () { return cur; },
    select: select,
    stepBox: function (ri, n) {
      var v = views[ri], y = laneY(v, v.r.steps[n - 1].lane);
      if (y < 0) return null;
      var cx = x(v, n), sc = v.scroll;
      if (cx < sc.scrollLeft || cx > sc.scrollLeft + sc.clientWidth) sc.scrollLeft = cx - sc.clientWidth / 2;
      if (y < sc.scrollTop + AXIS_H || y + LANE_H > sc.scrollTop + sc.clientHeight) sc.scrollTop = y - sc.clientHeight / 2;
      var b = v.grid.getBoundingClientRect();
      return { x: b.left + cx, y: b.top + y + LANE_H / 2, w: v.cw, h: LANE_H };
    }
  };
  window.timelineRenderMs = performance.now() - t0;
  window.timelineReadyMs = performance.now();
  document.body.dataset.ready = "1";
})();

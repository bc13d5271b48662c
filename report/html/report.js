/* report.js: the HTML report's code (inlined by leakaudit-report).  Reads
 * the report's JSON from the page and builds the summary, the flame graph
 * of allocated bytes, and the findings table.  Every string from the
 * database goes into the page as text, never as markup. */
(function () {
  "use strict";
  var d = JSON.parse(document.getElementById("report-data").textContent);
  var KINDS = ["leak", "cycle", "repeated-mark", "intentional", "reachable"];
  var CLASS = { "leak": "lost", "cycle": "lost", "repeated-mark": "intentional",
                "intentional": "intentional", "reachable": "reachable" };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function bytes(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1) + " MiB";
    if (n >= 10240) return (n / 1024).toFixed(1) + " KiB";
    return n + " B";
  }
  function base(p) { return p ? p.slice(p.lastIndexOf("/") + 1) : ""; }
  function frameName(f) { return f.function || (f.module ? base(f.module) + "+" + f.offset : f.address); }
  /* Where a finding is in the program's own code, as the text report
   * says it: the innermost frame in the program's own source; else (a
   * program without debug information) the innermost frame of the
   * program's own module; never libc's, the loader's or a runtime's. */
  function system(f) { return /^\/(usr|lib|lib64)\//.test(f.module || ""); }
  function runtime(f) {
    var b = base(f.file);
    return system(f) || /^(\/usr\/|\/rustc\/|library\/)/.test(f.file || "") ||
           b === "leakaudit.h" || b === "leakaudit.hpp" || b === "leakaudit.rs";
  }
  function site(stack) {
    for (var i = 0; i < stack.length; i++)
      if (stack[i].file && !runtime(stack[i])) return stack[i];
    for (i = 0; i < stack.length; i++)
      if (!system(stack[i]) && !(stack[i].file && runtime(stack[i]))) return stack[i];
    return null;
  }

  /* ---- header ---- */
  var head = document.getElementById("head");
  var dbs = d.databases || [d.database];
  head.appendChild(el("div", { "class": "meta" },
    dbs.join(", ") + ": " + d.runs.length + (d.runs.length === 1 ? " run" : " runs")));
  var v = el("span", { "class": "verdict " + (d.fail ? "fail" : "ok"), id: "verdict" },
             d.fail ? "FAIL" : "OK");
  head.appendChild(v);
  /* The runs, collapsed to their totals: how they ended, which programs. */
  function how(r) {
    return r.signal !== null ? "killed by signal " + r.signal :
           r.exit_code !== null ? (r.end_reason || "exit") + " " + r.exit_code : r.end_reason;
  }
  function progName(r) { return base(r.exe) || (r.argv.length ? base(r.argv[0]) : "?"); }
  var ends = {}, progs = {};
  d.runs.forEach(function (r) {
    var h = how(r);
    ends[h] = (ends[h] || 0) + 1;
    progs[progName(r)] = (progs[progName(r)] || 0) + 1;
  });
  /* The commonest first, at most 8, then how many more. */
  function tally(o) {
    var keys = Object.keys(o).sort(function (a, b) { return o[b] - o[a] || (a < b ? -1 : 1); });
    var shown = keys.slice(0, 8).map(function (k) { return k + " (" + o[k] + ")"; }).join(", ");
    return keys.length > 8 ? shown + " and " + (keys.length - 8) + " more" : shown;
  }
  var runs = el("details", { "class": "meta", id: "runs" });
  runs.appendChild(el("summary", null, d.runs.length + (d.runs.length === 1 ? " run: " : " runs: ") +
                      tally(ends) + "; programs: " + tally(progs)));
  var runList = el("ul");
  d.runs.forEach(function (r) {
    runList.appendChild(el("li", null, "run " + r.run + ": pid " + r.pid + " " +
                        (r.argv.length ? r.argv.join(" ") : r.exe || "") + " (" + how(r) + ")"));
  });
  runs.appendChild(runList);
  head.appendChild(runs);
  /* A finding's runs, as keys of RUNS_BY: "database:run". */
  var runBy = {};
  d.runs.forEach(function (r) { runBy[(r.database || 0) + ":" + r.run] = r; });
  function findingRuns(f) {
    var ids = f.runs ? f.runs.map(function (x) { return (x.database || 0) + ":" + x.run; })
                     : [(f.database || 0) + ":" + f.run];
    return ids.map(function (k) { return runBy[k]; }).filter(function (r) { return r; });
  }

  /* ---- summary ---- */
  var sum = document.querySelector("#summary tbody");
  KINDS.concat(["suppressed"]).forEach(function (k) {
    var t = d.summary[k], tr = el("tr");
    tr.appendChild(el("td", null, k));
    tr.appendChild(el("td", { "class": "num" }, t.findings));
    tr.appendChild(el("td", { "class": "num" }, t.blocks));
    tr.appendChild(el("td", { "class": "num" }, bytes(t.bytes)));
    sum.appendChild(tr);
  });

  /* ---- flame graph: bytes by allocating stack, outermost frame on top ---- */
  function node(name) { return { name: name, kids: {}, order: [], lost: 0, intentional: 0, reachable: 0 }; }
  /* Two graphs: the lost bytes alone (the default: a heap's reachable
   * bytes would drown its leaks), and all of them. */
  var lostRoot = node("all"), allRoot = node("all");
  function add(root, stack, cls, n) {
    var at = root;
    at[cls] += n;
    for (var i = stack.length - 1; i >= 0; i--) {
      var name = frameName(stack[i]);
      if (!at.kids[name]) { at.kids[name] = node(name); at.order.push(name); }
      at = at.kids[name];
      at[cls] += n;
    }
  }
  d.findings.forEach(function (f) {
    if (f.suppressed) return;
    var parts = f.kind === "cycle"
      ? f.cycle.map(function (m) { return [m.stack, "lost", m.size * (f.instances || 1)]; })
      : [[f.stack, CLASS[f.kind], f.bytes]];
    parts.forEach(function (p) {
      add(allRoot, p[0], p[1], p[2]);
      if (p[1] === "lost") add(lostRoot, p[0], p[1], p[2]);
    });
  });
  var root = lostRoot;
  function total(n) { return n.lost + n.intentional + n.reachable; }
  var flame = document.getElementById("flame"), ROW = 18, zoom = root;
  function draw() {
    flame.textContent = "";
    var depth = 0, all = total(zoom) || 1;
    function place(n, x, level, path) {
      var w = total(n) / all;
      if (w < 0.001) return;
      depth = Math.max(depth, level + 1);
      var div = el("div", { "class": "node", title: path + "\n" + "lost " + bytes(n.lost) +
                            ", intentional " + bytes(n.intentional) + ", reachable " + bytes(n.reachable) });
      div.style.left = (x * 100) + "%";
      div.style.width = (w * 100) + "%";
      div.style.top = (level * ROW) + "px";
      ["lost", "intentional", "reachable"].forEach(function (c) {
        if (n[c] > 0) {
          var s = el("span", { "class": "part c-" + c });
          s.style.width = (n[c] / total(n) * 100) + "%";
          div.appendChild(s);
        }
      });
      div.appendChild(el("span", { "class": "label" }, n.name));
      div.addEventListener("click", function (ev) { ev.stopPropagation(); zoom = n === zoom ? root : n; draw(); });
      flame.appendChild(div);
      var kx = x;
      n.order.slice().sort(function (a, b) { return total(n.kids[b]) - total(n.kids[a]); })
        .forEach(function (k) {
          place(n.kids[k], kx, level + 1, path + " > " + k);
          kx += total(n.kids[k]) / all;
        });
    }
    if (total(zoom) > 0)
      place(zoom, 0, 0, zoom.name);
    else
      flame.appendChild(el("div", { "class": "empty meta" }, "no lost bytes"));
    flame.style.height = Math.max(depth, 1) * ROW + "px";
  }
  var allBox = document.getElementById("flame-all");
  allBox.addEventListener("change", function () {
    root = allBox.checked ? allRoot : lostRoot;
    zoom = root;
    draw();
  });
  draw();

  /* ---- findings ---- */
  /* As the text report says it: how often the site leaked, and what the
   * finding's blocks are. */
  function notes(f) {
    var n = [];
    if (f.kind === "leak" && f.site_allocations)
      n.push("leaked " + f.direct_blocks + " of " + f.site_allocations + " allocations" +
             (f.per_call ? ": on every call" : ""));
    if ((f.kind === "leak" || f.kind === "cycle") && f.indirect_blocks)
      n.push(f.direct_blocks + " direct, " + f.indirect_blocks + " indirect");
    if (f.mark && f.mark.marks)
      n.push(f.mark.marks + " marked");
    return n.join("; ");
  }
  function stacksOf(f) {
    var v = [f.stack];
    if (f.mark) v.push(f.mark.stack);
    (f.cycle || []).forEach(function (m) { v.push(m.stack); });
    return v;
  }
  var sources = JSON.parse(document.getElementById("report-sources").textContent);
  var tbody = document.querySelector("#findings tbody");
  var rows = d.findings.map(function (f, i) {
    var st = f.kind === "repeated-mark" ? f.mark.stack : f.stack;
    var s = site(st) || st[0] || {};
    var tr = el("tr", { "class": "finding", "data-kind": f.kind, "data-index": i });
    var k = el("td"); k.appendChild(el("span", { "class": "kind kind-" + f.kind }, f.kind)); tr.appendChild(k);
    tr.appendChild(el("td", { "class": "num" }, bytes(f.bytes)));
    tr.appendChild(el("td", { "class": "num" }, f.blocks));
    tr.appendChild(el("td", null, frameName(s)));
    tr.appendChild(el("td", null, s.file ? base(s.file) + (s.line ? ":" + s.line : "") : ""));
    var note = notes(f);
    tr.appendChild(el("td", { "class": "notes" }, note));
    tr.appendChild(el("td", { "class": "num" }, f.runs ? f.runs.length : 1));
    tr.appendChild(el("td", { "class": f.fails ? "fails" : "" }, f.fails ? "fails" : ""));
    /* What the search box looks in: every frame of its stacks. */
    var text = [f.kind, f.mark && f.mark.why || ""].concat(stacksOf(f).map(function (st) {
      return st.map(function (fr) { return frameName(fr) + " " + (fr.file || "") + " " + base(fr.module); }).join(" ");
    })).join(" ").toLowerCase();
    var progsOf = {};
    findingRuns(f).forEach(function (r) { progsOf[progName(r)] = 1; progsOf["run " + (r.database || 0) + ":" + r.run] = 1; });
    return { f: f, tr: tr, detail: null, text: text, progs: progsOf, site: s,
             key: [f.kind, f.bytes, f.blocks, s.function || "", s.file || "", note, f.runs ? f.runs.length : 1, f.fails ? 1 : 0] };
  });

  function stackList(stack) {
    var ol = el("ol", { "class": "stack", start: "0" });
    stack.forEach(function (fr) {
      var li = el("li");
      li.appendChild(el("span", { "class": "fn" }, frameName(fr)));
      if (fr.file) li.appendChild(el("span", { "class": "loc" }, " " + fr.file + (fr.line ? ":" + fr.line : "")));
      if (fr.module) li.appendChild(el("span", { "class": "mod" }, " (" + base(fr.module) + ")"));
      ol.appendChild(li);
    });
    return ol;
  }
  /* A cycle as a ring: each member a circle, an arrow to the next with the
   * offset of the pointer in the member. */
  function cycleGraph(members) {
    var NS = "http://www.w3.org/2000/svg", n = members.length, R = n > 1 ? 90 : 0, W = 2 * R + 400, H = 2 * R + 90;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("class", "cycle");
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    var defs = document.createElementNS(NS, "defs");
    defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker>';
    svg.appendChild(defs);
    var pts = members.map(function (m, i) {
      var a = -Math.PI / 2 + 2 * Math.PI * i / n;
      return [W / 2 + R * Math.cos(a), H / 2 + R * Math.sin(a)];
    });
    function mk(tag, attrs, text) {
      var e = document.createElementNS(NS, tag);
      for (var k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      svg.appendChild(e);
      return e;
    }
    members.forEach(function (m, i) {
      var p = pts[i], q = pts[(i + 1) % n];
      if (n === 1) {
        mk("path", { d: "M" + (p[0] + 14) + "," + (p[1] - 10) + " C" + (p[0] + 60) + "," + (p[1] - 50) + " " + (p[0] - 60) + "," + (p[1] - 50) + " " + (p[0] - 14) + "," + (p[1] - 10),
                     fill: "none", stroke: "#444", "marker-end": "url(#arrow)" });
      } else {
        var dx = q[0] - p[0], dy = q[1] - p[1], len = Math.sqrt(dx * dx + dy * dy) || 1;
        mk("line", { x1: p[0] + dx / len * 16, y1: p[1] + dy / len * 16, x2: q[0] - dx / len * 16, y2: q[1] - dy / len * 16,
                     stroke: "#444", "marker-end": "url(#arrow)" });
        mk("text", { x: (p[0] + q[0]) / 2 + 4, y: (p[1] + q[1]) / 2 - 4, fill: "#666" }, "+" + m.next_offset);
      }
      mk("circle", { cx: p[0], cy: p[1], r: 14, fill: "#ef8a62", stroke: "#a0522d" });
      var s = site(m.stack) || m.stack[0] || {};
      /* The label outside the ring, on the member's side of it. */
      var left = p[0] < W / 2 - 1, below = p[1] > H / 2 + 1;
      mk("text", { x: p[0] + (left ? -18 : 18), y: p[1] + (below ? 26 : 4),
                   "text-anchor": left ? "end" : "start" },
         (s.function ? s.function : s.module ? frameName(s) : "??") + " (" + m.size + " B)");
    });
    return svg;
  }
  function toggle(r) {
    if (r.detail) {
      r.detail.parentNode.removeChild(r.detail);
      r.detail = null;
      r.tr.classList.remove("open");
      return;
    }
    var f = r.f, td = el("td", { colspan: "8" });
    var src = r.site && r.site.file && sources[r.site.file + ":" + r.site.line];
    if (src) {
      /* The source around the finding's location, read at report time. */
      var pre = el("pre", { "class": "source" });
      src.lines.forEach(function (line, i) {
        var no = src.first + i;
        var ln = el("span", { "class": no === r.site.line ? "line here" : "line" });
        ln.appendChild(el("span", { "class": "no" }, String(no)));
        ln.appendChild(document.createTextNode(line + "\n"));
        pre.appendChild(ln);
      });
      td.appendChild(el("div", null, base(r.site.file) + ":" + r.site.line + ":"));
      td.appendChild(pre);
    }
    if (f.kind === "cycle") {
      td.appendChild(el("div", null, "A cycle of " + f.cycle.length + " blocks" +
                        (f.instances > 1 ? ", leaked " + f.instances + " times" : "") + ", in cycle order:"));
      td.appendChild(cycleGraph(f.cycle));
      f.cycle.forEach(function (m, i) {
        td.appendChild(el("div", null, "member " + i + ", " + m.size + " bytes, allocated at:"));
        td.appendChild(stackList(m.stack));
      });
    } else {
      td.appendChild(el("div", null, (f.runs && f.runs.length > 1 ? "in " + f.runs.length + " runs; " : "") +
                        "allocated at:"));
      td.appendChild(stackList(f.stack));
      if (f.mark) {
        td.appendChild(el("div", null, f.mark.marks + " marked" + (f.mark.why ? " \u201c" + f.mark.why + "\u201d" : "") + " at:"));
        td.appendChild(stackList(f.mark.stack));
      }
    }
    r.detail = el("tr", { "class": "detail" });
    r.detail.appendChild(td);
    r.tr.parentNode.insertBefore(r.detail, r.tr.nextSibling);
    r.tr.classList.add("open");
  }
  rows.forEach(function (r) {
    r.tr.addEventListener("click", function () { toggle(r); });
    tbody.appendChild(r.tr);
  });

  /* Filter by kind. */
  var shown = {};
  var filters = document.getElementById("filters");
  KINDS.forEach(function (k) {
    var n = d.findings.filter(function (f) { return f.kind === k; }).length;
    var label = el("label"), box = el("input", { type: "checkbox", value: k, id: "show-" + k });
    box.checked = true;
    shown[k] = true;
    box.addEventListener("change", function () { shown[k] = box.checked; apply(); });
    label.appendChild(box);
    label.appendChild(document.createTextNode(" " + k + " (" + n + ")"));
    filters.appendChild(label);
  });
  var search = document.getElementById("search"), prog = document.getElementById("program");
  function option(value, text) { var o = el("option", { value: value }, text); prog.appendChild(o); }
  option("", "every program and run");
  Object.keys(progs).sort().forEach(function (p) { option(p, p + " (" + progs[p] + (progs[p] === 1 ? " run)" : " runs)")); });
  d.runs.forEach(function (r) { option("run " + (r.database || 0) + ":" + r.run, "run " + r.run + ": " + progName(r) + ", pid " + r.pid); });
  search.addEventListener("input", apply);
  prog.addEventListener("change", apply);
  function apply() {
    var q = search.value.trim().toLowerCase(), p = prog.value;
    rows.forEach(function (r) {
      var on = shown[r.f.kind] && (!q || r.text.indexOf(q) >= 0) && (!p || r.progs[p]);
      r.tr.style.display = on ? "" : "none";
      if (r.detail) r.detail.style.display = on ? "" : "none";
    });
  }
  /* Sort by a column: click its header (again: the other way). */
  var ths = document.querySelectorAll("#findings th"), sortCol = -1, asc = true;
  Array.prototype.forEach.call(ths, function (th, c) {
    th.addEventListener("click", function () {
      asc = sortCol === c ? !asc : c === 0 || c === 3 || c === 4 || c === 5;
      sortCol = c;
      Array.prototype.forEach.call(ths, function (h) { h.className = h.className.replace(/ ?sorted-(asc|desc)/, ""); });
      th.className += " sorted-" + (asc ? "asc" : "desc");
      rows.sort(function (a, b) {
        var x = a.key[c], y = b.key[c], r = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
        return asc ? r : -r;
      });
      rows.forEach(function (r) {
        tbody.appendChild(r.tr);
        if (r.detail) tbody.appendChild(r.detail);
      });
    });
  });
  /* report.html#finding=N opens finding N (from 1), as a click would. */
  var m = /finding=(\d+)/.exec(location.hash);
  if (m && rows[m[1] - 1]) {
    rows[m[1] - 1].tr.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    rows[m[1] - 1].tr.scrollIntoView();
  }
  document.body.setAttribute("data-ready", "1");
})();

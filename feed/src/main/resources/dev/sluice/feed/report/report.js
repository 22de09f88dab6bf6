// Sluice run report: draws the page from the JSON in #sluice-data. Our own, small, no fetches.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("sluice-data").textContent);
  var COLOURS = {written: "#2e7d32", duplicates: "#f9a825", rejected: "#c62828", late: "#6a1b9a"};
  var STAGE_COLOURS = ["#c62828", "#ef6c00", "#ad1457", "#4e342e", "#37474f"];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = String(text); }
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs || {}) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = String(text); }
    return e;
  }
  function fmt(n) { return Number(n).toLocaleString("en-GB"); }
  function bytes(n) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + u[i];
  }
  function section(id, title) {
    var s = el("section", {id: id});
    s.appendChild(el("h2", {}, title));
    document.getElementById("report").appendChild(s);
    return s;
  }
  function figure(name, value) {
    return el("span", {"class": "figure", "data-figure": name}, fmt(value));
  }
  function table(parent, head, rows) {
    var t = el("table"), tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", {}, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) {
        var td = el("td");
        if (c instanceof Node) { td.appendChild(c); } else { td.textContent = String(c); }
        row.appendChild(td);
      });
      t.appendChild(row);
    });
    parent.appendChild(t);
    return t;
  }

  // One horizontal bar split into parts; each part a rect that says what it holds.
  function stackedBar(parts, total, width) {
    var s = svg("svg", {"class": "chart", "data-chart": "ledger", width: width, height: 46,
      viewBox: "0 0 " + width + " 46"});
    var x = 0;
    parts.forEach(function (p) {
      if (p.value <= 0 || total <= 0) { return; }
      var w = Math.max(2, width * p.value / total);
      var r = svg("rect", {x: x, y: 4, width: w, height: 38, fill: p.colour,
        "data-part": p.name, "data-value": p.value});
      r.appendChild(svg("title", {}, p.name + ": " + fmt(p.value)));
      s.appendChild(r);
      x += w;
    });
    return s;
  }

  // Vertical list of labelled bars (partitions, dead letters by stage).
  function barList(name, items, width) {
    var rowH = 22, labelW = Math.min(320, width / 2), h = items.length * rowH + 4;
    var max = Math.max.apply(null, items.map(function (i) { return i.value; }).concat([1]));
    var s = svg("svg", {"class": "chart", "data-chart": name, width: width, height: h,
      viewBox: "0 0 " + width + " " + h});
    items.forEach(function (it, i) {
      var y = i * rowH + 2, w = Math.max(2, (width - labelW - 70) * it.value / max);
      s.appendChild(svg("text", {x: labelW - 6, y: y + 15, "text-anchor": "end"}, it.label));
      s.appendChild(svg("rect", {x: labelW, y: y + 3, width: w, height: rowH - 6,
        fill: it.colour || "#1565c0", "data-label": it.label, "data-value": it.value}));
      s.appendChild(svg("text", {x: labelW + w + 6, y: y + 15}, fmt(it.value)));
    });
    return s;
  }

  // Records per second between samples, as a line.
  function lineChart(name, points, width) {
    var h = 180, pad = 36;
    var s = svg("svg", {"class": "chart", "data-chart": name, width: width, height: h,
      viewBox: "0 0 " + width + " " + h});
    var maxX = Math.max.apply(null, points.map(function (p) { return p.t; }).concat([1]));
    var maxY = Math.max.apply(null, points.map(function (p) { return p.rate; }).concat([1]));
    var d = points.map(function (p, i) {
      var x = pad + (width - 2 * pad) * p.t / maxX, y = h - pad - (h - 2 * pad) * p.rate / maxY;
      return (i === 0 ? "M" : "L") + x.toFixed(1) + "," + y.toFixed(1);
    }).join(" ");
    s.appendChild(svg("line", {x1: pad, y1: h - pad, x2: width - pad, y2: h - pad,
      stroke: "#999"}));
    s.appendChild(svg("line", {x1: pad, y1: pad, x2: pad, y2: h - pad, stroke: "#999"}));
    s.appendChild(svg("path", {d: d, fill: "none", stroke: "#1565c0", "stroke-width": 2,
      "data-points": points.length}));
    s.appendChild(svg("text", {x: pad, y: pad - 8}, fmt(Math.round(maxY)) + " records/s"));
    s.appendChild(svg("text", {x: width - pad, y: h - 10, "text-anchor": "end"},
      maxX.toFixed(1) + " s"));
    return s;
  }

  var W = Math.min(960, Math.max(480, document.body.clientWidth - 40));
  document.title = "Sluice " + data.kind + ": " + data.feed;
  document.getElementById("title").textContent = "Sluice " + data.kind + ": " + data.feed;

  // The ledger as a picture.
  var L = data.ledger;
  if (L) {
    var s = section("ledger", "Ledger");
    var p = el("p", {"class": "equation"});
    p.appendChild(document.createTextNode((data.kind === "replay" ? "replayed " : "read ")));
    p.appendChild(figure("read", L.read));
    p.appendChild(document.createTextNode(" = written "));
    p.appendChild(figure("written", L.written));
    p.appendChild(document.createTextNode(" + duplicates "));
    p.appendChild(figure("duplicates", L.duplicates));
    p.appendChild(document.createTextNode(data.kind === "replay" ? " + rejected again "
      : " + rejected "));
    p.appendChild(figure("rejected", L.rejected));
    p.appendChild(el("span", {"class": L.balanced ? "ok" : "bad", "data-figure": "balanced"},
      L.balanced ? "balanced" : "NOT BALANCED"));
    s.appendChild(p);
    var parts = [{name: "written", value: L.written, colour: COLOURS.written},
      {name: "duplicates", value: L.duplicates, colour: COLOURS.duplicates}];
    Object.keys(L.rejected_by_stage).forEach(function (st, i) {
      parts.push({name: "rejected " + st, value: L.rejected_by_stage[st],
        colour: STAGE_COLOURS[i % STAGE_COLOURS.length]});
    });
    s.appendChild(stackedBar(parts, L.read, W));
    var legend = el("p", {"class": "legend"});
    parts.forEach(function (pt) {
      var k = el("span", {"class": "key"});
      k.appendChild(el("i", {style: "background:" + pt.colour}));
      k.appendChild(document.createTextNode(pt.name + " " + fmt(pt.value)));
      legend.appendChild(k);
    });
    if (L.late > 0) { legend.appendChild(el("span", {}, "(late, within written: " + fmt(L.late) + ")")); }
    s.appendChild(legend);
    if (data.replay) {
      var r = data.replay, q = el("p");
      q.appendChild(document.createTextNode("dead letters "));
      q.appendChild(figure("dead_letters", r.dead_letters));
      q.appendChild(document.createTextNode(" = replayed "));
      q.appendChild(figure("replayed", r.replayed));
      q.appendChild(document.createTextNode(" + not replayable "));
      q.appendChild(figure("not_replayable", r.not_replayable));
      if (r.already_loaded !== undefined) {
        q.appendChild(document.createTextNode("; already loaded before: "));
        q.appendChild(figure("already_loaded", r.already_loaded));
      }
      s.appendChild(q);
    }
  }

  // Records per partition: the top ones, the rest summed.
  var parts0 = Object.keys((L && L.rows_by_partition) || {}).map(function (k) {
    return {label: k, value: L.rows_by_partition[k]};
  }).sort(function (a, b) { return b.value - a.value || (a.label < b.label ? -1 : 1); });
  if (parts0.length) {
    var sp = section("partitions", "Records per partition (" + parts0.length + ")");
    var top = parts0.slice(0, 12);
    if (parts0.length > 12) {
      var rest = parts0.slice(12).reduce(function (a, b) { return a + b.value; }, 0);
      top.push({label: "the other " + (parts0.length - 12), value: rest, colour: "#90a4ae"});
    }
    sp.appendChild(barList("partitions", top, W));
  }

  // A lake pass: objects by status, rows by table, every object.
  if (data.objects) {
    var so = section("objects", "Objects (" + data.objects.length + ")");
    var byStatus = {}, rowsByTable = {};
    data.objects.forEach(function (o) {
      byStatus[o.status] = (byStatus[o.status] || 0) + 1;
      if (o.table) { rowsByTable[o.table] = (rowsByTable[o.table] || 0) + o.rows_loaded; }
    });
    var SC = {loaded: COLOURS.written, rejected: COLOURS.rejected, failed: "#6a1b9a"};
    so.appendChild(barList("objects", Object.keys(byStatus).sort().map(function (k) {
      return {label: k, value: byStatus[k], colour: SC[k]};
    }), W));
    var tables = Object.keys(rowsByTable).sort();
    if (tables.length) {
      so.appendChild(el("h3", {}, "Rows loaded by table"));
      so.appendChild(barList("rows-by-table", tables.map(function (k) {
        return {label: k, value: rowsByTable[k]};
      }), W));
    }
    table(so, ["object", "action", "table", "status", "rows read", "loaded", "rejected", "reason"],
      data.objects.map(function (o) {
        return [o.key, o.action, o.table, o.status, fmt(o.rows_read), fmt(o.rows_loaded),
          fmt(o.rows_rejected), o.reason];
      })).setAttribute("data-table", "objects");
  }

  // Dead letters by stage and reason.
  var dl = data.dead_letters || [];
  var sd = data.objects ? null : section("dead-letters", "Dead letters by stage and reason");
  if (!sd) {
    // a lake pass: bad rows are counted per object above
  } else if (!dl.length) {
    sd.appendChild(el("p", {}, "none"));
  } else {
    var byStage = {};
    dl.forEach(function (d) { byStage[d.stage] = (byStage[d.stage] || 0) + d.count; });
    sd.appendChild(barList("dead-letters", Object.keys(byStage).sort().map(function (st, i) {
      return {label: st, value: byStage[st], colour: STAGE_COLOURS[i % STAGE_COLOURS.length]};
    }), W));
    table(sd, ["stage", "reason", "count", "one origin"], dl.map(function (d) {
      return [d.stage, d.reason, fmt(d.count), d.origin];
    })).setAttribute("data-table", "dead-letters");
  }

  // Files written, small ones flagged.
  var files = data.files || [];
  var sf = data.objects ? null : section("files", "Files written (" + files.length + ")");
  if (!sf) {
    // a lake pass writes no files
  } else if (files.length) {
    var small = files.filter(function (f) { return f.bytes < data.small_file_bytes; }).length;
    var total = files.reduce(function (a, f) { return a + f.bytes; }, 0);
    sf.appendChild(el("p", {}, fmt(files.length) + " files, " + bytes(total) + "; " + fmt(small)
      + " under " + bytes(data.small_file_bytes) + " (flagged: many small files slow readers)"));
    var t = table(sf, ["file", "size", ""], files.map(function (f) {
      return [f.path, bytes(f.bytes), f.bytes < data.small_file_bytes ? "small" : ""];
    }));
    t.setAttribute("data-table", "files");
  } else {
    sf.appendChild(el("p", {}, "none"));
  }

  // Throughput over time.
  var samples = data.samples || [];
  var st = data.objects ? null : section("throughput", "Throughput");
  if (!st) {
    // a lake pass: see the objects
  } else if (samples.length >= 2) {
    var pts = [];
    for (var i = 1; i < samples.length; i++) {
      var dt = (samples[i].t - samples[i - 1].t) / 1000;
      pts.push({t: samples[i].t / 1000, rate: dt > 0 ? (samples[i].read - samples[i - 1].read) / dt : 0});
    }
    pts.unshift({t: 0, rate: pts.length ? pts[0].rate : 0});
    st.appendChild(lineChart("throughput", pts, W));
  } else {
    st.appendChild(el("p", {}, "no samples during the run (the runner reports its counters at the end)"));
  }

  // What ran.
  var sr = section("run", "Run");
  table(sr, ["", ""], data.facts.map(function (f) { return [f[0], f[1]]; }))
    .setAttribute("data-table", "facts");
  document.body.setAttribute("data-drawn", "yes");
})();

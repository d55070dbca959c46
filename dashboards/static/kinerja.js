/* Kinerja dashboards: filters, KPI cards, Plotly charts, sortable tables with CSV export.
 * Everything the page shows comes from the JSON block #kinerja-data written by the nightly run; the page
 * makes no request. Text from the data is only ever set as text (textContent), never parsed as HTML. */
(function () {
  "use strict";
  var K = (window.Kinerja = {});
  var D = null;
  var state = { period: 0, dept: "ALL", kpi: null };
  var COLORS = { g: "#2b8a3e", a: "#e8590c", r: "#c92a2a", "-": "#868e96" };
  var STATUS_KEY = { g: "status_green", a: "status_amber", r: "status_red", "-": "status_none" };

  // ---------------------------------------------------------------- text and numbers
  function t(key, params) {
    var s = (D && D.labels[key]) || key;
    if (params) {
      Object.keys(params).forEach(function (k) { s = s.split("{" + k + "}").join(String(params[k])); });
    }
    return s;
  }

  K.number = function (v, decimals, fmt) {
    fmt = fmt || D.format;
    var fixed = Math.abs(v).toFixed(decimals);
    var parts = fixed.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, fmt.thousands);
    var sign = v < 0 && Number(fixed) !== 0 ? "-" : "";
    return sign + whole + (parts.length > 1 ? fmt.decimal + parts[1] : "");
  };

  // one rule per unit (formatting.decimals_for): the unit's decimals; headcounts and counts whole at that
  // precision without them
  function decimalsFor(v, unit) {
    var d = unit in D.format.decimals ? D.format.decimals[unit] : 2;
    if (D.format.whole.indexOf(unit) >= 0 && Number.isInteger(Number(v.toFixed(d)))) return 0;
    return d;
  }

  // Money (unit "money"; "idr" in older warehouses) is in the reporting currency, in whole units: the prefix
  // ("Rp ", "$", "£", "€" or the ISO code and a space) comes with the page's data (formatting.py).
  function isMoney(unit) { return (D.format.money || ["money", "idr"]).indexOf(unit) >= 0; }
  K.isMoney = function (unit) { return isMoney(unit); };

  K.format = function (v, unit) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    var text = K.number(v, decimalsFor(v, unit));
    if (isMoney(unit)) return text.charAt(0) === "-" ? "-" + D.format.currency + text.slice(1) : D.format.currency + text;
    return text + (D.format.suffix[unit] || "");
  };

  // what a CSV column header says the unit is: the currency code for money
  function unitLabel(unit) { return isMoney(unit) ? D.format.currencyCode : unit; }

  // a change that is zero as the page writes it (at the unit's decimals): no arrow, no colour, no sign
  // (formatting.is_unchanged)
  K.isUnchanged = function (c, unit) {
    var d = unit in D.format.decimals ? D.format.decimals[unit] : 2;
    return Number(Math.abs(c).toFixed(d)) === 0;
  };

  K.formatChange = function (c, unit) {
    if (K.isUnchanged(c, unit)) c = 0;
    var sign = c > 0 ? "+" : "";
    if (unit === "pct") return sign + K.number(c, D.format.decimals.pct) + " " + t("points");
    return sign + K.format(c, unit);
  };

  // money on a card from format.compactFrom on: three significant digits and the language's scale word
  // (Rp 993M, Rp 1.77B; Indonesian Rp 993 jt, Rp 1,77 M), as formatting.compact_money writes it
  K.compact = function (v, unit) {
    if (!isMoney(unit) || v === null || v === undefined || Math.abs(v) < (D.format.compactFrom || Infinity)) return K.format(v, unit);
    var scale = D.format.scale || ["", "k", "M", "B", "T"], size = Math.abs(v), k = 0;
    while (size >= 999.5 && k < scale.length - 1) { size /= 1000; k += 1; }
    var decimals = size >= 99.95 ? 0 : size >= 9.995 ? 1 : 2;
    return (v < 0 ? "-" : "") + D.format.currency + K.number(size, decimals) + scale[k];
  };

  // a severity code of the data (high, medium, low, error, ...) in the page's language
  function severityName(s) {
    if (s === null || s === undefined || s === "") return "–";
    var names = (D && D.format.severities) || {};
    return names[String(s).toLowerCase()] || String(s);
  }

  // ---------------------------------------------------------------- CSV export
  // A text cell starting with = + - @ (or a tab or carriage return) would run as a formula in a spreadsheet:
  // it is prefixed with an apostrophe. Numbers are written as numbers (a negative number is no formula).
  K.csvCell = function (v) {
    if (v === null || v === undefined) return "";
    var s = String(v);
    if (typeof v !== "number" && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
    if (/[",;\r\n]/.test(s)) s = '"' + s.replace(/"/g, '""') + '"';
    return s;
  };

  K.toCsv = function (header, rows) {
    return [header].concat(rows).map(function (r) { return r.map(K.csvCell).join(","); }).join("\r\n") + "\r\n";
  };

  function download(filename, text) {
    var blob = new Blob(["\ufeff" + text], { type: "text/csv;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "text") node.textContent = v;
        else if (k === "class") node.className = v;
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : v);
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  // Plotly reads a few HTML-like tags in labels: names go in as entities so they show as written.
  function plotlyText(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  var SVG = "http://www.w3.org/2000/svg";
  function sparkline(points, target) {
    var w = 120, h = 28, pad = 2;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("class", "spark");
    svg.setAttribute("aria-hidden", "true");
    var known = points.filter(function (p) { return p !== null; });
    if (!known.length) return svg;
    var all = known.concat(target === null || target === undefined ? [] : [target]);
    var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all);
    var span = hi - lo || 1;
    function y(v) { return (h - pad - ((v - lo) / span) * (h - 2 * pad)).toFixed(1); }
    function x(i) { return (pad + (points.length === 1 ? 0 : (i / (points.length - 1)) * (w - 2 * pad))).toFixed(1); }
    if (target !== null && target !== undefined) {
      var line = document.createElementNS(SVG, "line");
      line.setAttribute("x1", pad); line.setAttribute("x2", w - pad);
      line.setAttribute("y1", y(target)); line.setAttribute("y2", y(target));
      line.setAttribute("class", "spark-target");
      svg.appendChild(line);
    }
    var d = "", pen = false;
    points.forEach(function (v, i) {
      if (v === null) { pen = false; return; }
      d += (pen ? "L" : "M") + x(i) + " " + y(v) + " ";
      pen = true;
    });
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d.trim());
    path.setAttribute("class", "spark-line");
    svg.appendChild(path);
    var last = points.length - 1;
    if (points[last] !== null) {
      var dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("cx", x(last)); dot.setAttribute("cy", y(points[last])); dot.setAttribute("r", "2.5");
      dot.setAttribute("class", "spark-dot");
      svg.appendChild(dot);
    }
    return svg;
  }

  // ---------------------------------------------------------------- sortable table with CSV export
  // columns: [{label, numeric, format(raw) -> text, lang?}] (lang: the language of a column of free text from the
  // warehouse when it is not the page's); rows: [{cells: [raw], click: fn?}]
  function dataTable(title, columns, rows, filename) {
    var sortCol = -1, sortDir = 1;
    var table = el("table", { class: "data" });
    var thead = el("thead"), tbody = el("tbody");
    var headRow = el("tr");
    columns.forEach(function (c, ci) {
      var th = el("th", { scope: "col", class: c.numeric ? "num" : null, "aria-sort": "none" }, [
        el("button", { type: "button", class: "sort", text: c.label, title: t("sort_hint"), onclick: function () {
          sortDir = sortCol === ci ? -sortDir : c.numeric ? -1 : 1;
          sortCol = ci;
          Array.prototype.forEach.call(headRow.children, function (h, hi) {
            h.setAttribute("aria-sort", hi === ci ? (sortDir > 0 ? "ascending" : "descending") : "none");
          });
          draw();
        } })
      ]);
      headRow.appendChild(th);
    });
    thead.appendChild(headRow);
    table.appendChild(thead);
    table.appendChild(tbody);

    function compare(a, b) {
      var x = a.cells[sortCol], y = b.cells[sortCol];
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      if (typeof x === "number" && typeof y === "number") return (x - y) * sortDir;
      return String(x).localeCompare(String(y)) * sortDir;
    }
    function draw() {
      var ordered = sortCol < 0 ? rows.slice() : rows.slice().sort(compare);
      clear(tbody);
      if (!ordered.length) {
        tbody.appendChild(el("tr", { class: "empty" }, [el("td", { colspan: String(columns.length), text: "–" })]));
      }
      ordered.forEach(function (r) {
        var tr = el("tr", { class: r.current ? "current" : null });
        r.cells.forEach(function (v, ci) {
          var col = columns[ci];
          var text = col.format ? col.format(v, r) : v === null || v === undefined ? "–" : String(v);
          var content = ci === 0 && r.click
            ? el("button", { type: "button", class: "drill", text: text, onclick: r.click })
            : col.node ? col.node(v, r) : document.createTextNode(text);
          var td = el("td", { class: (col.numeric ? "num" : "") + (r.classes && r.classes[ci] ? " " + r.classes[ci] : ""),
            title: r.titles && r.titles[ci] ? r.titles[ci] : null, "data-label": col.label, lang: col.lang || null }, [content]);
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
    }
    draw();
    var exportButton = el("button", { type: "button", class: "export", text: t("export_csv"), onclick: function () {
      var header = columns.map(function (c) { return c.csvLabel || c.label; });
      var body = rows.map(function (r) {
        return r.cells.map(function (v, ci) {
          if (r.csv && r.csv[ci] !== undefined) return r.csv[ci];
          return v;
        });
      });
      download(filename, K.toCsv(header, body));
    } });
    return el("section", { class: "table-block" }, [
      el("div", { class: "table-head" }, [el("h2", { text: title }), exportButton]),
      el("div", { class: "table-scroll" }, [table])
    ]);
  }

  // ---------------------------------------------------------------- filters and state
  function deptName(id) {
    for (var i = 0; i < D.departments.length; i++) if (D.departments[i][0] === id) return D.departments[i][1];
    return id;
  }
  // Disclosure control (dashboards/disclosure.py) decided on the server what the page may show: a withheld figure
  // is not in the page data at all. A mark per month says why: "1" a group under the minimum size (its headcount
  // shows as a band, "< 5"), "2" withheld so that such a group cannot be worked out from the totals ("x").
  function deptMark(dept, i) { var s = D.withheld && D.withheld[dept]; return (s && s.charAt(i)) || "0"; }
  function isSmall(dept, i) { return deptMark(dept, i) !== "0"; }
  function hiddenText(mark, unit) {
    if (mark === "1") return t(unit && D.bandUnits.indexOf(unit) >= 0 ? "band" : "suppressed", { min: D.minGroup });
    return t("withheld", { min: D.minGroup });
  }
  function hiddenTitle(mark) { return t(mark === "1" ? "suppressed_title" : "withheld_title", { min: D.minGroup }); }
  function deptHiddenText(dept, i) { return hiddenText(deptMark(dept, i)); }
  function deptHiddenTitle(dept, i) { return hiddenTitle(deptMark(dept, i)); }
  function isWithheldKey(dept) { return dept === D.withheldKey; }

  function readHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    var p = D.periods.indexOf(params.get("period"));
    if (p >= 0) state.period = p;
    var d = params.get("dept");
    if (d && D.departments.some(function (x) { return x[0] === d; })) state.dept = d;
    var k = params.get("kpi");
    if (k) state.kpi = k;
    // the controls page's rule and severity filters (controls.html#severity=high)
    if (params.get("rule")) state.rule = params.get("rule");
    if (params.get("severity")) state.severity = params.get("severity");
  }

  function hashString() {
    var params = new URLSearchParams();
    params.set("period", D.periods[state.period] || "");
    params.set("dept", state.dept);
    if (state.rule) params.set("rule", state.rule);
    if (state.severity) params.set("severity", state.severity);
    return "#" + params.toString();
  }

  function syncControls() {
    var ps = document.getElementById("filter-period"), ds = document.getElementById("filter-department");
    if (ps && D.periods.length) ps.value = D.periods[state.period];
    if (ds) ds.value = state.dept;
    var hash = hashString();
    if (history.replaceState) history.replaceState(null, "", hash + (state.kpi ? "&kpi=" + encodeURIComponent(state.kpi) : ""));
    Array.prototype.forEach.call(document.querySelectorAll("nav.pages a"), function (a) {
      a.setAttribute("href", a.getAttribute("href").split("#")[0] + hash);
    });
  }

  function setState(change) {
    Object.keys(change).forEach(function (k) { state[k] = change[k]; });
    syncControls();
    render();
  }

  var render = function () {};

  // ---------------------------------------------------------------- Plotly
  function plot(id, traces, layout) {
    var node = document.getElementById(id);
    if (!node || !window.Plotly) return null;
    var base = {
      height: 330, margin: { l: 64, r: 16, t: 48, b: 56 }, separators: D.format.decimal + D.format.thousands,
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff", legend: { orientation: "h", y: -0.2 },
      font: { family: "system-ui, sans-serif", size: 12 }
    };
    Object.keys(layout).forEach(function (k) { base[k] = layout[k]; });
    chartAxis(base.yaxis, traces, base.barmode === "stack");
    wrapTitle(node, base);
    describeChart(node, traces, base);
    var shown = window.Plotly.react(node, traces, base, chartConfig());
    if (shown && shown.then) shown.then(function () { nameModebar(node); });
    return node;
  }

  // ---------------------------------------------------------------- charts in the page's language, and readable
  // without seeing them. Month names and Plotly's own words come with the page data (render.chart_locale); large
  // numbers on an axis are shortened with the language's suffixes (15k, 250M, 10B; Indonesian 15 rb, 250 jt, 10 M).
  function chartConfig() {
    var config = { displaylogo: false, responsive: true };
    if (D.lang !== "en" && D.format.months) {
      config.locale = D.lang;
      config.locales = {};
      config.locales[D.lang] = { dictionary: D.format.plotly || {}, format: {
        months: D.format.months, shortMonths: D.format.shortMonths, decimal: D.format.decimal, thousands: D.format.thousands } };
    }
    return config;
  }

  K.shortNumber = function (v, step) {
    var scale = D.format.scale || ["", "k", "M", "B", "T"];
    var k = Math.min(scale.length - 1, Math.max(0, Math.floor(Math.log(Math.abs(v) || 1) / Math.log(1000))));
    var unit = Math.pow(1000, k), decimals = Math.min(2, Math.max(0, -Math.floor(Math.log10((step || unit) / unit) + 1e-9)));
    return K.number(v / unit, decimals) + scale[k];
  };

  // an axis of values from 10,000 up gets tick labels computed here, in the page's language
  function chartAxis(axis, traces, stacked) {
    if (!axis) return;
    var ys = [];
    if (stacked) {
      var sums = {};
      traces.forEach(function (tr) { (tr.y || []).forEach(function (v, j) { if (typeof v === "number") sums[j] = (sums[j] || 0) + v; }); });
      ys = Object.keys(sums).map(function (j) { return sums[j]; });
    } else {
      traces.forEach(function (tr) { (tr.y || []).forEach(function (v) { if (typeof v === "number" && isFinite(v)) ys.push(v); }); });
    }
    if (!ys.length) return;
    var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys);
    if (Math.max(Math.abs(lo), Math.abs(hi)) < 10000) return;
    if (stacked || traces.some(function (tr) { return tr.type === "bar"; })) { lo = Math.min(0, lo); hi = Math.max(0, hi); }
    var raw = (hi - lo) / 5 || Math.abs(hi) / 5, magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * magnitude; }).filter(function (s) { return s >= raw; })[0];
    var vals = [], text = [];
    for (var v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) {
      var x = Math.round(v / step) * step;
      vals.push(x);
      text.push((x < 0 ? "-" : "") + (axis.tickprefix || "") + K.shortNumber(Math.abs(x), step) + (axis.ticksuffix || ""));
    }
    axis.tickmode = "array";
    axis.tickvals = vals;
    axis.ticktext = text;
  }

  // a title longer than the chart is wide goes on more lines (Plotly does not wrap titles)
  function wrapTitle(node, layout) {
    var title = layout.title;
    if (!title || !title.text) return;
    node.dataset.title = title.text;
    var lines = titleLines(title.text, node.clientWidth || 600, (title.font && title.font.size) || 14);
    title.text = lines.join("<br>");
    layout.margin = Object.assign({}, layout.margin, { t: 30 + 18 * lines.length });
    layout.height = (layout.height || 330) + 18 * (lines.length - 1);
  }

  function titleLines(text, width, size) {
    var perLine = Math.max(18, Math.floor((width - 24) / (size * 0.58))), lines = [], line = "";
    String(text).split(" ").forEach(function (word) {
      if (line && (line + " " + word).replace(/&[a-z]+;/g, "_").length > perLine) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) lines.push(line);
    return lines;
  }

  function rewrapTitles() {
    if (!window.Plotly) return;
    Array.prototype.forEach.call(document.querySelectorAll(".chart[data-title]"), function (node) {
      if (!node.layout || node.hidden) return;
      var layout = { title: Object.assign({}, node.layout.title, { text: node.dataset.title }), margin: node.layout.margin,
        height: node.layout.height - 18 * ((node.layout.title.text.match(/<br>/g) || []).length) };
      wrapTitle(node, layout);
      window.Plotly.relayout(node, { "title.text": layout.title.text, "margin.t": layout.margin.t, height: layout.height });
    });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(rewrapTitles, 150); });
  // on paper a chart takes the paper's width (Plotly draws at a fixed size), and the screen's again after
  function fitCharts() {
    if (!window.Plotly) return;
    Array.prototype.forEach.call(document.querySelectorAll(".chart.js-plotly-plot"), function (node) {
      if (!node.hidden) window.Plotly.Plots.resize(node);
    });
  }
  window.addEventListener("beforeprint", fitCharts);
  window.addEventListener("afterprint", fitCharts);

  function plainText(s) { return String(s).replace(/<br>/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"); }

  // the chart's text alternative: its title and, per line or set of bars, where it starts and ends or its highest
  // and lowest bar (role figure, so its controls stay reachable)
  function describeChart(node, traces, layout) {
    var axis = layout.yaxis || {};
    function value(v) {
      return (v < 0 ? "-" : "") + (axis.tickprefix || "") + K.number(Math.abs(v), Number.isInteger(v) ? 0 : 2) + (axis.ticksuffix || "");
    }
    function month(x) { var j = D.periods.indexOf(String(x).slice(0, 7)); return j >= 0 ? D.periodNames[j] : plainText(x); }
    var parts = [];
    traces.slice(0, 4).forEach(function (tr) {
      var points = (tr.x || []).map(function (x, j) { return [x, (tr.y || [])[j]]; })
        .filter(function (p) { return typeof p[1] === "number" && isFinite(p[1]); });
      if (!points.length) return;
      var name = tr.name ? plainText(tr.name) : "", text;
      if (/^\d{4}-\d{2}-\d{2}$/.test(String(points[0][0]))) {
        var a = points[0], b = points[points.length - 1];
        text = t("chart_summary_series", { name: name, first: value(a[1]), start: month(a[0]), last: value(b[1]), end: month(b[0]) });
      } else {
        var sorted = points.slice().sort(function (p, q) { return q[1] - p[1]; }), top = sorted[0], bottom = sorted[sorted.length - 1];
        text = t("chart_summary_bars", { name: name, top: plainText(top[0]), top_value: value(top[1]),
          bottom: plainText(bottom[0]), bottom_value: value(bottom[1]) });
      }
      parts.push(name ? text : text.replace(/^:\s*/, ""));
    });
    node.setAttribute("role", "figure");
    node.setAttribute("aria-label", t("chart_label", { title: plainText((layout.title && layout.title.text) || ""),
      summary: parts.length ? parts.join("; ") : t("chart_summary_none") }));
  }

  // Plotly's mode bar buttons carry their name in a tooltip only: it becomes their accessible name too
  function nameModebar(node) {
    Array.prototype.forEach.call(node.querySelectorAll(".modebar-btn"), function (b) {
      if (!b.getAttribute("aria-label") && b.getAttribute("data-title")) b.setAttribute("aria-label", b.getAttribute("data-title"));
    });
  }

  function axisFor(unit) {
    var axis = { zeroline: false };
    if (isMoney(unit)) axis.tickprefix = D.format.currency;
    if (D.format.suffix[unit]) axis.ticksuffix = D.format.suffix[unit];
    return axis;
  }

  function monthDates() { return D.periods.map(function (p) { return p + "-01"; }); }

  // the orange line at the chosen month (none while the warehouse has no month)
  function monthMarker(x, i) {
    return x.length ? [{ type: "line", xref: "x", yref: "paper", x0: x[i], x1: x[i], y0: 0, y1: 1, line: { color: "#f59f00", width: 2 } }] : [];
  }

  // ---------------------------------------------------------------- KPI pages
  function kpiValue(kpi, dept, i) {
    var series = D.values[kpi.code][dept];
    return series ? series[i] : null;
  }
  function kpiTarget(kpi, dept, i) {
    var series = D.targets[kpi.code][dept];
    return series ? series[i] : null;
  }
  function kpiStatus(kpi, dept, i) {
    var s = D.status[kpi.code][dept];
    return s ? s.charAt(i) : "-";
  }
  function kpiDirection(kpi, dept) {
    return D.directions[kpi.code][dept] || kpi.direction;
  }
  function kpiMark(kpi, dept, i) {
    var byDept = D.marks && D.marks[kpi.code], s = byDept && byDept[dept];
    return (s && s.charAt(i)) || "0";
  }
  function kpiSuppressed(kpi, dept, i) { return kpiMark(kpi, dept, i) !== "0"; }

  // the month ``k`` months before month i, as an index of D.periods (-1 when the page has no such month)
  function monthsBefore(i, k) {
    var p = D.periods[i];
    if (!p) return -1;
    var total = Number(p.slice(0, 4)) * 12 + Number(p.slice(5, 7)) - 1 - k;
    var month = (total % 12) + 1;
    return D.periods.indexOf(Math.floor(total / 12) + "-" + (month < 10 ? "0" : "") + month);
  }

  function shownValue(kpi, dept, j) {
    return j < 0 || kpiSuppressed(kpi, dept, j) ? null : kpiValue(kpi, dept, j);
  }

  // the change of month i on month j (a month before, or the same month a year before); null when either is
  // missing or withheld. A change that is zero as written is neither better nor worse.
  function changeBetween(kpi, dept, i, j) {
    var v = shownValue(kpi, dept, i), prev = shownValue(kpi, dept, j);
    if (v === null || prev === null) return null;
    var c = v - prev;
    var favourable = null, direction = kpiDirection(kpi, dept);
    if (!K.isUnchanged(c, kpi.unit) && direction !== "neutral") favourable = (c > 0) === (direction === "higher_is_better");
    return { change: c, favourable: favourable, previous: D.periodLabels[j] };
  }

  function changeInfo(kpi, dept, i) { return i > 0 ? changeBetween(kpi, dept, i, i - 1) : null; }

  // "▲ +0.40 pts vs May 2025", coloured better or worse; "= 0.0 d vs May 2025" with no colour when unchanged
  function changeLine(ch, kpi, kind) {
    var unchanged = K.isUnchanged(ch.change, kpi.unit);
    var arrow = unchanged ? "= " : ch.change > 0 ? "▲ " : "▼ ";
    var cls = unchanged || ch.favourable === null ? "neutral" : ch.favourable ? "better" : "worse";
    return el("div", { class: "change " + cls + (unchanged ? " unchanged" : ""), "data-change": kind,
      text: arrow + K.formatChange(ch.change, kpi.unit) + " " + t("vs", { period: ch.previous }) });
  }

  // year to date: the sum of the year's months for a plain total, their average otherwise (kpi_pages.
  // year_to_date_kinds); only when every month of the year up to i is on the page and shown
  function yearToDate(kpi, dept, i) {
    var p = D.periods[i];
    if (!p) return null;
    var first = D.periods.indexOf(p.slice(0, 4) + "-01");
    if (first < 0 || i - first !== Number(p.slice(5, 7)) - 1) return null;
    var total = 0;
    for (var j = first; j <= i; j++) {
      var v = shownValue(kpi, dept, j);
      if (v === null) return null;
      total += v;
    }
    var kind = (D.ytd && D.ytd[kpi.code]) || "mean";
    return { value: kind === "sum" ? total : total / (i - first + 1), kind: kind, months: i - first + 1 };
  }

  function card(kpi) {
    var i = state.period, dept = state.dept;
    var suppressed = kpiSuppressed(kpi, dept, i), mark = kpiMark(kpi, dept, i);
    var v = kpiValue(kpi, dept, i), target = kpiTarget(kpi, dept, i), st = suppressed ? "-" : kpiStatus(kpi, dept, i);
    var text = suppressed ? hiddenText(mark, kpi.unit) : v === null ? t("no_data") : K.compact(v, kpi.unit);
    var full = suppressed || v === null ? null : K.format(v, kpi.unit);
    var children = [
      // the card charts its KPI: its name is the button (a card with links in it cannot itself be a button)
      el("div", { class: "label" }, [el("button", { type: "button", class: "card-title", text: kpi.name, "aria-controls": "charts",
        "aria-pressed": state.kpi === kpi.code ? "true" : "false" }), D.overview ? el("span", { class: "domain", text: kpi.domainName }) : null]),
      el("div", { class: "value" + (full !== null && text.length > 11 ? " long" : ""),
        "data-value": suppressed || v === null ? "" : String(v),
        "data-mark": mark, title: suppressed ? hiddenTitle(mark) : full !== text ? full : null,
        text: text })
    ];
    if (target !== null && !suppressed) {
      var direction = kpiDirection(kpi, dept);
      var sign = direction === "lower_is_better" ? "≤ " : direction === "higher_is_better" ? "≥ " : "";
      var scope = D.scopes[kpi.code][dept] === "company" ? " (" + t("target_company") + ")" : "";
      children.push(el("div", { class: "status status-" + st }, [
        el("span", { class: "pill", text: t(STATUS_KEY[st]) }),
        " " + t("target") + " " + sign + K.format(target, kpi.unit) + scope
      ]));
      var note = D.targetNotes && D.targetNotes[kpi.code] && D.targetNotes[kpi.code][dept] ? D.targetNotes[kpi.code][dept][i] : null;
      if (note) {
        // who answers for the target and why it is set there (the targets file's owner and comment)
        children.push(el("div", { class: "target-note", "data-target-note": "" }, [
          note[0] ? el("span", { class: "owner", text: t("target_owner") + ": " + note[0] }) : null,
          note[0] && note[1] ? " · " : null,
          note[1] ? el("span", { class: "comment", text: note[1] }) : null
        ]));
      }
    } else if (!suppressed) {
      children.push(el("div", { class: "status status--" }, [el("span", { class: "pill", text: t("status_none") })]));
    }
    var ch = suppressed ? null : changeInfo(kpi, dept, i);
    if (ch) children.push(changeLine(ch, kpi, "month"));
    else children.push(el("div", { class: "change neutral", "data-change": "month", text: i === 0 ? t("no_previous") : "" }));
    var year = suppressed ? null : changeBetween(kpi, dept, i, monthsBefore(i, 12));
    if (year) children.push(changeLine(year, kpi, "year"));
    var ytd = suppressed ? null : yearToDate(kpi, dept, i);
    if (ytd && ytd.months > 1) {
      children.push(el("div", { class: "change ytd", "data-change": "ytd", title: K.format(ytd.value, kpi.unit),
        text: t(ytd.kind === "sum" ? "ytd_total" : "ytd_mean", { value: K.compact(ytd.value, kpi.unit) }) }));
    }
    if (!suppressed) {
      var from = Math.max(0, i - 11), pts = [];
      for (var j = from; j <= i; j++) pts.push(kpiValue(kpi, dept, j));
      children.push(sparkline(pts, target));
    }
    if (D.overview) {
      children.push(el("a", { class: "more", href: kpi.href + hashString(), text: t("open_page", { page: kpi.domainName }) + " →" }));
    }
    // every card links to its KPI's definition (definitions.html, dashboards/definitions.py)
    children.push(definitionLink(kpi));
    var node = el("div", {
      class: "card card-" + st + (state.kpi === kpi.code ? " selected" : ""), "data-kpi": kpi.code, "data-status": st,
      title: kpi.definition,
      onclick: function (e) { if (e.target.tagName !== "A") showChart({ kpi: kpi.code }); }
    }, children);
    return node;
  }

  function definitionLink(kpi) {
    return el("a", { class: "more def-link", href: "definitions.html#kpi-" + encodeURIComponent(kpi.code),
      "data-definition": kpi.code, title: t("definition_link_title", { kpi: kpi.name }), text: t("definition_link") });
  }

  // the charted KPI's definition, linked under the charts (one link, replaced when another KPI is charted)
  function chartDefinition(kpi) {
    var charts = document.getElementById("charts");
    if (!charts) return;
    var old = document.getElementById("chart-definition");
    if (old) old.remove();
    var link = definitionLink(kpi);
    link.id = "chart-definition";
    link.textContent = t("definition_link") + ": " + kpi.name;
    charts.parentNode.insertBefore(link, charts.nextSibling);
  }

  // a card or an attention item chosen: its KPI is charted, and the charts come into view (they sit below
  // the cards; the sticky filter bar is kept clear by the charts' scroll margin)
  function showChart(change) {
    setState(change);
    var charts = document.getElementById("charts");
    if (!charts || charts.hidden) return;
    charts.scrollIntoView({ block: "start" });
    if (charts.focus) charts.focus({ preventScroll: true });
  }

  // the "needs attention" strip: what is off target in the month (kpi_pages.off_target, counted as the monthly
  // review counts it): the company KPIs off target and the worst department-KPI pairs, or one department's
  function renderAttention(i, dept) {
    var box = document.getElementById("attention");
    if (!box) return;
    clear(box);
    var found = D.attention && D.attention[i];
    box.hidden = !found || !D.periods.length;
    if (box.hidden) return;
    var byCode = {};
    D.kpis.forEach(function (k) { byCode[k.code] = k; });
    var pairs = found.pairs.filter(function (p) { return byCode[p[0]] && (dept === "ALL" || p[1] === dept); });
    var kpis = dept === "ALL" ? found.kpis.filter(function (c) { return byCode[c]; }) : [];
    var period = D.periodNames[i];
    var heading = dept === "ALL"
      ? t("attention_title", { period: period, kpis: kpis.length, pairs: pairs.length })
      : t("attention_title_department", { period: period, department: deptName(dept), pairs: pairs.length });
    box.setAttribute("data-kpis", String(kpis.length));
    box.setAttribute("data-pairs", String(pairs.length));
    box.className = "attention" + (kpis.length || pairs.length ? "" : " attention-clear");
    box.appendChild(el("h2", { text: heading }));
    if (!kpis.length && !pairs.length) {
      box.appendChild(el("p", { text: t("attention_none", { period: period }) }));
      return;
    }
    function item(code, department) {
      var k = byCode[code], v = kpiValue(k, department, i), target = kpiTarget(k, department, i);
      var direction = kpiDirection(k, department);
      var sign = direction === "lower_is_better" ? "≤ " : direction === "higher_is_better" ? "≥ " : "";
      var ch = changeInfo(k, department, i);
      var who = department === "ALL" ? t("company") : deptName(department);
      var label = who + ": " + k.name + " " + K.format(v, k.unit) + " (" + t("target") + " " + sign + K.format(target, k.unit) + ")";
      var children = [el("span", { class: "what", text: label })];
      if (ch) {
        var unchanged = K.isUnchanged(ch.change, k.unit);
        children.push(el("span", { class: "change " + (unchanged || ch.favourable === null ? "neutral" : ch.favourable ? "better" : "worse"),
          text: " " + (unchanged ? "= " : ch.change > 0 ? "▲ " : "▼ ") + K.formatChange(ch.change, k.unit) + " " + t("vs", { period: ch.previous }) }));
      }
      return el("li", {}, [el("button", { type: "button", class: "attention-item", "data-kpi": code, "data-dept": department,
        onclick: function () { showChart({ kpi: code, dept: department }); } }, children)]);
    }
    var list = el("ul");
    kpis.forEach(function (c) { list.appendChild(item(c, "ALL")); });
    pairs.slice(0, D.attentionShown || 5).forEach(function (p) { list.appendChild(item(p[0], p[1])); });
    box.appendChild(list);
    var more = pairs.length - Math.min(pairs.length, D.attentionShown || 5);
    if (more > 0) {
      box.appendChild(el("p", { class: "more" }, [
        t("attention_more", { n: more }) + " ",
        el("a", { href: "review-" + D.periods[i] + ".html", text: t("attention_review") + " →" })
      ]));
    }
  }

  // departments ranked worst first (the direction of the KPI says which end is worst; a neutral KPI is ranked
  // largest first), as the department chart draws them and its caption names the first
  function rankDepartments(kpi, i) {
    var direction = kpiDirection(kpi, "ALL");
    var shown = D.departments.filter(function (d) {
      return d[0] !== "ALL" && !kpiSuppressed(kpi, d[0], i) && kpiValue(kpi, d[0], i) !== null;
    });
    return shown.sort(function (a, b) {
      var x = kpiValue(kpi, a[0], i), y = kpiValue(kpi, b[0], i);
      var order = direction === "higher_is_better" ? x - y : y - x;
      return order || a[1].localeCompare(b[1]);
    });
  }

  function departmentCaption(kpi, i, ranked) {
    var caption = document.getElementById("chart-caption");
    if (!caption) return;
    caption.textContent = "";
    ["data-department", "data-value"].forEach(function (a) { caption.removeAttribute(a); });
    if (!ranked.length) return;
    var worst = ranked[0], v = kpiValue(kpi, worst[0], i), ch = changeInfo(kpi, worst[0], i);
    var key = kpiDirection(kpi, "ALL") === "neutral" ? "highest_department" : "worst_department";
    var text = t(key, { period: D.periodNames[i], department: worst[1], value: K.format(v, kpi.unit) });
    if (ch) {
      var unchanged = K.isUnchanged(ch.change, kpi.unit);
      text += " · " + (unchanged ? "= " : ch.change > 0 ? "▲ " : "▼ ") + K.formatChange(ch.change, kpi.unit) + " " +
        t("vs", { period: ch.previous }) + (ch.favourable === null || unchanged ? "" : ", " + t(ch.favourable ? "favourable" : "unfavourable"));
    }
    caption.textContent = text;
    caption.setAttribute("data-department", worst[0]);
    caption.setAttribute("data-value", String(v));
  }

  function renderKpiPage() {
    var i = state.period, dept = state.dept;
    var kpis = D.kpis;
    if (!kpis.some(function (k) { return k.code === state.kpi; })) state.kpi = kpis.length ? kpis[0].code : null;
    renderAttention(i, dept);
    var cards = clear(document.getElementById("cards"));
    var lastGroup = null;
    kpis.forEach(function (k) {
      // a domain page groups its cards by KPI family; the overview is one scorecard
      if (!D.overview && k.group !== lastGroup) cards.appendChild(el("h2", { class: "group", text: k.group }));
      lastGroup = k.group;
      cards.appendChild(card(k));
    });

    var summary = document.getElementById("summary");
    var counts = { g: 0, a: 0, r: 0, "-": 0 };
    kpis.forEach(function (k) { counts[kpiSuppressed(k, dept, i) ? "-" : kpiStatus(k, dept, i)] += 1; });
    var summaryText = kpis.length ? t("status_summary", { green: counts.g, amber: counts.a, red: counts.r, none: counts["-"] }) : "";
    if (kpis.length && D.notComputable) summaryText += " · " + t("summary_not_computable", { n: D.notComputable });
    summary.textContent = summaryText;
    document.getElementById("hint").textContent = kpis.length ? t("chart_hint") : "";

    var kpi = D.periods.length ? kpis.filter(function (k) { return k.code === state.kpi; })[0] : null;
    var charts = document.getElementById("charts");
    charts.hidden = !kpi;
    if (kpi) {
      var x = monthDates();
      var series = D.periods.map(function (_, j) { return kpiSuppressed(kpi, dept, j) ? null : kpiValue(kpi, dept, j); });
      var traces = [{ x: x, y: series, name: plotlyText(deptName(dept)), mode: "lines+markers", line: { color: "#1c7ed6", width: 3 },
        text: series.map(function (v) { return v === null ? "" : K.format(v, kpi.unit); }), hovertemplate: "%{text}<extra>%{fullData.name}</extra>" }];
      var tgt = D.periods.map(function (_, j) { return kpiTarget(kpi, dept, j); });
      if (tgt.some(function (v) { return v !== null; })) {
        traces.push({ x: x, y: tgt, name: t("target"), mode: "lines", line: { color: "#495057", dash: "dash", shape: "hv" },
          text: tgt.map(function (v) { return v === null ? "" : K.format(v, kpi.unit); }), hovertemplate: "%{text}<extra>%{fullData.name}</extra>" });
      }
      if (dept !== "ALL") {
        var companySeries = D.periods.map(function (_, j) { return kpiValue(kpi, "ALL", j); });
        traces.push({ x: x, y: companySeries, name: t("company"), mode: "lines", line: { color: "#adb5bd", dash: "dot" },
          text: companySeries.map(function (v) { return v === null ? "" : K.format(v, kpi.unit); }), hovertemplate: "%{text}<extra>%{fullData.name}</extra>" });
      }
      plot("chart-main", traces, {
        title: { text: plotlyText(t("trend_title", { kpi: kpi.name, department: deptName(dept) })), font: { size: 14 } },
        yaxis: axisFor(kpi.unit), xaxis: { type: "date", tickformat: "%b %Y" }, shapes: monthMarker(x, i)
      });
      chartDefinition(kpi);
      // departments worst first, each bar labelled with its value in the page's format; the chosen department
      // is outlined (its colour stays its status); a company rate or average is the dotted line to compare with
      var shown = rankDepartments(kpi, i);
      var comparable = D.rateUnits.indexOf(kpi.unit) >= 0 || (isMoney(kpi.unit) && D.ytd && D.ytd[kpi.code] === "mean");
      var company = comparable ? kpiValue(kpi, "ALL", i) : null;
      if (company !== null && kpiSuppressed(kpi, "ALL", i)) company = null;
      var labels = shown.map(function (d) { return K.format(kpiValue(kpi, d[0], i), kpi.unit); });
      var bars = plot("chart-side", [{
        type: "bar", x: shown.map(function (d) { return plotlyText(d[1]); }), y: shown.map(function (d) { return kpiValue(kpi, d[0], i); }),
        customdata: shown.map(function (d) { return d[0]; }),
        text: labels, textposition: "outside", cliponaxis: false, hovertemplate: "%{x}: %{text}<extra></extra>",
        marker: { color: shown.map(function (d) { return COLORS[kpiStatus(kpi, d[0], i)]; }),
          line: { color: shown.map(function (d) { return d[0] === dept ? "#1f2933" : "rgba(0,0,0,0)"; }),
            width: shown.map(function (d) { return d[0] === dept ? 3 : 0; }) } },
        name: plotlyText(kpi.name)
      }], {
        title: { text: plotlyText(t("by_department_title", { kpi: kpi.name, period: D.periodNames[i] })), font: { size: 14 } },
        yaxis: axisFor(kpi.unit), xaxis: { automargin: true, tickangle: -30 }, showlegend: false,
        shapes: company === null ? [] : [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: company, y1: company, line: { color: "#495057", dash: "dot" } }],
        annotations: company === null ? [] : [{ xref: "paper", x: 1, xanchor: "right", y: company, yanchor: "bottom", showarrow: false,
          text: plotlyText(t("company") + " " + K.format(company, kpi.unit)), font: { size: 11, color: "#495057" } }]
      });
      departmentCaption(kpi, i, shown);
      if (bars && !bars.dataset.bound) {
        bars.dataset.bound = "1";
        bars.on("plotly_click", function (ev) { if (ev.points && ev.points[0]) setState({ dept: ev.points[0].customdata }); });
      }
    }

    var tables = clear(document.getElementById("tables"));
    if (!kpis.length || !D.periods.length) return;
    // one column per KPI; a withheld cell sorts last and shows (and exports) as n<min, < min or x
    var kpiColumns = kpis.map(function (k, ki) {
      return { label: k.name, csvLabel: k.name + " (" + unitLabel(k.unit) + ")", numeric: true, format: function (v, r) {
        return r && r.classes[ki + 1] === "suppressed" ? r.csv[ki + 1] : K.format(v, k.unit);
      } };
    });
    function kpiRow(first, department, j) {
      var row = { cells: [first], csv: [first], classes: [null], titles: [null] };
      kpis.forEach(function (k) {
        var mark = kpiMark(k, department, j), sup = mark !== "0", v = sup ? null : kpiValue(k, department, j);
        row.cells.push(v);
        row.csv.push(sup ? hiddenText(mark, k.unit) : v);
        row.classes.push(sup ? "suppressed" : "st-" + kpiStatus(k, department, j));
        row.titles.push(sup ? hiddenTitle(mark) : null);
      });
      return row;
    }
    var byDept = D.departments.map(function (d) {
      var row = kpiRow(d[1], d[0], i);
      row.current = d[0] === dept;
      row.click = function () { setState({ dept: d[0] }); };
      return row;
    });
    tables.appendChild(dataTable(t("table_by_department", { period: D.periodNames[i] }),
      [{ label: t("department") }].concat(kpiColumns), byDept, D.page + "-" + D.periods[i] + "-by-department.csv"));

    var byMonth = D.periods.map(function (p, j) {
      var row = kpiRow(p, dept, j);
      row.current = j === i;
      row.click = function () { setState({ period: j }); };
      return row;
    }).reverse();
    var monthColumns = [{ label: t("month"), format: function (v) { return D.periodNames[D.periods.indexOf(v)]; } }];
    tables.appendChild(dataTable(t("table_by_month", { department: deptName(dept) }), monthColumns.concat(kpiColumns), byMonth,
      D.page + "-" + (dept === "ALL" ? "company" : dept) + "-by-month.csv"));
    renderBudget(tables, i, dept);
  }

  // ---------------------------------------------------------------- finance: budget against actual
  // From marts.finance_budget_vs_actual (kpi_pages.budget_payload): by category for the chosen department (or the
  // company), and by department over every category with a budget. Variance = actual - budget; its colour follows
  // the category's class: over budget is unfavourable for an expense, under budget for revenue.
  function renderBudget(tables, i, dept) {
    var B = D.budget;
    if (!B || !B.rows.length) return;
    var money = function (v) { return v === null || v === undefined ? "–" : K.format(v, "money"); };
    var pct = function (v) { return v === null || v === undefined ? "–" : K.format(v, "pct"); };
    var code = D.format.currencyCode;
    function figures(actual, budget, side) {
      var variance = actual - budget, share = budget ? variance / Math.abs(budget) * 100 : null;
      var good = side === "above_budget" ? variance >= 0 : side === "below_budget" ? variance <= 0 : null;
      var cls = good === null || K.isUnchanged(variance, "money") ? null : good ? "st-g" : "st-r";
      return { cells: [actual, budget, variance, share], classes: [null, null, cls, cls] };
    }
    var rows = B.rows.filter(function (r) { return r[2] === i && r[1] === dept; });
    var byCategory = rows.map(function (r) {
      var f = figures(r[3], r[4], B.categories[r[0]][1]);
      return { cells: [B.categories[r[0]][0]].concat(f.cells), classes: [null].concat(f.classes) };
    });
    var columns = [
      { label: t("actual"), csvLabel: t("actual") + " (" + code + ")", numeric: true, format: money },
      { label: t("budget"), csvLabel: t("budget") + " (" + code + ")", numeric: true, format: money },
      { label: t("variance"), csvLabel: t("variance") + " (" + code + ")", numeric: true, format: money },
      { label: t("variance_pct"), numeric: true, format: pct }
    ];
    var title = t("budget_by_category", { period: D.periodNames[i], department: deptName(dept) });
    var block = dataTable(title, [{ label: t("category") }].concat(columns), byCategory,
      "finance-" + D.periods[i] + "-" + (dept === "ALL" ? "company" : dept) + "-budget-by-category.csv");
    block.setAttribute("data-budget", "category");
    if (!rows.length) block.appendChild(el("p", { class: "note", text: t("budget_withheld") }));
    tables.insertBefore(block, tables.firstChild);

    // by department: the expense categories (below_budget) together, as the operating budget is held
    var totals = {};
    B.rows.forEach(function (r) {
      if (r[2] !== i || B.categories[r[0]][1] !== "below_budget") return;
      var e = totals[r[1]] || (totals[r[1]] = [0, 0]);
      e[0] += r[3]; e[1] += r[4];
    });
    var order = D.departments.map(function (d) { return d[0]; });
    var byDept = Object.keys(totals).sort(function (a, b) {
      var x = order.indexOf(a), y = order.indexOf(b);
      return (x < 0 ? 1e9 : x) - (y < 0 ? 1e9 : y) || a.localeCompare(b);
    }).map(function (d) {
      var f = figures(totals[d][0], totals[d][1], "below_budget");
      return { cells: [deptName(d)].concat(f.cells), classes: [null].concat(f.classes), current: d === dept,
        click: function () { setState({ dept: d }); } };
    });
    var second = dataTable(t("budget_by_department", { period: D.periodNames[i] }), [{ label: t("department") }].concat(columns),
      byDept, "finance-" + D.periods[i] + "-budget-by-department.csv");
    second.setAttribute("data-budget", "department");
    tables.insertBefore(second, block.nextSibling);
  }

  // ---------------------------------------------------------------- controls and compliance
  function inPeriod(rowPeriod, i) { return rowPeriod === i || rowPeriod === -1; }

  function renderFindingsPage() {
    // The open list a reviewer works from (dashboards/findings.py): D.open rows are
    // [source, rule, severity, department, entity, description, amount, age, status, owner, note, evidence, month,
    // reference], most severe first, then the largest amount. Department, rule and severity filter everything.
    var dept = state.dept, rule = state.rule || "", sev = state.severity || "";
    var money = function (v) { return v === null || v === undefined ? "–" : K.format(v, "money"); };
    var count = function (v) { return v === null || v === undefined ? "–" : K.number(v, 0); };
    var amountCsv = t("amount_at_risk") + " (" + D.format.currencyCode + ")";
    var anyAvailable = D.sources.some(function (s) { return s.available; });
    var ruleName = function (code) { return D.ruleNames[code] || code; };
    var deptText = function (d) { return !d ? "–" : isWithheldKey(d) ? t("withheld_departments") : deptName(d); };
    var inScope = function (r) { return (dept === "ALL" || r[3] === dept) && (!rule || r[1] === rule); };
    var open = D.open.filter(function (r) { return inScope(r) && (!sev || r[2] === sev); });
    var high = D.open.filter(function (r) { return inScope(r) && D.highSeverities.indexOf(r[2]) >= 0; });
    var highAmount = high.reduce(function (a, r) { return r[6] === null ? a : (a || 0) + r[6]; }, null);
    var rates = D.falsePositive.filter(function (r) { return !rule || r[0] === rule; });
    var closed = 0, falsePositives = 0;
    rates.forEach(function (r) { closed += r[4]; falsePositives += r[5]; });
    var cards = clear(document.getElementById("cards"));
    [["high_open_amount", t("amount_high_open"), anyAvailable ? money(highAmount === null ? 0 : highAmount) : "–", "r"],
     ["high_open", t("findings_high_open"), anyAvailable ? count(high.length) : "–", high.length ? "r" : "g"],
     ["open", t("findings_open"), anyAvailable ? count(open.length) : "–", null],
     ["false_positive_rate", t("false_positive_rate"), closed ? K.format(100 * falsePositives / closed, "pct") : "–", null]
    ].forEach(function (f) {
      cards.appendChild(el("div", { class: "card" + (f[3] ? " card-" + f[3] : ""), "data-kpi": f[0],
        title: f[0] === "false_positive_rate" ? t("false_positive_title") : null }, [
        el("div", { class: "label", text: f[1] }),
        el("div", { class: "value", "data-value": f[0] === "high_open_amount" ? String(highAmount || 0) : null, text: f[2] })
      ]));
    });
    document.getElementById("summary").textContent = "";
    document.getElementById("hint").textContent = "";

    var tables = clear(document.getElementById("tables"));
    var charts = document.getElementById("charts");
    charts.hidden = !anyAvailable;
    if (!anyAvailable) return;
    var statusText = function (s) { return D.statusNames[s] || s || "–"; };
    var sevText = function (s) { return D.severityNames[s] || s || "–"; };
    var list = dataTable(t("open_findings_title", { department: deptName(dept) }), [
      { label: t("severity"), format: sevText, node: function (v) {
        return el("span", { class: "sev sev-" + (v || "none"), text: sevText(v) }); } },
      { label: t("rule"), format: ruleName }, { label: t("department"), format: deptText }, { label: t("entity") },
      { label: t("description"), lang: "en" },  // the findings SQL writes its sentences in English
      { label: t("amount_at_risk"), csvLabel: amountCsv, numeric: true, format: money },
      { label: t("age_days"), numeric: true, format: count }, { label: t("review_status"), format: statusText },
      { label: t("owner") }, { label: t("review_note") }, { label: t("reference") }
    ], open.map(function (r) {
      return { cells: [r[2], r[1], r[3], r[4], r[5], r[6], r[7], r[8], r[9] || null, r[10] || null, r[13]],
        csv: [sevText(r[2]), ruleName(r[1]), deptText(r[3]), r[4], r[5] + (r[11] ? " " + t("evidence") + ": " + r[11] : ""),
          r[6], r[7], statusText(r[8]), r[9], r[10], r[13]],
        titles: [null, null, null, null, r[11] ? t("evidence") + ": " + r[11] : null, null, t("age_title"), null, null, null, null],
        classes: ["sev-cell", null, null, null, "wrap", null, null, "status-" + r[8], null, "wrap", null] };
    }), "controls-open-findings-" + (dept === "ALL" ? "company" : dept) + ".csv");
    list.setAttribute("data-open-findings", String(open.length));
    tables.appendChild(list);
    var hint = el("p", { class: "hint", text: t("open_findings_hint") });
    tables.appendChild(hint);

    var pct = function (v) { return v === null || v === undefined ? "–" : K.format(v, "pct"); };
    tables.appendChild(dataTable(t("rules_review_title"), [
      { label: t("rule"), format: ruleName }, { label: t("kind"), format: function (v) { return t("kind_" + v) || v; } },
      { label: t("n_findings"), numeric: true, format: count }, { label: t("n_open"), numeric: true, format: count },
      { label: t("n_closed"), numeric: true, format: count }, { label: t("n_false_positive"), numeric: true, format: count },
      { label: t("false_positive_rate"), numeric: true, format: pct }
    ], rates.map(function (r) {
      return { cells: r.slice(), csv: [ruleName(r[0]), t("kind_" + r[1])].concat(r.slice(2)) };
    }), "controls-false-positive-rates.csv"));

    var x = monthDates();
    var colors = { critical: "#a61e1e", high: "#c92a2a", medium: "#f08c00", low: "#868e96" };
    var shown = D.severityOrder.filter(function (s) { return open.some(function (r) { return r[2] === s; }); });
    plot("chart-main", shown.map(function (s) {
      return { type: "bar", name: plotlyText(sevText(s)), x: x, marker: { color: colors[s] || "#868e96" },
        y: D.periods.map(function (_, j) { return open.filter(function (r) { return r[2] === s && r[12] === j; }).length; }) };
    }), { barmode: "stack", title: { text: plotlyText(t("open_by_month", { department: deptName(dept) })), font: { size: 14 } },
      xaxis: { type: "date", tickformat: "%b %Y" } });
  }

  // ---------------------------------------------------------------- data quality
  function renderQualityPage() {
    var i = state.period, dept = state.dept;
    var count = function (v) { return v === null || v === undefined ? "–" : K.number(v, 0); };
    var rows = D.rows.filter(function (r) { return inPeriod(r[3], i) && (dept === "ALL" || r[4] === dept || r[4] === ""); });
    // one count of quarantined rows (quality.quarantined_rows): the badge, its tooltip and this card say the same
    var quarantined = D.quarantined;
    var loaded = D.sources.reduce(function (a, s) { return a + s[1]; }, 0);
    var failed = D.sources.reduce(function (a, s) { return a + s[2]; }, 0);
    var failing = D.checks === null ? null : D.checks.length;
    var dataFindings = D.findings.filter(function (r) { return inPeriod(r[3], i) && (dept === "ALL" || r[4] === dept || r[4] === ""); })
      .reduce(function (a, r) { return a + r[5]; }, 0);
    var cards = clear(document.getElementById("cards"));
    [["files_loaded", loaded, null], ["files_failed", failed, failed ? "r" : "g"], ["rows_quarantined", quarantined, quarantined ? "a" : "g"],
     ["checks_failing", failing, failing === null ? null : failing ? "r" : "g"],
     ["data_findings", D.findingSources.length ? dataFindings : null, D.findingSources.length ? (dataFindings ? "a" : "g") : null]
    ].forEach(function (f) {
      cards.appendChild(el("div", { class: "card" + (f[2] ? " card-" + f[2] : ""), "data-kpi": f[0] }, [
        el("div", { class: "label", text: t(f[0]) }), el("div", { class: "value", "data-value": f[1] === null ? "" : String(f[1]), text: count(f[1]) })
      ]));
    });
    document.getElementById("summary").textContent = "";
    document.getElementById("hint").textContent = "";
    var names = [];
    D.rows.forEach(function (r) { if (names.indexOf(r[0]) < 0) names.push(r[0]); });
    var x = monthDates();
    var charts = document.getElementById("charts");
    charts.hidden = !names.length;
    if (names.length) {
      plot("chart-main", names.map(function (n) {
        return { type: "bar", name: plotlyText(n), x: x, y: D.periods.map(function (_, j) {
          return D.rows.filter(function (r) { return r[0] === n && r[3] === j && (dept === "ALL" || r[4] === dept); })
            .reduce(function (a, r) { return a + r[5]; }, 0);
        }) };
      }), { barmode: "stack", title: { text: plotlyText(t("quarantine_trend", { department: deptName(dept) })), font: { size: 14 } },
        xaxis: { type: "date", tickformat: "%b %Y" }, shapes: monthMarker(x, i) });
      document.getElementById("chart-side").hidden = true;
    }
    var tables = clear(document.getElementById("tables"));
    // what needs a look first: the checks whose latest result failed, errors before warnings
    if (D.checks !== null) {
      var checksBlock = dataTable(t("checks_failing_title", { passed: count(D.checksPassed) }), [
        { label: t("table") }, { label: t("check") },
        { label: t("result"), format: function (v) { return v ? t("passed") : t("failed_result"); } },
        { label: t("severity"), format: severityName }, { label: t("checked_at") }, { label: t("unexpected"), numeric: true, format: count }
      ], D.checks.map(function (c) {
        var error = String(c[3]).toUpperCase() === "ERROR";
        return { cells: c.slice(), classes: [null, null, error ? "st-r" : "st-a", null, null, null] };
      }), "quality-checks-failing.csv");
      checksBlock.setAttribute("data-checks", "failing");
      tables.appendChild(checksBlock);
      if (D.matrix && D.matrix.rows.length) tables.appendChild(checkMatrix(D.matrix));
    }
    var grouped = D.quarantine.map(function (r) { return { cells: r.slice() }; });
    var quarantineBlock = dataTable(t("quarantine_now_title", { n: count(quarantined) }), [
      { label: t("source") }, { label: t("rule") }, { label: t("column") }, { label: t("rows"), numeric: true, format: count }
    ], grouped, "quality-quarantine.csv");
    quarantineBlock.setAttribute("data-quarantine", String(quarantined));
    tables.appendChild(quarantineBlock);
    var monthly = {};
    rows.forEach(function (r) {
      var key = r[0] + "|" + r[1] + "|" + r[2];
      var e = monthly[key] || (monthly[key] = { cells: [r[0], r[1], r[2], 0] });
      e.cells[3] += r[5];
    });
    tables.appendChild(dataTable(t("quarantine_title", { period: D.periodNames[i] || "", department: deptName(dept) }), [
      { label: t("source") }, { label: t("rule") }, { label: t("column") }, { label: t("rows"), numeric: true, format: count }
    ], Object.keys(monthly).map(function (k) { return monthly[k]; }), "quality-" + (D.periods[i] || "all") + "-quarantine.csv"));
    tables.appendChild(dataTable(t("sources_title"), [
      { label: t("source") }, { label: t("files"), numeric: true, format: count }, { label: t("failed"), numeric: true, format: count },
      { label: t("rows_read"), numeric: true, format: count }, { label: t("rows_staged"), numeric: true, format: count },
      { label: t("rows_quarantined"), numeric: true, format: count }, { label: t("last_loaded") }, { label: t("note") }
    ], D.sources.map(function (s) { return { cells: s.slice(), classes: [null, null, s[2] ? "st-r" : null, null, null, s[5] ? "st-a" : null, null, null] }; }),
    "quality-sources.csv"));
    if (D.findingSources.length) {
      var byRule = {};
      D.findings.filter(function (r) { return inPeriod(r[3], i) && (dept === "ALL" || r[4] === dept || r[4] === ""); })
        .forEach(function (r) {
          var key = r[0] + "|" + r[1] + "|" + r[2];
          var e = byRule[key] || (byRule[key] = { cells: [D.findingSources[r[0]], r[1], r[2], 0, null] });
          e.cells[3] += r[5];
          if (r[6] !== null) e.cells[4] = (e.cells[4] || 0) + r[6];
        });
      tables.appendChild(dataTable(t("data_findings_title", { period: D.periodNames[i] || "" }), [
        { label: t("source") }, { label: t("rule") }, { label: t("severity"), format: severityName },
        { label: t("n_findings"), numeric: true, format: count },
        { label: t("amount_at_risk"), csvLabel: t("amount_at_risk") + " (" + D.format.currencyCode + ")", numeric: true,
          format: function (v) { return v === null ? "–" : K.format(v, "money"); } }
      ], Object.keys(byRule).map(function (k) { return byRule[k]; }), "quality-" + (D.periods[i] || "all") + "-data-findings.csv"));
    }
  }

  // checks per table and day (quality.check_matrix): one small square per day, red when an ERROR check failed,
  // amber when only a WARN check did, green when every check passed, blank when none ran; tables with failures first
  function checkMatrix(M) {
    var MARK = { f: ["m-f", "matrix_failed"], w: ["m-w", "matrix_warned"], p: ["m-p", "matrix_passed"], "-": ["m-none", "matrix_none"] };
    var head = el("tr", {}, [el("th", { scope: "col", text: t("table") })].concat(M.days.map(function (d, j) {
      return el("th", { scope: "col", class: "day", title: d, text: j === 0 || d.slice(8) === "01" || j === M.days.length - 1 ? d.slice(5) : "" });
    })));
    var body = el("tbody", {}, M.rows.map(function (r) {
      return el("tr", {}, [el("th", { scope: "row", text: r[0] })].concat(r[1].split("").map(function (m, j) {
        var mark = MARK[m] || MARK["-"], text = t(mark[1]);
        return el("td", { class: "cell " + mark[0], title: M.days[j] + ": " + text, "aria-label": M.days[j] + ": " + text });
      })));
    }));
    var failing = M.rows.filter(function (r) { return /[fw]/.test(r[1]); }).length;
    var legend = el("p", { class: "matrix-legend" }, ["f", "w", "p", "-"].map(function (m) {
      return el("span", {}, [el("span", { class: "cell " + MARK[m][0] }), " " + t(MARK[m][1]) + " "]);
    }));
    return el("section", { class: "table-block", "data-matrix": String(M.rows.length) }, [
      el("div", { class: "table-head" }, [el("h2", { text: t("matrix_title", { days: M.days.length, tables: M.rows.length, failing: failing }) })]),
      legend,
      // a scrolling region without controls in it takes the focus itself, so it scrolls from the keyboard too
      el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": t("matrix_title", { days: M.days.length,
        tables: M.rows.length, failing: failing }) }, [el("table", { class: "matrix" }, [el("thead", {}, [head]), body])])
    ]);
  }

  // ---------------------------------------------------------------- publishing status
  // assets/status.js (dashboards/publish.py) names the run that built these pages and the newest run that has not
  // published: while there is one, every page says so, and that these pages are the last complete set.
  K.statusBanner = function (status, labels, now) {
    var newest = status && status.newest;
    if (!newest || newest.runId === status.runId) return null;
    var started = Date.parse(newest.started);
    var running = newest.state === "started" && !(now - started > (status.runningMinutes || 120) * 60000);
    var text = (labels[running ? "banner_running" : "banner_failed"] || "");
    var params = { run: newest.run, started: newest.startedLabel, built_run: status.run, built: status.builtLabel };
    Object.keys(params).forEach(function (k) { text = text.split("{" + k + "}").join(String(params[k])); });
    return { level: running ? "running" : "failed", text: text };
  };

  function showStatus(labels) {
    var banner = K.statusBanner(window.KINERJA_STATUS, labels, Date.now());
    if (!banner) return;
    var node = el("p", { class: "run-banner run-" + banner.level, role: "alert", "data-run-banner": banner.level, text: banner.text });
    var header = document.querySelector("header.top");
    if (header && header.parentNode) header.parentNode.insertBefore(node, header.nextSibling);
    else document.body.insertBefore(node, document.body.firstChild);
  }

  // ---------------------------------------------------------------- start
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    var block = document.getElementById("kinerja-data");
    var labelBlock = document.getElementById("kinerja-status-labels");
    showStatus(labelBlock ? JSON.parse(labelBlock.textContent) : {});
    if (!block) {
      document.body.setAttribute("data-ready", "1");
      document.body.setAttribute("data-charts", "1");
      return;
    }
    D = JSON.parse(block.textContent);
    state.period = Math.max(0, D.periods.length - 1);
    readHash();
    var renderers = { kpi: renderKpiPage, findings: renderFindingsPage, quality: renderQualityPage };
    render = renderers[D.kind] || function () {};
    var ps = document.getElementById("filter-period"), ds = document.getElementById("filter-department");
    if (ps) ps.addEventListener("change", function () { setState({ period: Math.max(0, D.periods.indexOf(ps.value)) }); });
    if (ds) ds.addEventListener("change", function () { setState({ dept: ds.value }); });
    var rs = document.getElementById("filter-rule"), ss = document.getElementById("filter-severity");
    if (rs) { rs.value = state.rule || ""; rs.addEventListener("change", function () { setState({ rule: rs.value }); }); }
    if (ss) { ss.value = state.severity || ""; ss.addEventListener("change", function () { setState({ severity: ss.value }); }); }
    syncControls();
    render();
    // Cards and tables are drawn now; plotly.js (loaded after this script) draws the charts once it is parsed.
    document.body.setAttribute("data-ready", "1");
    K.contentMs = performance.now();
    function drawCharts() {
      if (window.Plotly) render();
      K.chartsMs = performance.now();
      document.body.setAttribute("data-charts", "1");
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawCharts);
    else drawCharts();
  }

  // This script sits at the end of <body>, after the data block: it can draw before plotly.js is parsed.
  init();
})();

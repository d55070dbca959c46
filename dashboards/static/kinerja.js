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

  function decimalsFor(v, unit) {
    if (D.format.whole.indexOf(unit) >= 0 && Number.isInteger(v)) return 0;
    return unit in D.format.decimals ? D.format.decimals[unit] : 2;
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

  K.formatChange = function (c, unit) {
    var sign = c > 0 ? "+" : "";
    if (unit === "pct") return sign + K.number(c, 2) + " " + t("points");
    return sign + K.format(c, unit);
  };

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
  // columns: [{label, numeric, format(raw) -> text}]; rows: [{cells: [raw], click: fn?}]
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
            : document.createTextNode(text);
          var td = el("td", { class: (col.numeric ? "num" : "") + (r.classes && r.classes[ci] ? " " + r.classes[ci] : ""),
            title: r.titles && r.titles[ci] ? r.titles[ci] : null }, [content]);
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
  }

  function hashString() {
    var params = new URLSearchParams();
    params.set("period", D.periods[state.period] || "");
    params.set("dept", state.dept);
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
    window.Plotly.react(node, traces, base, { displaylogo: false, responsive: true });
    return node;
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

  function changeInfo(kpi, dept, i) {
    var v = kpiValue(kpi, dept, i), prev = i > 0 ? kpiValue(kpi, dept, i - 1) : null;
    if (v === null || prev === null) return null;
    var c = v - prev;
    var favourable = null, direction = kpiDirection(kpi, dept);
    if (Math.abs(c) > 1e-9 && direction !== "neutral") favourable = (c > 0) === (direction === "higher_is_better");
    return { change: c, favourable: favourable, previous: D.periodLabels[i - 1] };
  }

  function card(kpi) {
    var i = state.period, dept = state.dept;
    var suppressed = kpiSuppressed(kpi, dept, i), mark = kpiMark(kpi, dept, i);
    var v = kpiValue(kpi, dept, i), target = kpiTarget(kpi, dept, i), st = suppressed ? "-" : kpiStatus(kpi, dept, i);
    var children = [
      el("div", { class: "label" }, [kpi.name, D.overview ? el("span", { class: "domain", text: kpi.domainName }) : null]),
      el("div", { class: "value" + (v !== null && !suppressed && K.format(v, kpi.unit).length > 11 ? " long" : ""),
        "data-value": suppressed || v === null ? "" : String(v),
        "data-mark": mark, title: suppressed ? hiddenTitle(mark) : null,
        text: suppressed ? hiddenText(mark, kpi.unit) : v === null ? t("no_data") : K.format(v, kpi.unit) })
    ];
    if (target !== null && !suppressed) {
      var direction = kpiDirection(kpi, dept);
      var sign = direction === "lower_is_better" ? "≤ " : direction === "higher_is_better" ? "≥ " : "";
      var scope = D.scopes[kpi.code][dept] === "company" ? " (" + t("target_company") + ")" : "";
      children.push(el("div", { class: "status status-" + st }, [
        el("span", { class: "pill", text: t(STATUS_KEY[st]) }),
        " " + t("target") + " " + sign + K.format(target, kpi.unit) + scope
      ]));
    } else if (!suppressed) {
      children.push(el("div", { class: "status status--" }, [el("span", { class: "pill", text: t("status_none") })]));
    }
    var ch = suppressed ? null : changeInfo(kpi, dept, i);
    if (ch) {
      var arrow = ch.change > 0 ? "▲ " : ch.change < 0 ? "▼ " : "■ ";
      var cls = ch.favourable === null ? "neutral" : ch.favourable ? "better" : "worse";
      children.push(el("div", { class: "change " + cls, text: arrow + K.formatChange(ch.change, kpi.unit) + " " + t("vs", { period: ch.previous }) }));
    } else {
      children.push(el("div", { class: "change neutral", text: i === 0 ? t("no_previous") : "" }));
    }
    if (!suppressed) {
      var from = Math.max(0, i - 11), pts = [];
      for (var j = from; j <= i; j++) pts.push(kpiValue(kpi, dept, j));
      children.push(sparkline(pts, target));
    }
    if (D.overview) {
      children.push(el("a", { class: "more", href: kpi.href + hashString(), text: t("open_page", { page: kpi.domainName }) + " →" }));
    }
    var node = el("div", {
      class: "card card-" + st + (state.kpi === kpi.code ? " selected" : ""), "data-kpi": kpi.code, "data-status": st,
      role: "button", tabindex: "0", "aria-pressed": state.kpi === kpi.code ? "true" : "false", title: kpi.definition,
      onclick: function (e) { if (e.target.tagName !== "A") setState({ kpi: kpi.code }); },
      onkeydown: function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); setState({ kpi: kpi.code }); } }
    }, children);
    return node;
  }

  function renderKpiPage() {
    var i = state.period, dept = state.dept;
    var kpis = D.kpis;
    if (!kpis.some(function (k) { return k.code === state.kpi; })) state.kpi = kpis.length ? kpis[0].code : null;
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
      var traces = [{ x: x, y: series, name: plotlyText(deptName(dept)), mode: "lines+markers", line: { color: "#1c7ed6", width: 3 } }];
      var tgt = D.periods.map(function (_, j) { return kpiTarget(kpi, dept, j); });
      if (tgt.some(function (v) { return v !== null; })) {
        traces.push({ x: x, y: tgt, name: t("target"), mode: "lines", line: { color: "#495057", dash: "dash", shape: "hv" } });
      }
      if (dept !== "ALL") {
        traces.push({ x: x, y: D.periods.map(function (_, j) { return kpiValue(kpi, "ALL", j); }), name: t("company"),
          mode: "lines", line: { color: "#adb5bd", dash: "dot" } });
      }
      plot("chart-main", traces, {
        title: { text: plotlyText(t("trend_title", { kpi: kpi.name, department: deptName(dept) })), font: { size: 14 } },
        yaxis: axisFor(kpi.unit), xaxis: { type: "date", tickformat: "%b %Y" }, shapes: monthMarker(x, i)
      });
      var depts = D.departments.filter(function (d) { return d[0] !== "ALL"; });
      var shown = depts.filter(function (d) { return !kpiSuppressed(kpi, d[0], i) && kpiValue(kpi, d[0], i) !== null; });
      // a company total is no yardstick for a department; a company rate is
      var company = D.rateUnits.indexOf(kpi.unit) >= 0 ? kpiValue(kpi, "ALL", i) : null;
      var bars = plot("chart-side", [{
        type: "bar", x: shown.map(function (d) { return plotlyText(d[1]); }), y: shown.map(function (d) { return kpiValue(kpi, d[0], i); }),
        customdata: shown.map(function (d) { return d[0]; }),
        marker: { color: shown.map(function (d) { return d[0] === dept ? "#f59f00" : COLORS[kpiStatus(kpi, d[0], i)]; }) },
        name: plotlyText(kpi.name)
      }], {
        title: { text: plotlyText(t("by_department_title", { kpi: kpi.name, period: D.periodNames[i] })), font: { size: 14 } },
        yaxis: axisFor(kpi.unit), xaxis: { automargin: true, tickangle: -30 }, showlegend: false,
        shapes: company === null ? [] : [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: company, y1: company, line: { color: "#495057", dash: "dot" } }]
      });
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
  }

  // ---------------------------------------------------------------- controls and compliance
  function inPeriod(rowPeriod, i) { return rowPeriod === i || rowPeriod === -1; }

  function renderFindingsPage() {
    var i = state.period, dept = state.dept;
    var money = function (v) { return v === null ? "–" : K.format(v, "money"); };
    var count = function (v) { return v === null ? "–" : K.number(v, 0); };
    var amountCsv = t("amount_at_risk") + " (" + D.format.currencyCode + ")";
    var periodName = D.periodNames[i] || "", periodFile = D.periods[i] || "all";
    var deptApplies = function (row) { return dept === "ALL" || !D.sources[row[0]].hasDepartment || row[4] === dept; };
    var small = isSmall(dept, i);
    var rows = D.rows.filter(function (r) { return inPeriod(r[3], i) && deptApplies(r); });
    var total = 0, high = 0, amount = null, rules = {};
    rows.forEach(function (r) {
      total += r[5];
      if (D.highSeverities.indexOf(r[2]) >= 0) high += r[5];
      if (r[6] !== null) amount = (amount || 0) + r[6];
      rules[r[0] + "|" + r[1]] = true;
    });
    var anyAvailable = D.sources.some(function (s) { return s.available; });
    var cards = clear(document.getElementById("cards"));
    var figures = [
      ["findings", t("findings"), count(total)], ["high", t("findings_high"), count(high)],
      ["amount", t("amount_at_risk"), money(amount)], ["rules", t("controls_hit"), count(Object.keys(rules).length)]
    ];
    figures.forEach(function (f) {
      var hide = small || !anyAvailable;
      cards.appendChild(el("div", { class: "card", "data-kpi": f[0] }, [
        el("div", { class: "label", text: f[1] }),
        el("div", { class: "value", title: small ? deptHiddenTitle(dept, i) : null, text: !anyAvailable ? "–" : hide ? deptHiddenText(dept, i) : f[2] })
      ]));
    });
    var notes = [];
    D.sources.forEach(function (s) { if (s.available && !s.hasDepartment && dept !== "ALL") notes.push(s.label + ": " + t("no_department")); });
    document.getElementById("summary").textContent = notes.join(" ");
    document.getElementById("hint").textContent = "";

    var charts = document.getElementById("charts");
    charts.hidden = !anyAvailable;
    if (anyAvailable) {
      var severities = [];
      D.rows.forEach(function (r) { if (severities.indexOf(r[2]) < 0) severities.push(r[2]); });
      var x = monthDates();
      var traces = severities.map(function (sev) {
        return { type: "bar", name: plotlyText(sev || "–"), x: x, y: D.periods.map(function (_, j) {
          if (isSmall(dept, j)) return null;
          return D.rows.filter(function (r) { return r[2] === sev && r[3] === j && deptApplies(r); })
            .reduce(function (a, r) { return a + r[5]; }, 0);
        }) };
      });
      plot("chart-main", traces, {
        barmode: "stack", title: { text: plotlyText(t("findings_trend", { department: deptName(dept) })), font: { size: 14 } },
        xaxis: { type: "date", tickformat: "%b %Y" }, shapes: monthMarker(x, i)
      });
      var perDept = {};
      D.rows.forEach(function (r) { if (inPeriod(r[3], i) && r[4] && !isWithheldKey(r[4])) perDept[r[4]] = (perDept[r[4]] || 0) + r[5]; });
      var depts = Object.keys(perDept).filter(function (d) { return !isSmall(d, i); });
      var bars = plot("chart-side", [{ type: "bar", x: depts.map(function (d) { return plotlyText(deptName(d)); }),
        y: depts.map(function (d) { return perDept[d]; }), customdata: depts, marker: { color: "#1c7ed6" } }], {
        title: { text: plotlyText(t("findings_by_department", { period: periodName })), font: { size: 14 } },
        xaxis: { automargin: true, tickangle: -30 }, showlegend: false
      });
      if (bars && !bars.dataset.bound) {
        bars.dataset.bound = "1";
        bars.on("plotly_click", function (ev) { if (ev.points && ev.points[0]) setState({ dept: ev.points[0].customdata }); });
      }
    }

    var tables = clear(document.getElementById("tables"));
    if (!anyAvailable) return;
    var byRule = {};
    rows.forEach(function (r) {
      var key = r[0] + "|" + r[1] + "|" + r[2];
      var e = byRule[key] || (byRule[key] = { cells: [D.sources[r[0]].label, r[1], D.ruleNames[r[1]] || "", r[2], 0, null] });
      e.cells[4] += r[5];
      if (r[6] !== null) e.cells[5] = (e.cells[5] || 0) + r[6];
    });
    var ruleRows = Object.keys(byRule).map(function (k) { return byRule[k]; });
    var hidden = deptHiddenText(dept, i);
    if (small) ruleRows = ruleRows.map(function (r) { return { cells: [r.cells[0], r.cells[1], r.cells[2], r.cells[3], null, null], csv: [r.cells[0], r.cells[1], r.cells[2], r.cells[3], hidden, hidden], classes: [null, null, null, null, "suppressed", "suppressed"] }; });
    var suppressible = function (fmt) { return function (v, r) { return r && r.classes && r.classes[4] === "suppressed" ? hidden : fmt(v); }; };
    tables.appendChild(dataTable(t("findings_by_rule", { period: periodName, department: deptName(dept) }), [
      { label: t("kind") }, { label: t("rule") }, { label: t("note") }, { label: t("severity") },
      { label: t("n_findings"), numeric: true, format: suppressible(count) },
      { label: t("amount_at_risk"), csvLabel: amountCsv, numeric: true, format: suppressible(money) }
    ], ruleRows, "controls-" + periodFile + "-" + (dept === "ALL" ? "company" : dept) + "-by-rule.csv"));

    var byDept = {};
    D.rows.forEach(function (r) {
      if (!inPeriod(r[3], i) || !r[4]) return;
      var e = byDept[r[4]] || (byDept[r[4]] = { cells: [deptName(r[4]), 0, null], id: r[4] });
      e.cells[1] += r[5];
      if (r[6] !== null) e.cells[2] = (e.cells[2] || 0) + r[6];
    });
    // findings of withheld departments are one row together: the company total stays whole, no one's is shown
    var deptRows = Object.keys(byDept).sort().map(function (d) {
      var e = byDept[d];
      if (isWithheldKey(d)) return { cells: [t("withheld_departments"), e.cells[1], e.cells[2]], current: false };
      var sup = isSmall(d, i), text = deptHiddenText(d, i);
      return { cells: sup ? [e.cells[0], null, null] : e.cells, csv: sup ? [e.cells[0], text, text] : undefined,
        classes: sup ? [null, "suppressed", "suppressed"] : null, current: d === dept, click: function () { setState({ dept: d }); } };
    });
    var supp = function (fmt) { return function (v, r) { return r && r.classes && r.classes[1] === "suppressed" ? r.csv[1] : fmt(v); }; };
    tables.appendChild(dataTable(t("findings_by_department", { period: periodName }), [
      { label: t("department") }, { label: t("n_findings"), numeric: true, format: supp(count) },
      { label: t("amount_at_risk"), csvLabel: amountCsv, numeric: true, format: supp(money) }
    ], deptRows, "controls-" + periodFile + "-by-department.csv"));
  }

  // ---------------------------------------------------------------- data quality
  function renderQualityPage() {
    var i = state.period, dept = state.dept;
    var count = function (v) { return v === null || v === undefined ? "–" : K.number(v, 0); };
    var rows = D.rows.filter(function (r) { return inPeriod(r[3], i) && (dept === "ALL" || r[4] === dept || r[4] === ""); });
    var quarantined = rows.reduce(function (a, r) { return a + r[5]; }, 0);
    var loaded = D.sources.reduce(function (a, s) { return a + s[1]; }, 0);
    var failed = D.sources.reduce(function (a, s) { return a + s[2]; }, 0);
    var failing = D.checks === null ? null : D.checks.filter(function (c) { return !c[2]; }).length;
    var dataFindings = D.findings.filter(function (r) { return inPeriod(r[3], i) && (dept === "ALL" || r[4] === dept || r[4] === ""); })
      .reduce(function (a, r) { return a + r[5]; }, 0);
    var cards = clear(document.getElementById("cards"));
    [["files_loaded", loaded, null], ["files_failed", failed, failed ? "r" : "g"], ["rows_quarantined", quarantined, quarantined ? "a" : "g"],
     ["checks_failing", failing, failing === null ? null : failing ? "r" : "g"],
     ["data_findings", D.findingSources.length ? dataFindings : null, D.findingSources.length ? (dataFindings ? "a" : "g") : null]
    ].forEach(function (f) {
      cards.appendChild(el("div", { class: "card" + (f[2] ? " card-" + f[2] : ""), "data-kpi": f[0] }, [
        el("div", { class: "label", text: t(f[0]) }), el("div", { class: "value", text: count(f[1]) })
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
    var grouped = {};
    rows.forEach(function (r) {
      var key = r[0] + "|" + r[1] + "|" + r[2];
      var e = grouped[key] || (grouped[key] = { cells: [r[0], r[1], r[2], 0] });
      e.cells[3] += r[5];
    });
    tables.appendChild(dataTable(t("quarantine_title", { period: D.periodNames[i] || "", department: deptName(dept) }), [
      { label: t("source") }, { label: t("rule") }, { label: t("column") }, { label: t("rows"), numeric: true, format: count }
    ], Object.keys(grouped).map(function (k) { return grouped[k]; }), "quality-" + (D.periods[i] || "all") + "-quarantine.csv"));
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
        { label: t("source") }, { label: t("rule") }, { label: t("severity") },
        { label: t("n_findings"), numeric: true, format: count },
        { label: t("amount_at_risk"), csvLabel: t("amount_at_risk") + " (" + D.format.currencyCode + ")", numeric: true,
          format: function (v) { return v === null ? "–" : K.format(v, "money"); } }
      ], Object.keys(byRule).map(function (k) { return byRule[k]; }), "quality-" + (D.periods[i] || "all") + "-data-findings.csv"));
    }
    if (D.checks !== null) {
      tables.appendChild(dataTable(t("checks_title"), [
        { label: t("table") }, { label: t("check") },
        { label: t("result"), format: function (v) { return v ? t("passed") : t("failed_result"); } },
        { label: t("severity") }, { label: t("checked_at") }, { label: t("unexpected"), numeric: true, format: count }
      ], D.checks.map(function (c) { return { cells: c.slice(), classes: [null, null, c[2] ? "st-g" : "st-r", null, null, null] }; }),
      "quality-checks.csv"));
    }
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

/* The model page's dashboard: each chart drawn with Plotly from the JSON at #dashboard's
   data-src (the runs the page's words describe), and the heatmap's features re-ordered without
   reloading. A file, not an inline script: the page's Content-Security-Policy allows none. */
(function () {
  "use strict";

  var COLOR = {
    ok: "#1a7f37", investigate: "#9a6700", retrain: "#cf222e", warning: "#9a6700",
    alert: "#cf222e", accent: "#0b5cad", muted: "#59636e", ink: "#1b1f24", band: "rgba(11,92,173,0.15)",
    estimate: "#8250df", estimateBand: "rgba(130,80,223,0.12)",
  };
  var SYMBOL = { ok: "circle", investigate: "diamond", retrain: "x", warning: "diamond", alert: "x" };
  var VERDICTS = ["ok", "investigate", "retrain"];
  var OUTPUT_ROLES = ["prediction", "probability", "target"];
  var CONFIG = { displayModeBar: false, responsive: true };

  /* Text for Plotly's labels: it reads a little HTML, so a column's name is escaped. */
  function text(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  /* A run's time as Plotly reads a date (UTC, without the offset). */
  function when(iso) {
    return iso.slice(0, 19).replace("T", " ");
  }

  /* A plain point's marker: small, and none where hundreds of runs would hide the line. */
  function dot(dates) {
    return dates.length > 200 ? 0 : 4;
  }

  /* The alerts fired in these runs: a dashed line at each firing run's date on every timeline,
     red for a critical alert; the page's table links each to its alert. */
  var MARKS = [];

  function markShapes() {
    // One line per run and colour: a rule on every feature may fire for many columns at once.
    var seen = {};
    return MARKS.filter(function (mark) {
      var key = mark.date + (mark.severity === "critical");
      if (seen[key]) return false;
      seen[key] = true;
      return true;
    }).map(function (mark) {
      return {
        type: "line", xref: "x", yref: "paper", x0: when(mark.date), x1: when(mark.date), y0: 0, y1: 1,
        line: { color: mark.severity === "critical" ? COLOR.retrain : COLOR.investigate, width: 1.5, dash: "dash" },
      };
    });
  }

  function layout(extra) {
    var base = {
      margin: { l: 52, r: 12, t: 8, b: 40 },
      font: { family: "system-ui, sans-serif", size: 12, color: COLOR.ink },
      paper_bgcolor: "#fff",
      plot_bgcolor: "#fff",
      xaxis: { type: "date", automargin: true },
      yaxis: { automargin: true, zeroline: false },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", traceorder: "normal" },
      hovermode: "closest",
      shapes: markShapes(),
    };
    return Object.assign(base, extra || {});
  }

  function draw(element, traces, extra) {
    return window.Plotly.newPlot(element, traces, layout(extra), CONFIG);
  }

  function driftChart(element, runs, dates) {
    var share = runs.drift_share.map(function (v) { return v === null ? null : v * 100; });
    var drifted = runs.dataset_drifted.map(function (d, i) { return d ? share[i] : null; });
    draw(element, [
      {
        x: dates, y: share, type: "scatter", mode: "lines+markers", name: "Drift share (%)",
        line: { color: COLOR.accent, width: 1.5 }, marker: { size: dot(dates), color: COLOR.accent },
        hovertemplate: "%{x}<br>drift share %{y:.0f}%<extra></extra>",
      },
      {
        x: dates, y: drifted, type: "scatter", mode: "markers", name: "Dataset drifted",
        marker: { symbol: "x", size: 9, color: COLOR.retrain },
        hovertemplate: "%{x}<br>dataset drifted<extra></extra>",
      },
    ].concat(alertTrace(share)), { yaxis: { title: { text: "% of columns" }, rangemode: "tozero", automargin: true } });
    followAlerts(element);
  }

  /* The alerts fired in these runs as flags above a chart's points, at the top of their dashed
     lines, each opening its alert's page when clicked; none when no alert fired. */
  function alertTrace(values) {
    if (!MARKS.length) return [];
    var top = Math.max.apply(null, values.filter(function (v) { return v !== null; }).concat([0]));
    return [{
      x: MARKS.map(function (mark) { return when(mark.date); }),
      y: MARKS.map(function () { return top * 1.1 + 2; }),
      type: "scatter", mode: "markers", name: "Alert fired",
      customdata: MARKS.map(function (mark) { return mark.url; }),
      hovertext: MARKS.map(function (mark) { return text("#" + mark.id + " " + mark.rule + " (" + mark.severity + ")"); }),
      marker: { symbol: "triangle-down", size: 13, color: COLOR.retrain, line: { color: "#fff", width: 1 } },
      hovertemplate: "%{x}<br>alert %{hovertext}<br>click to open<extra></extra>",
    }];
  }

  function followAlerts(element) {
    element.on("plotly_click", function (event) {
      var point = (event.points || []).filter(function (p) { return p.data.name === "Alert fired"; })[0];
      if (point && point.customdata) window.location.assign(point.customdata);
    });
  }

  function verdictChart(element, runs, dates) {
    var traces = VERDICTS.map(function (verdict) {
      var x = [], y = [], hover = [];
      runs.verdict.forEach(function (v, i) {
        if (v !== verdict) return;
        x.push(dates[i]);
        y.push(verdict);
        var reasons = (runs.reasons[i] || []).slice(0, 3).map(function (r) { return text(r.message); });
        hover.push(reasons.length ? reasons.join("<br>") : "no reason");
      });
      return {
        x: x, y: y, hovertext: hover, type: "scatter", mode: "markers", name: verdict,
        marker: { symbol: SYMBOL[verdict], size: 9, color: COLOR[verdict] },
        hovertemplate: "%{x}: %{y}<br>%{hovertext}<extra></extra>",
      };
    });
    draw(element, traces, {
      yaxis: {
        type: "category", categoryorder: "array", categoryarray: VERDICTS, range: [-0.5, 2.5],
        automargin: true,
      },
    });
  }

  /* The heatmap's rows: the features, ordered by how often they drift (then by name), or by
     name. */
  function featureOrder(columns, order) {
    var names = Object.keys(columns).filter(function (name) {
      return columns[name].role === "feature";
    });
    names.sort();
    if (order === "drift") {
      names.sort(function (a, b) { return columns[b].drifted_runs - columns[a].drifted_runs; });
    }
    return names;
  }

  function heatmap(columns, dates, order) {
    var names = featureOrder(columns, order);
    var z = [], hover = [];
    names.forEach(function (name) {
      var column = columns[name];
      z.push(column.drifted.map(function (d) { return d === null ? null : d ? 1 : 0; }));
      hover.push(column.drifted.map(function (d, i) {
        var p = column.p_value[i];
        var verdict = d === null ? "not tested" : d ? "drifted" : "no drift";
        if (p === null) return verdict;
        return verdict + (p < 0.001 ? " (p < 0.001)" : " (p " + p.toFixed(3) + ")");
      }));
    });
    var trace = {
      type: "heatmap", x: dates, y: names.map(text), z: z, hovertext: hover, zmin: 0, zmax: 1,
      colorscale: [[0, "#dbe8f6"], [0.5, "#dbe8f6"], [0.5, COLOR.retrain], [1, COLOR.retrain]],
      showscale: false, xgap: 0, ygap: 1,
      hovertemplate: "%{y}<br>%{x}<br>%{hovertext}<extra></extra>",
    };
    var height = Math.max(180, 60 + 18 * names.length);
    return {
      traces: [trace],
      layout: layout({
        height: height,
        yaxis: { autorange: "reversed", type: "category", automargin: true, ticks: "" },
        showlegend: false,
      }),
    };
  }

  function featureChart(element, columns, dates) {
    var form = document.getElementById("order-form");
    var table = document.getElementById("features-table");
    function show(order) {
      var figure = heatmap(columns, dates, order);
      window.Plotly.react(element, figure.traces, figure.layout, CONFIG);
      element.dataset.order = order;
    }
    show(document.getElementById("dashboard").dataset.order);
    if (!form) return;
    document.getElementById("order-submit").hidden = true;
    form.addEventListener("change", function (event) {
      var order = event.target.value;
      show(order);
      if (table) reorderTable(table, order);
      var url = new URL(window.location.href);
      url.searchParams.set("order", order);
      window.history.replaceState(null, "", url);
      var kept = document.querySelector("form.range input[name=order]");
      if (kept) kept.value = order;
    });
  }

  function reorderTable(table, order) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var byName = a.dataset.name < b.dataset.name ? -1 : a.dataset.name > b.dataset.name ? 1 : 0;
      if (order !== "drift") return byName;
      return Number(b.dataset.drifted) - Number(a.dataset.drifted) || byName;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function outputChart(element, columns, dates) {
    var traces = Object.keys(columns).filter(function (name) {
      return OUTPUT_ROLES.indexOf(columns[name].role) >= 0;
    }).sort().map(function (name) {
      var column = columns[name];
      return {
        x: dates, y: column.statistic, type: "scatter", mode: "lines+markers",
        name: text(name) + " (" + column.role + ")",
        hovertext: column.drifted.map(function (d) {
          return d === null ? "not tested" : d ? "drifted" : "no drift";
        }),
        marker: {
          size: column.drifted.map(function (d) { return d ? 10 : dot(dates); }),
          symbol: column.drifted.map(function (d) { return d ? "x" : "circle"; }),
        },
        hovertemplate: "%{x}<br>" + text(column.methods.join(", ")) +
          " %{y:.3g}<br>%{hovertext}<extra></extra>",
      };
    });
    draw(element, traces, { yaxis: { title: { text: "drift statistic" }, automargin: true } });
  }

  /* The metric estimated without labels: its band and a dashed line, under the realised one. */
  function estimateTraces(estimate, dates) {
    if (!estimate || !estimate.estimate.some(function (v) { return v !== null; })) return [];
    return [
      {
        x: dates, y: estimate.upper, type: "scatter", mode: "lines", line: { width: 0 },
        showlegend: false, hoverinfo: "skip",
      },
      {
        x: dates, y: estimate.lower, type: "scatter", mode: "lines", line: { width: 0 },
        fill: "tonexty", fillcolor: COLOR.estimateBand, name: "Estimate band", hoverinfo: "skip",
      },
      {
        x: dates, y: estimate.estimate, type: "scatter", mode: "lines+markers",
        name: "Estimated (no labels)", hovertext: estimate.status,
        line: { color: COLOR.estimate, dash: "dash", width: 1.5 },
        marker: { size: dot(dates), color: COLOR.estimate },
        hovertemplate: "estimated %{y:.3f} (%{hovertext})<extra></extra>",
      },
    ];
  }

  function metricChart(element, series, dates, estimate) {
    var status = series.status.map(function (s) { return s || "ok"; });
    var traces = estimateTraces(estimate, dates).concat([
      {
        x: dates, y: series.upper, type: "scatter", mode: "lines", line: { width: 0 },
        showlegend: false, hoverinfo: "skip",
      },
      {
        x: dates, y: series.lower, type: "scatter", mode: "lines", line: { width: 0 },
        fill: "tonexty", fillcolor: COLOR.band, name: "Confidence interval", hoverinfo: "skip",
      },
      {
        x: dates, y: series.value, type: "scatter", mode: "lines+markers", name: "Realised",
        line: { color: COLOR.accent, width: 1.5 }, hovertext: status,
        marker: {
          size: status.map(function (s) { return s === "ok" ? dot(dates) : 9; }),
          symbol: status.map(function (s) { return SYMBOL[s] || "circle"; }),
          color: status.map(function (s) { return COLOR[s] || COLOR.accent; }),
        },
        hovertemplate: "%{x}<br>%{y:.3f} (%{hovertext})<extra></extra>",
      },
      {
        x: dates, y: series.reference, type: "scatter", mode: "lines", name: "Baseline",
        line: { color: COLOR.muted, dash: "dash", width: 1.5 },
        hovertemplate: "baseline %{y:.3f}<extra></extra>",
      },
    ]);
    if (series.benchmark.some(function (v) { return v !== null; })) {
      traces.push({
        x: dates, y: series.benchmark, type: "scatter", mode: "lines", name: "Benchmark",
        line: { color: COLOR.retrain, dash: "dot", width: 1.5 },
        hovertemplate: "benchmark %{y:.3f}<extra></extra>",
      });
    }
    draw(element, traces);
  }

  /* The share of thumbs down per run (bars), with the number of votes in the hover. */
  function feedbackChart(element, runs, dates) {
    var share = runs.n_feedback.map(function (n, i) {
      return n ? (100 * (runs.negative_feedback[i] || 0)) / n : null;
    });
    draw(element, [
      {
        x: dates, y: share, type: "bar", name: "Thumbs down", marker: { color: COLOR.alert },
        customdata: runs.n_feedback,
        hovertemplate: "%{y:.1f}% of %{customdata} vote(s)<extra></extra>",
      },
    ], { yaxis: { title: { text: "% negative" }, rangemode: "tozero", automargin: true } });
  }

  function qualityChart(element, runs, dates) {
    draw(element, [
      {
        x: dates, y: runs.quality_alerts, type: "bar", name: "Alerts",
        marker: { color: COLOR.alert, pattern: { shape: "x" } },
      },
      {
        x: dates, y: runs.quality_warnings, type: "bar", name: "Warnings",
        marker: { color: COLOR.warning },
      },
    ], { barmode: "stack", yaxis: { title: { text: "checks" }, rangemode: "tozero", automargin: true } });
  }

  /* The date fields mean a custom range: editing one picks "Custom dates". */
  function followDates() {
    var span = document.getElementById("range");
    ["since", "until"].forEach(function (id) {
      var field = document.getElementById(id);
      if (span && field) field.addEventListener("change", function () { span.value = "custom"; });
    });
  }

  function failed(root, why) {
    var problem = document.createElement("p");
    problem.className = "problem";
    problem.setAttribute("role", "alert");
    problem.textContent = "The charts could not be drawn: " + why + ". Their numbers are in the text.";
    root.insertBefore(problem, root.firstChild);
  }

  /* A metric no run has realised yet (only its estimate is drawn). */
  function emptySeries(n) {
    var none = function () { return new Array(n).fill(null); };
    return { value: none(), lower: none(), upper: none(), reference: none(), benchmark: none(), status: none() };
  }

  function drawAll(root, data) {
    MARKS = data.alerts || [];
    var runs = data.timeline.runs;
    var dates = runs.date.map(when);
    var featureDates = data.features.runs.date.map(when);
    var columns = data.features.columns;
    var charts = {
      "chart-drift": function (el) { driftChart(el, runs, dates); },
      "chart-verdict": function (el) { verdictChart(el, runs, dates); },
      "chart-features": function (el) { featureChart(el, columns, featureDates); },
      "chart-outputs": function (el) { outputChart(el, columns, featureDates); },
      "chart-quality": function (el) { qualityChart(el, runs, dates); },
      "chart-feedback": function (el) { feedbackChart(el, runs, dates); },
    };
    Object.keys(charts).forEach(function (id) {
      var element = document.getElementById(id);
      if (element) charts[id](element);
    });
    root.querySelectorAll("[data-metric]").forEach(function (element) {
      var name = element.dataset.metric;
      var estimate = (data.timeline.estimates || {})[name];
      var series = data.timeline.metrics[name] || emptySeries(dates.length);
      if (data.timeline.metrics[name] || estimate) metricChart(element, series, dates, estimate);
    });
    root.dataset.drawn = "true";
  }

  function start() {
    followDates();
    var root = document.getElementById("dashboard");
    if (!root) return;
    if (!window.Plotly) {
      failed(root, "Plotly did not load");
      return;
    }
    fetch(root.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("the server answered " + response.status);
        return response.json();
      })
      .then(function (data) { drawAll(root, data); })
      .catch(function (error) { failed(root, error.message); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

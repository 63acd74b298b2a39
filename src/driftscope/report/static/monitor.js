(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, showLink: false };
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function plotText(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function repeat(value, n) {
    var out = [];
    for (var i = 0; i < n; i++) { out.push(value); }
    return out;
  }
  function shares(counts) {
    var total = counts.reduce(function (a, b) { return a + b; }, 0);
    return counts.map(function (c) { return total > 0 ? c / total : 0; });
  }
  function palette(root) {
    var style = getComputedStyle(root);
    function v(name, fallback) { return style.getPropertyValue(name).trim() || fallback; }
    return { ref: v("--ds-ref", "#4c78a8"), cur: v("--ds-cur", "#f58518"),
             bad: v("--ds-drift", "#b42318"), band: v("--ds-band", "rgba(76,120,168,.16)"),
             muted: v("--ds-muted", "#59636e"), font: style.fontFamily };
  }
  function layout(c, extra) {
    var base = {
      height: 300, margin: { l: 60, r: 16, t: 36, b: 50 },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      font: { family: c.font, size: 12 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"
    };
    Object.keys(extra).forEach(function (k) { base[k] = extra[k]; });
    return base;
  }
  function tick(label) { return plotText(label).replace("/", "/<br>"); }
  function smallWindows(w, c) {
    // Windows too small to analyse: a grey column and a label, so a gap reads as a gap.
    var shapes = [], notes = [];
    w.too_small.forEach(function (small, i) {
      if (!small) { return; }
      shapes.push({ type: "rect", xref: "x", yref: "paper", x0: i - 0.5, x1: i + 0.5, y0: 0, y1: 1,
                    fillcolor: "rgba(140,149,159,.18)", line: { width: 0 }, layer: "below" });
      notes.push({ xref: "x", yref: "paper", x: i, y: 1, yanchor: "bottom", showarrow: false,
                   text: "too small", font: { size: 10, color: c.muted } });
    });
    // Change points of the streaming detector on the errors: a dashed line in their window.
    var marked = {};
    (w.change_points || []).forEach(function (p) {
      if (marked[p.window]) { return; }
      marked[p.window] = true;
      shapes.push({ type: "line", xref: "x", yref: "paper", x0: p.window, x1: p.window,
                    y0: 0, y1: 1, line: { color: c.bad, width: 1.5, dash: "dot" } });
      notes.push({ xref: "x", yref: "paper", x: p.window, y: 1, yanchor: "bottom",
                   showarrow: false, text: "change point", font: { size: 10, color: c.bad },
                   hovertext: plotText(p.timestamp || "") });
    });
    return { shapes: shapes, annotations: notes };
  }
  function windowAxis() { return { type: "category", automargin: true, tickangle: 0 }; }
  var charts = {
    reliability: function (m, c) {
      var r = m.reliability;
      if (!r) { return null; }
      var traces = [{ type: "scatter", mode: "lines", x: [0, 1], y: [0, 1],
                      name: "perfect calibration",
                      line: { dash: "dot", width: 1, color: c.muted }, hoverinfo: "skip" }];
      r.sides.forEach(function (s) {
        var color = s.side === "reference" ? c.ref : c.cur;
        traces.push({ type: "scatter", mode: "lines+markers", name: plotText(s.name),
                      x: s.x, y: s.y,
                      customdata: s.n, line: { color: color }, marker: { color: color, size: 7 },
                      hovertemplate: "predicted %{x:.3f}<br>observed %{y:.3f}<br>" +
                        "%{customdata:,} rows" +
                        "<extra>" + plotText(s.side) + "</extra>" });
      });
      return { traces: traces, layout: layout(c, {
        xaxis: { title: { text: plotText(r.x_title) }, range: [0, 1], automargin: true },
        yaxis: { title: { text: plotText(r.y_title) }, range: [0, 1], automargin: true },
        height: 340 }) };
    },
    errors: function (m, c) {
      var e = m.errors;
      if (!e) { return null; }
      var traces = e.sides.map(function (s) {
        var color = s.side === "reference" ? c.ref : c.cur;
        return { type: "bar", name: plotText(s.name), x: s.edges.slice(0, -1), y: shares(s.counts),
                 width: s.edges.slice(1).map(function (hi, j) { return hi - s.edges[j]; }),
                 offset: 0, opacity: 0.55, marker: { color: color }, customdata: s.counts,
                 hovertemplate: "error from %{x:.4~g}<br>%{y:.1%} of rows (%{customdata:,})" +
                   "<extra>" + plotText(s.side) + "</extra>" };
      });
      return { traces: traces, layout: layout(c, {
        barmode: "overlay", bargap: 0,
        xaxis: { title: { text: "error" }, automargin: true },
        yaxis: { title: { text: "share of rows" }, tickformat: ".0%", rangemode: "tozero" },
        height: 340 }) };
    },
    concept: function (m, c) {
      var k = m.concept;
      if (!k) { return null; }
      return { traces: [{ type: "bar", x: k.steps.map(plotText), y: k.values,
                          marker: { color: [c.ref, "#8c959f", c.cur] },
                          texttemplate: "%{y:.4g}", textposition: "outside", cliponaxis: false,
                          hovertemplate: "%{x}<br>%{y:.4g}<extra></extra>" }],
               layout: layout(c, { showlegend: false, xaxis: { automargin: true },
                                   yaxis: { title: { text: plotText(k.loss) },
                                            rangemode: "tozero" } }) };
    },
    metric: function (m, c, el) {
      var w = m.windows, mt = w && w.metrics[parseInt(el.getAttribute("data-k"), 10)];
      if (!mt) { return null; }
      var x = w.labels.map(tick), n = x.length, traces = [];
      if (mt.band) {
        traces.push({ type: "scatter", mode: "lines", x: x, y: repeat(mt.band.high, n),
                      line: { width: 0 }, showlegend: false, hoverinfo: "skip" });
        traces.push({ type: "scatter", mode: "lines", x: x, y: repeat(mt.band.low, n),
                      fill: "tonexty", fillcolor: c.band, line: { width: 0 },
                      name: "normal band (reference)", hoverinfo: "skip" });
        traces.push({ type: "scatter", mode: "lines", x: x, y: repeat(mt.band.mean, n),
                      line: { dash: "dash", width: 1, color: c.ref }, name: "reference mean",
                      hoverinfo: "skip" });
      } else if (mt.reference !== null) {
        traces.push({ type: "scatter", mode: "lines", x: x, y: repeat(mt.reference, n),
                      line: { dash: "dash", width: 1, color: c.ref }, name: "reference",
                      hoverinfo: "skip" });
      }
      traces.push({ type: "scatter", mode: "lines+markers", x: x, y: mt.values, name: "current",
                    connectgaps: false, line: { color: c.cur },
                    marker: { size: mt.out.map(function (o) { return o ? 10 : 6; }),
                              color: mt.out.map(function (o) { return o ? c.bad : c.cur; }) },
                    customdata: mt.out.map(function (o) { return o ? " \u2014 out of band" : ""; }),
                    hovertemplate: "%{x}<br>%{y:.4g}%{customdata}<extra></extra>" });
      var small = smallWindows(w, c);
      return { traces: traces, layout: layout(c, {
        xaxis: windowAxis(),
        yaxis: { automargin: true }, shapes: small.shapes, annotations: small.annotations }) };
    },
    "drift-share": function (m, c) {
      var w = m.windows;
      if (!w) { return null; }
      var x = w.labels.map(tick), small = smallWindows(w, c);
      return { traces: [
        { type: "bar", x: x, y: w.drift_share, name: "share of columns drifted",
          marker: { color: w.dataset_drifted.map(function (d) { return d ? c.bad : c.ref; }) },
          hovertemplate: "%{x}<br>%{y:.0%} of columns drifted<extra></extra>" },
        { type: "scatter", mode: "lines", x: x, y: repeat(w.threshold, x.length),
          line: { dash: "dash", width: 1, color: c.bad }, name: "dataset drift threshold",
          hoverinfo: "skip" }],
        layout: layout(c, { xaxis: windowAxis(),
                            yaxis: { tickformat: ".0%", range: [0, 1] },
                            shapes: small.shapes, annotations: small.annotations }) };
    },
    importance: function (m, c) {
      var e = m.explanations;
      if (!e || !e.features.length) { return null; }
      // Most important at the top: a horizontal bar chart draws its first category lowest.
      var y = e.features.map(plotText).reverse();
      var sides = [["reference", e.reference, c.ref]];
      if (e.current) { sides.push(["current", e.current, c.cur]); }
      var traces = sides.map(function (s) {
        return { type: "bar", orientation: "h", name: s[0], y: y, x: s[1].slice().reverse(),
                 marker: { color: s[2] },
                 hovertemplate: "%{y}<br>%{x:.4g}<extra>" + s[0] + "</extra>" };
      });
      return { traces: traces, layout: layout(c, {
        barmode: "group", height: Math.max(260, 60 + 26 * y.length),
        xaxis: { title: { text: "mean |attribution|" }, rangemode: "tozero", automargin: true },
        yaxis: { type: "category", automargin: true } }) };
    },
    dependence: function (m, c, el) {
      var e = m.explanations;
      var d = e && e.dependence[parseInt(el.getAttribute("data-k"), 10)];
      if (!d) { return null; }
      var traces = [["reference", d.reference, c.ref], ["current", d.current, c.cur]]
        .filter(function (s) { return s[1].values.length > 0; })
        .map(function (s) {
          return { type: "scatter", mode: "markers", name: s[0],
                   x: d.categorical ? s[1].values.map(plotText) : s[1].values,
                   y: s[1].attributions, marker: { color: s[2], size: 6, opacity: 0.7 },
                   hovertemplate: "value %{x}<br>attribution %{y:.4g}<extra>" + s[0] +
                     "</extra>" };
        });
      var xaxis = { title: { text: plotText(d.feature) }, automargin: true };
      if (d.categorical) { xaxis.type = "category"; }
      return { traces: traces, layout: layout(c, {
        xaxis: xaxis, yaxis: { title: { text: "attribution" }, automargin: true, zeroline: true }
      }) };
    },
    "column-scores": function (m, c) {
      var w = m.windows;
      if (!w || !w.columns.length) { return null; }
      var x = w.labels.map(tick), small = smallWindows(w, c);
      var traces = w.columns.map(function (col) {
        return { type: "scatter", mode: "lines+markers", x: x, y: col.scores,
                 name: plotText(col.name),
                 connectgaps: false,
                 marker: { size: col.drifted.map(function (d) { return d ? 10 : 5; }) },
                 customdata: col.drifted.map(function (d) { return d ? " \u2014 drifted" : ""; }),
                 hovertemplate: "%{x}<br>%{y:.3f}%{customdata}<extra>" + plotText(col.name) +
                   "</extra>" };
      });
      return { traces: traces, layout: layout(c, {
        xaxis: windowAxis(), yaxis: { title: { text: "effect size" }, rangemode: "tozero" },
        legend: { orientation: "v", x: 1.01, y: 1, yanchor: "top" },
        margin: { l: 60, r: 10, t: 20, b: 50 }, height: 380,
        shapes: small.shapes, annotations: small.annotations }) };
    }
  };
  function drawAll(root, data, scope) {
    var c = palette(root);
    each(scope.querySelectorAll(".ds-chart:not([data-drawn])"), function (el) {
      var closed = el.closest("details:not([open])");
      if (closed && root.contains(closed)) { return; }
      el.setAttribute("data-drawn", "1");
      var make = charts[el.getAttribute("data-chart")];
      var spec = make ? make(data.monitor || {}, c, el) : null;
      if (!spec) { el.textContent = "No data for this chart."; return; }
      window.Plotly.newPlot(el, spec.traces, spec.layout, CONFIG);
    });
  }
  function whenPlotly(root, fn) {
    // Plotly's script comes after this one, so the page is usable while it is parsed.
    var tries = 0;
    (function attempt() {
      if (window.Plotly) { fn(); return; }
      if (++tries > 200) {
        each(root.querySelectorAll(".ds-chart:not([data-drawn])"), function (el) {
          el.textContent = "The plotting library did not load, so this chart cannot be shown.";
        });
        return;
      }
      setTimeout(attempt, 50);
    })();
  }
  function init(root) {
    root.setAttribute("data-ds-minit", "1");
    var node = root.querySelector("script.ds-data");
    var data = node ? JSON.parse(node.textContent) : {};
    root.addEventListener("toggle", function (event) {
      var box = event.target;
      if (box.tagName === "DETAILS" && box.open && window.Plotly) { drawAll(root, data, box); }
    }, true);
    root.addEventListener("click", function (event) {
      var jump = event.target.closest("button.ds-jump");
      if (!jump || !root.contains(jump)) { return; }
      var name = jump.getAttribute("data-target");
      var target = null;
      each(root.querySelectorAll("[data-section]"), function (s) {
        if (!target && s.getAttribute("data-section") === name) { target = s; }
      });
      if (target) { target.scrollIntoView({ behavior: "smooth", block: "start" }); }
    });
    whenPlotly(root, function () { drawAll(root, data, root); });
  }
  each(document.querySelectorAll(".ds-report[data-ds-monitor]:not([data-ds-minit])"), init);
})();

(function () {
  "use strict";
  function parseData(root) {
    var node = root.querySelector("script.ds-data");
    return node ? JSON.parse(node.textContent) : { columns: [] };
  }
  function sortKey(unit, index, type) {
    var row = unit.tagName === "TBODY" ? unit.rows[0] : unit;
    var cell = row.cells[index];
    if (!cell) { return null; }
    var raw = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
    if (raw === "") { return null; }
    if (type === "num") { var x = parseFloat(raw); return isNaN(x) ? null : x; }
    return raw.toLowerCase();
  }
  function sortTable(th) {
    var table = th.closest("table");
    var headers = Array.prototype.slice.call(th.parentNode.children);
    var index = headers.indexOf(th);
    var type = th.getAttribute("data-type") || "str";
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var sign = dir === "ascending" ? 1 : -1;
    var byGroup = table.getAttribute("data-sort-unit") === "tbody";
    var parent = byGroup ? table : table.tBodies[0];
    var units = Array.prototype.slice.call(byGroup ? table.tBodies : table.tBodies[0].rows);
    var keyed = units.map(function (u, i) {
      return { unit: u, key: sortKey(u, index, type), pos: i };
    });
    keyed.sort(function (a, b) {
      // Missing values go last in both directions; ties keep their current order.
      if (a.key === null && b.key === null) { return a.pos - b.pos; }
      if (a.key === null) { return 1; }
      if (b.key === null) { return -1; }
      var c = type === "num" ? a.key - b.key : a.key.localeCompare(b.key);
      return c !== 0 ? sign * c : a.pos - b.pos;
    });
    keyed.forEach(function (k) { parent.appendChild(k.unit); });
  }
  function plotText(s) {
    // Plotly reads a subset of HTML in labels; entities make user strings literal.
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function shares(counts) {
    var total = counts.reduce(function (a, b) { return a + b; }, 0);
    return counts.map(function (c) { return total > 0 ? c / total : 0; });
  }
  function drawPlot(root, target, col) {
    if (!window.Plotly) {
      target.textContent = "The plotting library did not load, so this plot cannot be shown.";
      return;
    }
    var style = getComputedStyle(root);
    var colors = [style.getPropertyValue("--ds-ref").trim() || "#4c78a8",
                  style.getPropertyValue("--ds-cur").trim() || "#f58518"];
    var sides = [["reference", col.ref], ["current", col.cur]];
    var numerical = Array.isArray(col.edges) && col.edges.length === col.ref.length + 1;
    var traces = sides.map(function (side, i) {
      var counts = side[1];
      var trace = { type: "bar", name: side[0], y: shares(counts), marker: { color: colors[i] } };
      if (numerical) {
        trace.x = col.edges.slice(0, -1);
        trace.width = col.edges.slice(1).map(function (hi, j) { return hi - col.edges[j]; });
        trace.offset = 0;
        trace.opacity = 0.55;
        trace.customdata = counts.map(function (c, j) {
          return [col.edges[j], col.edges[j + 1], c];
        });
        trace.hovertemplate = "[%{customdata[0]:.4~g}, %{customdata[1]:.4~g}]<br>" +
          "%{y:.2%} of rows (%{customdata[2]:,})<extra>" + side[0] + "</extra>";
      } else {
        var labels = Array.isArray(col.cats) && col.cats.length === counts.length
          ? col.cats : counts.map(function (_, j) { return "bin " + (j + 1); });
        trace.x = labels.map(plotText);
        trace.customdata = counts;
        trace.hovertemplate = "%{x}<br>%{y:.2%} of rows (%{customdata:,})<extra>" +
          side[0] + "</extra>";
      }
      return trace;
    });
    var layout = {
      barmode: numerical ? "overlay" : "group", bargap: numerical ? 0 : 0.2, height: 300,
      margin: { l: 60, r: 10, t: 30, b: 50 },
      legend: { orientation: "h", x: 0, y: 1.15 },
      font: { family: style.fontFamily, size: 12 },
      xaxis: numerical ? { automargin: true } : { type: "category", automargin: true },
      yaxis: { title: { text: "share of non-missing rows" }, tickformat: ".0%",
               rangemode: "tozero" },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"
    };
    window.Plotly.newPlot(target, traces, layout,
                          { responsive: true, displaylogo: false, showLink: false });
  }
  function fitDetails(root) {
    // The drift table may be wider than its scrolling box: keep an open column's details as
    // wide as the visible part, pinned to its left edge, so the plot and facts stay in view.
    Array.prototype.forEach.call(root.querySelectorAll(".ds-table-wrap"), function (wrap) {
      var width = Math.max(320, wrap.clientWidth - 48) + "px";
      var open = wrap.querySelectorAll("tr.ds-details:not([hidden]) .ds-detail-grid");
      Array.prototype.forEach.call(open, function (grid) { grid.style.width = width; });
    });
  }
  function toggle(root, data, button) {
    var unit = button.closest("tbody");
    var details = unit.querySelector("tr.ds-details");
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    details.hidden = !open;
    if (!open) { return; }
    fitDetails(root);
    var target = details.querySelector(".ds-plot");
    if (!target || target.getAttribute("data-drawn") === "1") { return; }
    var col = data.columns[parseInt(unit.getAttribute("data-i"), 10)];
    if (col) {
      target.setAttribute("data-drawn", "1");
      drawPlot(root, target, col);
    }
  }
  function init(root) {
    root.setAttribute("data-ds-init", "1");
    var data = parseData(root);
    window.addEventListener("resize", function () { fitDetails(root); });
    root.addEventListener("click", function (event) {
      var sortButton = event.target.closest("button.ds-sort");
      if (sortButton && root.contains(sortButton)) { sortTable(sortButton.closest("th")); return; }
      var toggleButton = event.target.closest("button.ds-toggle");
      if (toggleButton && root.contains(toggleButton)) { toggle(root, data, toggleButton); }
    });
    root.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.classList || !box.classList.contains("ds-only-drifted")) { return; }
      var table = root.querySelector("table.ds-drift-table");
      Array.prototype.forEach.call(table.tBodies, function (b) {
        b.hidden = box.checked && !b.classList.contains("ds-drifted");
      });
    });
  }
  Array.prototype.forEach.call(
    document.querySelectorAll(".ds-report:not([data-ds-init])"), init);
})();

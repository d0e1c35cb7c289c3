/* Draws every chart of a page with the vendored Chart.js from the spec in its canvas's
   data-chart attribute (web/charts.py, web/templates/web/includes/chart.html). The same
   numbers are in the table next to each chart, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var palette = ["#0b4f8a", "#c05600", "#1b6b2f", "#6b2f8a", "#8a1b3c"];
  var rtl = document.documentElement.dir === "rtl";
  var locale = document.documentElement.lang;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function title(text) { return { display: Boolean(text), text: text || "" }; }
  function numbers(value) { return typeof value === "number" ? value.toLocaleString(locale) : value; }
  Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
    var spec = JSON.parse(canvas.getAttribute("data-chart"));
    var usesSecondAxis = spec.datasets.some(function (d) { return d.axis === "y1"; });
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = palette[index % palette.length];
      var isLine = dataset.axis === "y1";
      return {
        label: dataset.label,
        data: dataset.data,
        yAxisID: dataset.axis,
        type: isLine ? "line" : "bar",
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: isLine ? 2 : 0,
        pointRadius: isLine ? 3 : 0
      };
    });
    var scales = {
      y: { beginAtZero: true, position: rtl ? "right" : "left", title: title(spec.y_title),
           ticks: { callback: numbers, precision: spec.y_counts ? 0 : undefined } },
      x: { reverse: rtl, title: title(spec.x_title) }
    };
    if (usesSecondAxis) {
      scales.y1 = { beginAtZero: true, position: rtl ? "left" : "right", grid: { drawOnChartArea: false },
                    title: title(spec.y1_title), ticks: { callback: numbers } };
    }
    canvas.chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        locale: locale,
        scales: scales,
        plugins: { legend: { position: "bottom", rtl: rtl } }
      }
    });
  });
}());

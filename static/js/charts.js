/* Draws the dashboard's charts with the vendored Chart.js from the specs the page embeds
   (<script type="application/json" id="chart-specs">). The same numbers are in the tables
   below each chart, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  var specsElement = document.getElementById("chart-specs");
  if (!specsElement || typeof window.Chart === "undefined") { return; }
  var specs = JSON.parse(specsElement.textContent);
  var palette = ["#0b4f8a", "#c05600", "#1b6b2f", "#6b2f8a", "#8a1b3c"];
  var rtl = document.documentElement.dir === "rtl";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  specs.forEach(function (spec) {
    var canvas = document.getElementById("chart-" + spec.id);
    if (!canvas) { return; }
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
    var scales = { y: { beginAtZero: true, position: rtl ? "right" : "left" }, x: { reverse: rtl } };
    if (usesSecondAxis) {
      scales.y1 = { beginAtZero: true, position: rtl ? "left" : "right", grid: { drawOnChartArea: false } };
    }
    canvas.chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        locale: document.documentElement.lang,
        scales: scales,
        plugins: { legend: { position: "bottom", rtl: rtl } }
      }
    });
  });
}());

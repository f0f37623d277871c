// Draws each table of the statistics page with ECharts (vendored, see scripts/vendor.sh).
// The numbers come from the page itself (a JSON block), the same as the tables below
// each chart, so a chart never shows anything the table does not.
(function () {
  var data = document.getElementById("stats-data");
  if (!data || !window.echarts) return;
  var tables = JSON.parse(data.textContent);
  var charts = [];
  tables.forEach(function (t) {
    var el = document.getElementById("chart-" + t.key);
    if (!el) return;
    if (!t.rows.length) { el.textContent = "暂无数据"; el.className += " empty"; return; }
    var names = t.rows.map(function (r) { return r[0]; });
    // Series are the numeric columns; a 合计 column is for the table only.
    var cols = t.headers.slice(1).map(function (h, i) { return { name: h, index: i + 1 }; })
      .filter(function (c) { return c.name !== "合计"; });
    var option;
    if (t.chart === "pie") {
      option = {
        tooltip: { trigger: "item", renderMode: "richText" },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"], data: t.rows.map(function (r) { return { name: r[0], value: Number(r[1]) }; }) }]
      };
    } else {
      option = {
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { bottom: 0, type: "scroll" },
        grid: { left: 48, right: 16, top: 24, bottom: 56, containLabel: true },
        xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: cols.map(function (c) {
          return {
            name: c.name, type: t.chart, stack: t.chart === "bar" && cols.length > 1 ? "all" : undefined, smooth: true,
            data: t.rows.map(function (r) { return Number(r[c.index]); })
          };
        })
      };
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
    // Redraw at the box's own size whenever it changes (a phone turned, a window resized).
    if (window.ResizeObserver) new ResizeObserver(function () { chart.resize(); }).observe(el);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();

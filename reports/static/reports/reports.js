/* Draw each report table's chart with Apache ECharts (portal/static/vendor/echarts).
   The numbers come from the JSON beside each chart, made from the same table the page shows:
   lines for trends, bars for breakdowns, a heatmap for a matrix. */
(function () {
  "use strict";

  var COLORS = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

  function format(kind, value) {
    if (value === null || value === undefined || value === "") return "—";
    if (kind === "yuan") {
      return Number(value).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    if (kind === "percent") return Number(value).toFixed(1) + "%";
    return Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 0 });
  }

  function short(kind, value) {
    // Axis labels: 12,000 → 1.2万 keeps the axis narrow at 1366 px.
    var n = Number(value);
    if (kind === "percent") return n + "%";
    if (Math.abs(n) >= 100000000) return (n / 100000000).toLocaleString("zh-CN", { maximumFractionDigits: 1 }) + "亿";
    if (Math.abs(n) >= 10000) return (n / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 1 }) + "万";
    return n.toLocaleString("zh-CN", { maximumFractionDigits: 2 });
  }

  function seriesChart(data) {
    var kinds = [];
    data.series.forEach(function (s) { if (kinds.indexOf(s.kind) < 0) kinds.push(s.kind); });
    var valueAxes = kinds.map(function (kind, i) {
      return {
        type: "value",
        position: data.horizontal ? (i ? "top" : "bottom") : (i ? "right" : "left"),
        axisLabel: { formatter: function (v) { return short(kind, v); } },
        minInterval: kind === "count" ? 1 : 0,
        splitLine: { show: i === 0 },
      };
    });
    var categoryAxis = { type: "category", data: data.x, axisLabel: { hideOverlap: true } };
    var option = {
      color: COLORS,
      animation: false,
      tooltip: {
        trigger: "axis",
        valueFormatter: null,
        formatter: function (items) {
          var lines = [items[0].axisValueLabel];
          items.forEach(function (item) {
            var s = data.series[item.seriesIndex];
            lines.push(item.marker + s.name + "：" + format(s.kind, item.value));
          });
          return lines.join("<br>");
        },
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: data.type,
          data: s.values,
          stack: data.stacked ? "total" : undefined,
          xAxisIndex: data.horizontal ? kinds.indexOf(s.kind) : 0,
          yAxisIndex: data.horizontal ? 0 : kinds.indexOf(s.kind),
          symbolSize: 6,
          barMaxWidth: 28,
        };
      }),
    };
    if (data.horizontal) {
      categoryAxis.inverse = true;
      option.xAxis = valueAxes;
      option.yAxis = categoryAxis;
    } else {
      option.xAxis = categoryAxis;
      option.yAxis = valueAxes;
    }
    return option;
  }

  function heatmap(data) {
    var points = [];
    var max = 0;
    data.values.forEach(function (row, y) {
      row.forEach(function (value, x) {
        if (value) {
          points.push([x, y, value]);
          if (value > max) max = value;
        }
      });
    });
    return {
      animation: false,
      tooltip: {
        formatter: function (p) {
          return data.rows[p.value[1]] + " → " + data.columns[p.value[0]] + "<br>" + format(data.kind, p.value[2]);
        },
      },
      grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: data.columns, splitArea: { show: true }, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "category", data: data.rows, inverse: true, splitArea: { show: true } },
      visualMap: {
        min: 0, max: max || 1, calculable: true, orient: "horizontal", left: "center", bottom: 0,
        itemHeight: 120, inRange: { color: ["#dbeafe", "#2563eb", "#1e3a8a"] },
        formatter: function (v) { return short(data.kind, v); },
      },
      series: [{
        type: "heatmap", data: points,
        label: { show: points.length <= 80, formatter: function (p) { return short(data.kind, p.value[2]); } },
      }],
    };
  }

  function draw() {
    if (!window.echarts) return;
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      // Bars laid across and matrices grow with their rows, not the page.
      var rows = data.type === "heatmap" ? data.rows.length : (data.horizontal ? data.x.length : 0);
      if (rows) el.style.height = Math.max(180, Math.min(720, rows * (data.type === "heatmap" ? 48 : 36) + 110)) + "px";
      var chart = window.echarts.init(el, null, { locale: "ZH", renderer: "svg" });
      chart.setOption(data.type === "heatmap" ? heatmap(data) : seriesChart(data));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

/* Charts of the joint-action dashboard (/office/joint), drawn with Apache ECharts from the JSON
   block #joint-chart-data. The page's tables hold the same numbers; without JavaScript (or
   without ECharts) the charts simply stay hidden. No inline script: the page's CSP allows only
   scripts from this server. */
(function () {
  "use strict";

  var COLOURS = ["#0b5394", "#3d85c6", "#1d6b2f", "#b45309", "#8a1c12"];

  function bars(block, stages, stageLabels) {
    return {
      color: COLOURS,
      title: { text: block.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 24, data: stageLabels },
      grid: { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: block.categories, axisLabel: { interval: 0, rotate: block.categories.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: stages.map(function (key, i) {
        return { name: stageLabels[i], type: "bar", data: block.series[key] };
      })
    };
  }

  function funnel(block) {
    return {
      color: COLOURS,
      title: { text: block.title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", renderMode: "richText" },
      series: [{
        type: "funnel", sort: "none", top: 36, bottom: 8, left: "10%", width: "80%", minSize: "20%",
        label: { show: true, position: "inside", formatter: "{b}: {c}" },
        data: block.labels.map(function (name, i) { return { name: name, value: block.values[i] }; })
      }]
    };
  }

  function draw() {
    var source = document.getElementById("joint-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data;
    try { data = JSON.parse(source.textContent || "{}"); } catch (e) { return; }
    var made = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var key = el.getAttribute("data-chart");
      var block = data[key];
      if (!block) { return; }
      var option = key === "funnel" ? funnel(block) : bars(block, data.stages, data.stageLabels);
      if (key !== "funnel" && (!block.categories || block.categories.length === 0)) { return; }
      el.hidden = false;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.setAttribute("data-drawn", "true");
      made.push(chart);
    });
    window.addEventListener("resize", function () { made.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

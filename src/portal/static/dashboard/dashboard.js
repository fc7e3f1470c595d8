/* zjtx officials' dashboard: draws each panel with the vendored ECharts (no CDN), exports a panel as PNG,
   and resizes the charts with the window. The numbers come from the page (#dash-data), the same rows
   the tables and the Excel exports show. */
(function () {
  "use strict";
  var node = document.getElementById("dash-data");
  if (!node || !window.echarts) { return; }
  var panels = JSON.parse(node.textContent);
  var charts = {};
  var byKey = {};
  var COLORS = ["#b91c1c", "#1d4ed8", "#15803d", "#b45309", "#7c3aed", "#0e7490", "#be185d", "#4b5563"];
  var GRID_TOP = 40;

  function narrow() { return window.innerWidth < 640; }

  function base(p) {
    return {
      animation: false,
      color: COLORS,
      title: { show: false, text: p.title, left: "center", top: 4, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: GRID_TOP, bottom: 8, containLabel: true }
    };
  }

  function cut(text, n) { text = String(text); return text.length > n ? text.slice(0, n) + "…" : text; }

  function line(p) {
    var o = base(p);
    o.xAxis = { type: "category", data: p.categories, boundaryGap: false };
    o.yAxis = { type: "value", minInterval: 1 };
    o.series = p.series.map(function (s) { return { name: s.name, type: "line", data: s.data, symbolSize: 6 }; });
    return o;
  }

  function bar(p) {
    var o = base(p);
    o.xAxis = { type: "category", data: p.categories,
                axisLabel: { interval: 0, rotate: narrow() ? 35 : 0, formatter: function (v) { return cut(v, 8); } } };
    o.yAxis = { type: "value", minInterval: 1 };
    o.series = p.series.map(function (s) { return { name: s.name, type: "bar", data: s.data, barMaxWidth: 36 }; });
    return o;
  }

  function hbar(p) {
    var o = base(p);
    o.yAxis = { type: "category", data: p.categories, inverse: true,
                axisLabel: { formatter: function (v) { return cut(v, narrow() ? 8 : 16); } } };
    o.xAxis = { type: "value", minInterval: 1 };
    o.series = p.series.map(function (s) { return { name: s.name, type: "bar", data: s.data, barMaxWidth: 22 }; });
    return o;
  }

  function barLine(p) {
    var o = bar(p);
    o.yAxis = [{ type: "value", minInterval: 1 }, { type: "value", splitLine: { show: false } }];
    o.series = p.series.map(function (s) {
      return { name: s.name, type: s.type || "bar", data: s.data, yAxisIndex: s.axis || 0, barMaxWidth: 36 };
    });
    return o;
  }

  function pie(p) {
    var o = base(p);
    o.tooltip = { trigger: "item", confine: true, formatter: "{b}：{c}（{d}%）" };
    o.legend = { type: "scroll", bottom: 0 };
    o.series = [{ name: p.series[0].name, type: "pie", radius: ["35%", "62%"], center: ["50%", "48%"],
                  data: p.series[0].data, label: { formatter: "{b}\n{c}" } }];
    return o;
  }

  var geoCache = {};
  function loadMap(map) {
    if (!geoCache[map.url]) {
      geoCache[map.url] = fetch(map.url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      }).then(function (geo) {
        window.echarts.registerMap(map.name, geo);
        var names = {};
        geo.features.forEach(function (f) { names[String(f.properties.adcode || f.id)] = f.properties.name; });
        return names;
      });
    }
    return geoCache[map.url];
  }

  function mapOption(p, names) {
    var o = base(p);
    var data = p.series[0].data.map(function (d) {
      return { name: names[d.adcode] || d.label, value: d.value, label2: d.label };
    });
    var max = Math.max.apply(null, [1].concat(data.map(function (d) { return d.value; })));
    o.tooltip = { trigger: "item", confine: true, formatter: function (prm) {
      var d = prm.data;
      return (d ? d.label2 : prm.name) + "：" + (d ? d.value : 0);
    } };
    o.legend = { show: false };
    o.visualMap = { min: 0, max: max, left: 8, bottom: 8, orient: narrow() ? "horizontal" : "vertical",
                    itemWidth: 12, calculable: true, inRange: { color: ["#fef2f2", "#fca5a5", "#b91c1c"] } };
    o.series = [{ name: p.series[0].name, type: "map", map: p.map.name, roam: false, data: data,
                  top: 28, bottom: narrow() ? 48 : 16, label: { show: false },
                  emphasis: { label: { show: true } }, itemStyle: { borderColor: "#94a3b8", areaColor: "#f8fafc" } }];
    return o;
  }

  var BUILD = { line: line, bar: bar, hbar: hbar, pie: pie, bar_line: barLine };

  function height(p) {
    if (p.chart === "hbar") { return Math.max(260, p.categories.length * 26 + 70) + "px"; }
    if (p.chart === "map") { return narrow() ? "380px" : "460px"; }
    return "";
  }

  panels.forEach(function (p) {
    var el = document.querySelector('.dash-chart[data-panel="' + p.key + '"]');
    if (!el) { return; }
    byKey[p.key] = p;
    var h = height(p);
    if (h) { el.style.height = h; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    charts[p.key] = chart;
    if (p.chart === "map") {
      chart.showLoading({ text: "" });
      loadMap(p.map).then(function (names) {
        chart.hideLoading();
        chart.setOption(mapOption(p, names));
      }).catch(function () {
        chart.hideLoading();
        var text = document.getElementById("dash-text");
        el.textContent = text ? text.getAttribute("data-map-failed") : "";
        el.classList.add("dash-failed");
      });
    } else {
      chart.setOption((BUILD[p.chart] || bar)(p));
    }
  });

  function download(url, name) {
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  document.querySelectorAll(".dash-png").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var key = btn.getAttribute("data-panel");
      var chart = charts[key], p = byKey[key];
      if (!chart || !p) { return; }
      var gridded = p.chart !== "pie" && p.chart !== "map";
      // The exported picture carries its title; the page shows it in the heading instead.
      chart.setOption(gridded ? { title: { show: true }, legend: { top: 28 }, grid: { top: GRID_TOP + 28 } }
                              : { title: { show: true } });
      var url = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
      chart.setOption(gridded ? { title: { show: false }, legend: { top: 0 }, grid: { top: GRID_TOP } }
                              : { title: { show: false } });
      download(url, p.title + ".png");
    });
  });

  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    }, 150);
  });
})();

// earful dashboard: draws every <div class="chart" data-chart='{ECharts option}'> with the bundled
// Apache ECharts (SVG renderer), and moves the staffing what-if (figures and chart) with its slider.
(function () {
  "use strict";
  function pct(v) { return v == null ? "—" : (v * 100).toFixed(1) + "%"; }
  function secs(v) { return v == null ? "—" : (v < 120 ? Math.round(v) + " s" : (v / 60).toFixed(1) + " min"); }
  function num(v) { return v == null ? "—" : Number(v).toLocaleString(undefined, { maximumFractionDigits: 1 }); }
  var FORMAT = {
    num: num, pct: pct, secs: secs,
    dec2: function (v) { return v == null ? "—" : Number(v).toFixed(2); },
    pctpt: function (v) { return v == null ? "—" : v + "%"; }
  };
  // Axis labels: the same units as the tables, kept short.
  var AXIS = {
    num: function (v) { return Number(v).toLocaleString(); },
    pct: function (v) { return Math.round(v * 100) + "%"; },
    secs: function (v) { return v < 120 ? Math.round(v) + " s" : (v / 60).toFixed(1) + " min"; },
    dec2: function (v) { return Number(v).toFixed(1); }
  };
  function unitOf(obj, fallback) { return (obj && obj.earful && obj.earful.unit) || fallback; }
  function asList(x) { return x == null ? [] : (Array.isArray(x) ? x : [x]); }

  // JSON cannot carry functions: the server names a unit and the formatters are added here.
  function prepare(option) {
    var unit = unitOf(option, "num");
    var series = asList(option.series);
    asList(option.yAxis).concat(asList(option.xAxis)).forEach(function (ax) {
      var u = ax.earful && ax.earful.unit;
      if (u && AXIS[u] && ax.axisLabel && !ax.axisLabel.formatter) ax.axisLabel.formatter = AXIS[u];
    });
    series.forEach(function (s) {  // value labels on bars, in the chart's unit
      var f = FORMAT[unitOf(s, unit)] || num;
      if (s.label && s.label.show && !s.label.formatter) s.label.formatter = function (p) { return f(p.value); };
    });
    var xUnit = unitOf(asList(option.xAxis)[0], null);
    if (option.tooltip) {
      option.tooltip.formatter = function (params) {
        var list = asList(params);
        if (!list.length) return "";
        var head = list[0].axisValueLabel != null ? list[0].axisValueLabel : list[0].name;
        if (xUnit && FORMAT[xUnit]) head = FORMAT[xUnit](Array.isArray(list[0].value) ? list[0].value[0] : head);
        var lines = [escapeHtml(String(head))];
        list.forEach(function (p) {
          var s = series[p.seriesIndex] || {};
          var flags = (s.earful || {});
          if (flags.hidden) return;  // the invisible base of a shaded band
          var v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
          var f = FORMAT[unitOf(s, unit)] || num;
          var text = flags.range && p.data && p.data.range ? f(p.data.range[0]) + " – " + f(p.data.range[1]) : f(v);
          lines.push(marker(p.color) + escapeHtml(p.seriesName) + ": <b>" + escapeHtml(text) + "</b>");
        });
        return lines.join("<br>");
      };
    }
    var height = option.earful && option.earful.height;
    delete option.earful;
    return { option: option, height: height };
  }
  // ECharts' own marker is a <span style=...>, which the page's CSP (style-src 'self') refuses;
  // the series colours are earful.css's --s0..--s3, so a class does the same.
  var PALETTE = ["#2f5bd3", "#d9822b", "#2e9e6a", "#b3365b"];
  function marker(color) {
    var i = PALETTE.indexOf(String(color).toLowerCase());
    return '<span class="mark s' + (i < 0 ? 0 : i) + '"></span>';
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var charts = [];
  function drawCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("div.chart[data-chart]").forEach(function (el) {
      var spec;
      try { spec = prepare(JSON.parse(el.getAttribute("data-chart"))); } catch (e) { return; }
      if (spec.height) el.style.height = spec.height + "px";
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(spec.option);
      el.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    var waiting = null;
    window.addEventListener("resize", function () {
      clearTimeout(waiting);
      waiting = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
    });
  }

  function setupWhatIf() {
    var form = document.getElementById("whatif");
    var slider = document.getElementById("target");
    if (!form || !slider) return;
    var out = document.getElementById("target-out");
    var chartEl = document.getElementById("whatif-chart");
    var pending = null, seq = 0;
    function update() {
      var t = parseFloat(slider.value);
      out.textContent = Math.round(t * 100) + "%";
      var data = new FormData(form);
      var params = new URLSearchParams();
      ["channel", "calls", "aht_s", "interval_s", "threshold_s", "shrinkage"].forEach(function (k) { if (data.get(k)) params.set(k, data.get(k)); });
      params.set("target", t.toFixed(2));
      var mine = ++seq;
      fetch("/api/v1/staffing?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : r.json().then(function (e) { throw new Error(e.error.message); }); })
        .then(function (body) {
          if (mine !== seq) return;
          var s = body.items[0];
          document.getElementById("agents").textContent = s.agents.toLocaleString();
          var pos = document.getElementById("positions");
          if (pos) pos.textContent = s.positions.toLocaleString();
          document.getElementById("occupancy").textContent = pct(s.occupancy);
          document.getElementById("sl").textContent = pct(s.service_level);
          document.getElementById("asa").textContent = secs(s.asa_s);
          form.setAttribute("data-agents", String(s.agents));
          var chart = chartEl && window.echarts && echarts.getInstanceByDom(chartEl);
          if (chart) {
            var x = Math.round(t * 1000) / 10;
            chart.setOption({ series: [{ id: "target", data: [[x, s.agents]], markLine: { data: [{ xAxis: x }] } }] });
            chartEl.setAttribute("data-target", x.toFixed(1));
          }
        })
        .catch(function (e) { out.textContent = "error: " + e.message; });
    }
    slider.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(update, 60); });
  }
  // Load data: follow an import running in the server until it is done, then show what it did.
  function followLoad() {
    var box = document.getElementById("load-job");
    if (!box) return;
    var id = box.getAttribute("data-job");
    var bar = document.getElementById("load-progress");
    function text(elId, value) { document.getElementById(elId).textContent = value; }
    function poll() {
      fetch("/load/jobs/" + encodeURIComponent(id), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.value = job.fraction;
          text("load-message", job.message + " (" + Math.round(job.fraction * 100) + "%)");
          text("load-time", job.elapsed_s + " s" + (job.left_s != null ? ", about " + Math.ceil(job.left_s) + " s left" : ""));
          if (!job.done) { setTimeout(poll, 400); return; }
          box.setAttribute("data-done", job.error ? "failed" : "1");
          if (job.error) { var e = document.getElementById("load-error"); e.textContent = job.error; e.hidden = false; return; }
          var r = job.result;
          text("r-loaded", num(r.loaded)); text("r-quarantined", num(r.quarantined)); text("r-skipped", num(r.skipped));
          text("r-notes", (r.notes || []).concat(r.warnings || []).join(" · "));
          document.getElementById("load-result").hidden = false;
          if (r.quarantine_summary && r.quarantine_summary.length) {
            var body = document.querySelector("#load-quarantine tbody");
            r.quarantine_summary.forEach(function (s) {
              var tr = document.createElement("tr");
              [num(s.count), s.field, s.example_reason, String(s.example_row)].forEach(function (v, i) {
                var td = document.createElement("td"); td.textContent = v; if (i === 0 || i === 3) td.className = "n"; tr.appendChild(td);
              });
              body.appendChild(tr);
            });
            text("r-import", String(r.import_id));
            document.getElementById("load-quarantine").hidden = false;
          }
        })
        .catch(function () { setTimeout(poll, 1000); });
    }
    poll();
  }
  function setup() { drawCharts(); setupWhatIf(); followLoad(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup); else setup();
})();

// earful dashboard: the staffing what-if slider asks the API as it moves. Nothing else needs script.
(function () {
  "use strict";
  function pct(v) { return v == null ? "—" : (v * 100).toFixed(1) + "%"; }
  function secs(v) { return v == null ? "—" : (v < 120 ? Math.round(v) + " s" : (v / 60).toFixed(1) + " min"); }
  function setup() {
    var form = document.getElementById("whatif");
    var slider = document.getElementById("target");
    if (!form || !slider) return;
    var out = document.getElementById("target-out");
    var pending = null, seq = 0;
    function update() {
      var t = parseFloat(slider.value);
      out.textContent = Math.round(t * 100) + "%";
      var data = new FormData(form);
      var params = new URLSearchParams();
      ["calls", "aht_s", "interval_s", "threshold_s"].forEach(function (k) { if (data.get(k)) params.set(k, data.get(k)); });
      params.set("target", t.toFixed(2));
      var mine = ++seq;
      fetch("/api/v1/staffing?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : r.json().then(function (e) { throw new Error(e.error.message); }); })
        .then(function (body) {
          if (mine !== seq) return;
          var s = body.items[0];
          document.getElementById("agents").textContent = s.agents.toLocaleString();
          document.getElementById("occupancy").textContent = pct(s.occupancy);
          document.getElementById("sl").textContent = pct(s.service_level);
          document.getElementById("asa").textContent = secs(s.asa_s);
          form.setAttribute("data-agents", String(s.agents));
        })
        .catch(function (e) { out.textContent = "error: " + e.message; });
    }
    slider.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(update, 60); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup); else setup();
})();

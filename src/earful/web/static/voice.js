// Call recordings: the reader's player with a transcript that follows the audio, and quotes
// that play from where they were said. Plain DOM, no framework; the page works without it.
(function () {
  "use strict";
  if (window.earfulVoice) return;
  window.earfulVoice = true;

  function clock(s) {
    s = Math.max(0, Math.floor(s));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function secs(v) { return v === null || v === undefined ? "—" : (v < 120 ? v.toFixed(0) + " s" : (v / 60).toFixed(1) + " min"); }

  function player(box) {
    fetch(box.dataset.src, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (rec) {
      if (!rec) return;
      box.hidden = false;
      var audio = box.querySelector("audio");
      audio.src = box.dataset.raw === "1" && rec.original ? rec.original : rec.audio;
      var note = box.dataset.raw === "1" ? "Original recording." :
        "Personal data beeped out (" + rec.redacted_spans + " stretch" + (rec.redacted_spans === 1 ? "" : "es") + ", " + rec.redacted_s.toFixed(1) + " s).";
      note += " " + clock(rec.duration_s) + " · heard by " + rec.model + " · speakers by " +
        {channel: "stereo channel", diarisation: "voice clustering", none: "— (not told apart)"}[rec.speakers_by] + ".";
      box.querySelector(".voice-note").textContent = note;
      var list = box.querySelector(".voice-transcript");
      var words = [];
      var conv = document.querySelector("section.conversation");
      var starts = {};
      rec.turns.forEach(function (t) {
        var div = el("div", "turn " + t.speaker);
        starts[t.seq] = t.start_s;
        var head = el("span", "who", t.speaker + " · " + clock(t.start_s));
        div.appendChild(head);
        var p = el("p");
        t.words.forEach(function (w, i) {
          var span = el("span", w.pii ? "w pii" : "w", (i ? " " : "") + w.word);
          span.dataset.s = w.start_s;
          span.addEventListener("click", function () { audio.currentTime = w.start_s; audio.play(); });
          p.appendChild(span);
          words.push([w.start_s, w.end_s, span, div]);
        });
        div.appendChild(p);
        list.appendChild(div);
      });
      var side = box.querySelector(".voice-side");
      var enr = document.querySelector("section.enrichment");
      if (enr) side.appendChild(enr);
      if (rec.speech) {
        var s = rec.speech, card = el("div", "speech");
        card.appendChild(el("h3", "", "Speech"));
        var dl = el("dl");
        [["talk ratio (agent)", pct(s.agent_talk_share)], ["agent talk", secs(s.agent_talk_s)],
         ["customer talk", secs(s.customer_talk_s)], ["silence", pct(s.silence_share)],
         ["longest silence", secs(s.longest_silence_s)], ["dead air", secs(s.dead_air_s)],
         ["over-talk", s.overtalk_s === null ? "— (mono)" : secs(s.overtalk_s)], ["hold", secs(s.hold_s)],
         ["agent words/min", s.agent_words_per_min === null ? "—" : s.agent_words_per_min],
         ["customer words/min", s.customer_words_per_min === null ? "—" : s.customer_words_per_min]
        ].forEach(function (kv) { dl.appendChild(el("dt", "", kv[0])); dl.appendChild(el("dd", "", String(kv[1]))); });
        card.appendChild(dl);
        side.appendChild(card);
      }
      if (conv && words.length) {
        // the transcript stands in for the text: it takes over the turns' anchors (a QA verdict links
        // to the turn that decided it), and following such a link plays the call from that turn
        conv.querySelectorAll(".turn[id]").forEach(function (d) { d.removeAttribute("id"); });
        list.querySelectorAll(".turn").forEach(function (d, i) { d.id = "turn-" + rec.turns[i].seq; });
        conv.hidden = true;
        var seek = function () {
          var m = /^#turn-(\d+)$/.exec(location.hash);
          if (m && starts[m[1]] !== undefined) {
            audio.currentTime = starts[m[1]];
            var d = document.getElementById("turn-" + m[1]);
            if (d) list.scrollTop = d.offsetTop - list.offsetTop - 20;
          }
        };
        window.addEventListener("hashchange", seek);
        seek();
      }
      var current = null;
      audio.addEventListener("timeupdate", function () {
        var t = audio.currentTime, lo = 0, hi = words.length - 1, hit = null;
        while (lo <= hi) {
          var mid = (lo + hi) >> 1;
          if (words[mid][0] <= t) { hit = mid; lo = mid + 1; } else hi = mid - 1;
        }
        var w = hit === null ? null : words[hit];
        if (w === current) return;
        if (current) { current[2].classList.remove("now"); current[3].classList.remove("now"); }
        current = w;
        if (w) {
          w[2].classList.add("now"); w[3].classList.add("now");
          var top = w[3].offsetTop - list.offsetTop;
          if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - 40) list.scrollTop = top - 20;
        }
      });
    }).catch(function () {});
  }

  function quote(span) {
    var url = "/api/v1/voice/" + encodeURIComponent(span.dataset.id) + "/moment?quote=" + encodeURIComponent(span.dataset.quote || "");
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (m) {
      if (!m) return;
      var wrap = el("span", "voice-play");
      wrap.appendChild(el("span", "muted", " · listen from " + clock(m.start_s) + " "));
      var a = el("audio");
      a.controls = true;
      a.preload = "none";
      a.src = m.audio + "#t=" + m.start_s.toFixed(2);
      wrap.appendChild(a);
      span.appendChild(wrap);
    }).catch(function () {});
  }

  function start() {
    var box = document.getElementById("voice");
    if (box) player(box);
    document.querySelectorAll(".voice-quote").forEach(quote);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

// Console glue: CSRF header on every htmx request, error toasts, keyboard shortcuts, live-update notices.
(function () {
  "use strict";
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  // Toasts only ever show text: never insert caller-supplied strings as HTML.
  function toast(text, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "toast " + (kind || "info");
    div.textContent = text;
    box.appendChild(div);
    setTimeout(function () { div.remove(); }, 6000);
  }
  // The server renders error fragments (<div class="toast error">…</div>); show their text.
  function fragmentText(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    return (doc.body.textContent || "").trim();
  }
  window.hotlineToast = toast;
  // A short tone for urgent news (no audio file; browsers may stay silent until the page was clicked once).
  window.hotlineTone = function () {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      var ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.4);
    } catch (e) { /* audio unavailable: the toast and badge still show */ }
  };
  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRF-Token"] = csrf();
  });
  // Forms marked data-reset-on-success are cleared after a successful request (no inline handlers: CSP).
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (evt.detail.successful && form && form.hasAttribute && form.hasAttribute("data-reset-on-success")) {
      form.reset();
    }
  });
  document.addEventListener("htmx:responseError", function (evt) {
    var text = fragmentText(evt.detail.xhr.responseText || "");
    toast(text && text.length < 300 ? text : "操作失败（" + evt.detail.xhr.status + "）", "error");
  });
  document.addEventListener("htmx:sendError", function () { toast("网络连接失败，请稍后重试", "error"); });
  document.addEventListener("hotline-notice", function (evt) { toast(evt.detail.value || evt.detail, "info"); });
  // Buttons with data-confirm ask first (plain forms; htmx buttons use hx-confirm).
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) evt.preventDefault();
  });
  document.addEventListener("keydown", function (evt) {
    var tag = (evt.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || evt.ctrlKey || evt.metaKey || evt.altKey) return;
    if (evt.key === "/") { var s = document.querySelector("[data-search]"); if (s) { evt.preventDefault(); s.focus(); } }
  });
})();

// ---- agent queue and ticket page (console part 1): j/k/Enter selection, live queue, KB answer fill ----
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table[data-queue] tbody tr[data-href]")); }
  function select(delta) {
    var list = rows();
    if (!list.length) return;
    var i = list.findIndex(function (r) { return r.classList.contains("selected"); });
    var next = Math.max(0, Math.min(list.length - 1, i < 0 ? 0 : i + delta));
    list.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    list[next].classList.add("selected");
    list[next].setAttribute("aria-selected", "true");
    list[next].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (evt) {
    var tag = (evt.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || evt.ctrlKey || evt.metaKey || evt.altKey) return;
    if (!document.querySelector("table[data-queue]")) return;
    if (evt.key === "j") { evt.preventDefault(); select(1); }
    else if (evt.key === "k") { evt.preventDefault(); select(-1); }
    else if (evt.key === "Enter") {
      var sel = document.querySelector("table[data-queue] tr.selected");
      if (sel && tag !== "a" && tag !== "button") { evt.preventDefault(); location.href = sel.dataset.href; }
    }
  });
  document.addEventListener("click", function (evt) {
    var row = evt.target.closest && evt.target.closest("table[data-queue] tr[data-href]");
    if (row && !evt.target.closest("a, button")) { location.href = row.dataset.href; }
    var fill = evt.target.closest && evt.target.closest("[data-fill]");
    if (fill) {
      var box = document.querySelector(fill.dataset.fill);
      var id = document.querySelector(fill.dataset.fillId);
      if (box) { box.value = fill.dataset.text; box.focus(); }
      if (id) { id.value = fill.dataset.article; }
    }
  });

  function textToast(text) {  // caller text: never through innerHTML
    var box = document.getElementById("toasts");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "toast info live-toast";
    div.textContent = text;
    box.appendChild(div);
    setTimeout(function () { div.remove(); }, 8000);
  }
  function refreshRows() {
    if (!window.htmx || !document.getElementById("queue-results")) return;
    htmx.ajax("GET", location.pathname + location.search, { target: "#queue-results", swap: "innerHTML" });
  }
  function startLive() {
    var box = document.getElementById("live");
    if (!box || !window.EventSource) return;
    var banner = document.getElementById("live-banner");
    var count = 0;
    var source = new EventSource(box.dataset.stream);
    source.onopen = function () { box.classList.add("on"); box.classList.remove("off"); box.querySelector(".live-state").textContent = "实时更新"; };
    source.onerror = function () { box.classList.add("off"); box.classList.remove("on"); box.querySelector(".live-state").textContent = "正在重连…"; };
    source.addEventListener("ticket", function (evt) {
      var t = JSON.parse(evt.data);
      count += 1;
      textToast("新工单 " + t.number + "：" + t.title + (t.urgency === "urgent" ? "（紧急）" : ""));
      if (t.urgency === "urgent" && window.hotlineTone) window.hotlineTone();
      banner.hidden = false;
      banner.querySelector(".live-count").textContent = String(count);
      document.title = "(" + count + ") " + document.title.replace(/^\(\d+\) /, "");
      refreshRows();
    });
    source.addEventListener("alert", function (evt) {
      var t = JSON.parse(evt.data);
      var list = document.getElementById("urgent-alerts");
      if (!list) return;
      var item = document.createElement("a");
      item.className = "urgent-alert";
      item.setAttribute("role", "alert");
      item.href = "/console/tickets/" + encodeURIComponent(t.number);
      item.textContent = "紧急工单 " + t.number + "：" + t.title + (t.handoff ? "（应转 " + t.handoff + "）" : "") +
        (t.reason ? " — " + t.reason : "");
      list.prepend(item);
      list.hidden = false;
    });
    banner.addEventListener("click", function () {
      count = 0; banner.hidden = true; document.title = document.title.replace(/^\(\d+\) /, "");
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startLive); else startLive();
})();
// ---- end agent queue and ticket page ----
// ---- departments, supervision and dashboard (views_workbench / views_supervision / views_dashboard) ----
(function () {
  "use strict";
  var COLORS = ["#1456f0", "#2ea121", "#e39500", "#c7000b", "#7f3bf5", "#00a3af", "#646a73", "#f54a45"];
  function bar(id, labels, datasets, percent) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { y: percent ? { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
                             : { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }
  function drawDashboard() {
    var node = document.getElementById("dashboard-data");
    if (!node || !window.Chart) return;
    var d = JSON.parse(node.textContent);
    bar("chart-channels", d.channels.labels, [{ label: "受理量", data: d.channels.values, backgroundColor: COLORS[0] }]);
    bar("chart-types", d.types.labels, [{ label: "受理量", data: d.types.values, backgroundColor: COLORS[4] }]);
    bar("chart-rates", d.rates.labels, d.rates.series.map(function (s, i) {
      return { label: s.label, data: s.values, backgroundColor: COLORS[i % COLORS.length] };
    }), true);
    var lights = document.getElementById("chart-lights");
    if (lights) {
      new window.Chart(lights, {
        type: "doughnut",
        data: { labels: d.lights.labels,
                datasets: [{ data: d.lights.values, backgroundColor: ["#2ea121", "#e39500", "#d83931"] }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false }
      });
    }
    document.body.setAttribute("data-charts", "ready");
  }
  // Chart.js is a deferred script placed after this one: draw once every script has run.
  if (document.readyState === "complete") drawDashboard(); else window.addEventListener("load", drawDashboard);
})();
// ---- end departments, supervision and dashboard ----

// ---- ticket page: click a transcript sentence to play the recording from there (issue 14) ----
document.addEventListener("click", function (ev) {
  var button = ev.target.closest ? ev.target.closest("button[data-seek]") : null;
  var audio = document.getElementById("call-audio");
  if (!button || !audio) return;
  var at = parseFloat(button.getAttribute("data-seek")) || 0;
  var seek = function () { audio.currentTime = at; audio.play(); };
  if (audio.readyState >= 1) seek(); else { audio.addEventListener("loadedmetadata", seek, { once: true }); audio.load(); }
});

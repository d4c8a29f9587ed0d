// Department workbench: cases dispatched to the unit appear without reload (Server-Sent Events from
// /console/workbench/stream): a toast, a count in the tab title, a short tone for urgent cases, and the list
// re-read from the server. Caller text only ever goes through textContent.
(function () {
  "use strict";
  var count = 0;
  function toast(text, urgent) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "toast info live-toast" + (urgent ? " urgent" : "");
    div.textContent = text;
    box.appendChild(div);
    setTimeout(function () { div.remove(); }, urgent ? 20000 : 8000);
  }
  function tone() { if (window.hotlineTone) window.hotlineTone(); }  // console.js
  function refresh() {
    if (!window.htmx || !document.getElementById("wb-list")) return;
    window.htmx.ajax("GET", location.pathname + location.search, { target: "#wb-list", select: "#wb-list", swap: "outerHTML ignoreTitle:true" });
  }
  function start() {
    var box = document.getElementById("wb-live");
    if (!box || !window.EventSource) return;
    var banner = document.getElementById("wb-live-banner");
    var source = new EventSource(box.dataset.stream);
    var state = box.querySelector(".live-state");
    source.onopen = function () { box.classList.add("on"); box.classList.remove("off"); state.textContent = "实时更新"; };
    source.onerror = function () { box.classList.add("off"); box.classList.remove("on"); state.textContent = "正在重连…"; };
    source.addEventListener("assigned", function (evt) {
      var t = JSON.parse(evt.data), urgent = t.urgency === "urgent";
      count += 1;
      toast("新派单（" + t.role_zh + "）" + t.number + "：" + t.title + (urgent ? "（紧急）" : ""), urgent);
      if (urgent) tone();
      banner.hidden = false;
      banner.querySelector(".live-count").textContent = String(count);
      document.title = "(" + count + ") " + document.title.replace(/^\(\d+\) /, "");
      refresh();
    });
    banner.addEventListener("click", function () {
      count = 0; banner.hidden = true; document.title = document.title.replace(/^\(\d+\) /, "");
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

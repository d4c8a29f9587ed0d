// Changes under the viewer (Server-Sent Events from /console/changes/stream, one per history entry): a list
// showing the changed case re-reads itself; a case page whose case was changed by someone else says so and
// stops offering its actions until it is reloaded. Text only through textContent.
(function () {
  "use strict";
  var GRACE_MS = 1500;  // our own action's response re-renders the case (new data-seq) within this time
  var pending = null;
  function refreshList() {
    if (pending || !window.htmx) return;
    pending = setTimeout(function () {
      pending = null;
      var here = location.pathname + location.search;
      if (document.getElementById("queue-results")) {
        window.htmx.ajax("GET", here, { target: "#queue-results", swap: "innerHTML" });
      } else if (document.getElementById("wb-list")) {
        window.htmx.ajax("GET", here, { target: "#wb-list", select: "#wb-list", swap: "outerHTML ignoreTitle:true" });
      }
    }, 300);
  }
  function markStale(change) {
    var root = document.querySelector("[data-case='" + change.number + "']");
    if (!root || Number(change.seq) <= Number(root.dataset.seq || 0)) return;
    var banner = document.getElementById("stale");
    if (!banner) return;
    banner.querySelector(".stale-what").textContent = change.action_zh + (change.status_zh ? "，现为" + change.status_zh : "");
    banner.hidden = false;
    Array.prototype.forEach.call(root.querySelectorAll("form[data-action], [hx-post]"), function (el) {
      el.classList.add("is-stale");
      Array.prototype.forEach.call(el.matches("form") ? el.querySelectorAll("button, input, select, textarea") : [el],
        function (c) { c.disabled = true; });
    });
  }
  function start() {
    var box = document.querySelector("[data-changes]");
    if (!box || !window.EventSource) return;
    var source = new EventSource(box.dataset.changes);
    source.addEventListener("change", function (evt) {
      var change = JSON.parse(evt.data);
      if (document.querySelector("tr[data-number='" + change.number + "']")) refreshList();
      if (document.querySelector("[data-case='" + change.number + "']")) {
        setTimeout(function () { markStale(change); }, GRACE_MS);
      }
    });
    var reload = document.getElementById("stale-reload");
    if (reload) reload.addEventListener("click", function () { location.reload(); });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();

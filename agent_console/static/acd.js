// Wallboard (话务大屏): refresh the figures every few seconds from wallboard.json; text only, never HTML.
(function () {
  "use strict";
  var board = document.querySelector("[data-wallboard]");
  if (!board) return;
  var url = board.getAttribute("data-wallboard");
  var EVERY_MS = 5000;
  function lookup(data, path) {
    return path.split(".").reduce(function (v, k) { return v == null ? v : v[k]; }, data);
  }
  function show(cell, value) {
    var format = cell.getAttribute("data-format");
    if (value === null || value === undefined) { cell.textContent = "—"; return; }
    if (format === "percent") { cell.textContent = (value * 100).toFixed(1) + "%"; return; }
    if (format === "time") { cell.textContent = new Date(value).toLocaleTimeString("zh-CN", { hour12: false }); return; }
    cell.textContent = String(value);
  }
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        document.querySelectorAll("[data-figure]").forEach(function (cell) {
          show(cell, lookup(data, cell.getAttribute("data-figure")));
        });
        board.classList.remove("stale");
      })
      .catch(function () { board.classList.add("stale"); });
  }
  setInterval(refresh, EVERY_MS);
})();

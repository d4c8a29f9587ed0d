// Sortable tables: every <table data-sortable> gets a sort button in each header cell (click or Enter/Space;
// again to reverse). Cells sort by data-sort when present, else by their text; numbers (12.5%, 2026…) as
// numbers, "—" last. Rows marked data-sort-fixed (totals) stay at the bottom.
(function () {
  "use strict";
  function key(cell) {
    if (!cell) return { n: null, s: "" };
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    var text = raw.trim();
    var num = text.replace(/[%,\s]/g, "");
    if (num !== "" && !isNaN(Number(num))) return { n: Number(num), s: text };
    return { n: null, s: text };
  }
  function compare(a, b) {
    var blankA = a.s === "" || a.s === "—", blankB = b.s === "" || b.s === "—";
    if (blankA || blankB) return blankA === blankB ? 0 : (blankA ? 1 : -1);
    if (a.n !== null && b.n !== null) return a.n - b.n;
    return a.s.localeCompare(b.s, "zh-CN");
  }
  function sortBy(table, index, button) {
    var body = table.tBodies[0];
    if (!body) return;
    var descending = button.getAttribute("data-dir") === "asc";
    var rows = Array.prototype.slice.call(body.rows);
    var fixed = rows.filter(function (r) { return r.hasAttribute("data-sort-fixed") || r.cells.length < 2; });
    var movable = rows.filter(function (r) { return fixed.indexOf(r) < 0; });
    movable.sort(function (x, y) {
      var c = compare(key(x.cells[index]), key(y.cells[index]));
      return descending ? -c : c;
    });
    movable.concat(fixed).forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th) { th.removeAttribute("aria-sort"); });
    Array.prototype.forEach.call(table.querySelectorAll("thead button.sort"), function (b) { b.removeAttribute("data-dir"); });
    button.setAttribute("data-dir", descending ? "desc" : "asc");
    button.closest("th").setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  function enhance(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("table[data-sortable]"), function (table) {
      if (table.dataset.sortReady) return;
      table.dataset.sortReady = "1";
      var heads = table.tHead ? table.tHead.rows[0].cells : [];
      Array.prototype.forEach.call(heads, function (th, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "sort";
        button.title = "点击排序";
        while (th.firstChild) button.appendChild(th.firstChild);
        th.appendChild(button);
        button.addEventListener("click", function () { sortBy(table, index, button); });
      });
    });
  }
  document.addEventListener("htmx:afterSwap", function (evt) { enhance(evt.detail.target); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { enhance(); });
  else enhance();
})();

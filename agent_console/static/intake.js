// 受理 form (/console/tickets/new): street picker follows the district, suggestions fill the fields the agent
// has not set, Ctrl+Enter saves, Ctrl+Shift+Enter saves and dispatches, (console.js asks before 并单 / 一次办结).
(function () {
  "use strict";
  function form() { return document.getElementById("intake-form"); }

  function filterStreets() {
    var district = document.getElementById("district"), street = document.getElementById("street");
    if (!district || !street) return;
    Array.prototype.forEach.call(street.options, function (o) {
      if (!o.value) return;
      o.hidden = !!district.value && o.dataset.district !== district.value;
    });
    var chosen = street.options[street.selectedIndex];
    if (chosen && chosen.hidden) street.value = "";
  }

  function applySuggestions() {
    var box = document.getElementById("intake-suggest"), f = form();
    if (!box || !f) return;
    Array.prototype.forEach.call(f.querySelectorAll("[data-suggest-field]"), function (field) {
      if (field.dataset.touched) return;  // the agent's own choice always wins
      var value = box.dataset["suggest" + field.dataset.suggestField.charAt(0).toUpperCase() + field.dataset.suggestField.slice(1)] || "";
      var known = value && Array.prototype.some.call(field.options, function (o) { return o.value === value; });
      if (known) { field.value = value; field.classList.add("suggested"); }
      else if (field.classList.contains("suggested")) {  // an earlier suggestion no longer holds
        field.value = field.id === "urgency" ? "normal" : ""; field.classList.remove("suggested");
      }
    });
  }

  document.addEventListener("change", function (evt) {
    var t = evt.target;
    if (!t.closest || !t.closest("#intake-form")) return;
    if (t.dataset && t.dataset.suggestField && evt.isTrusted) { t.dataset.touched = "1"; t.classList.remove("suggested"); }
    if (t.id === "district") filterStreets();
    if (t.id === "street" && t.value) {
      var opt = t.options[t.selectedIndex], district = document.getElementById("district");
      if (district && opt.dataset.district) district.value = opt.dataset.district;
    }
  });

  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "intake-hints") applySuggestions();
  });

  document.addEventListener("keydown", function (evt) {
    var f = form();
    if (!f || evt.key !== "Enter" || !(evt.ctrlKey || evt.metaKey)) return;
    evt.preventDefault();
    var button = document.getElementById(evt.shiftKey ? "save-dispatch" : "save-register");
    if (f.requestSubmit) f.requestSubmit(button); else button.click();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", filterStreets); else filterStreets();
})();

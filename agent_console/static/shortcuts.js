// Keyboard shortcuts on case pages (elements with data-shortcuts): one letter jumps to an action form
// (focus its first field), a few keys move around, and "?" opens an overlay listing what this page offers.
// Keys are ignored while typing in a field; Esc leaves the field or closes the overlay.
(function () {
  "use strict";
  var ACTIONS = {  // data-action of a form -> key
    triage: "t", dispatch: "d", answer: "a", close: "c", send_back: "x", supervise: "s", reopen: "r",
    merge: "m", note: "n", accept: "g", contact: "l", reply: "y", extension: "e", "return": "u"
  };
  var MOVES = [
    { key: "h", label: "办理历史", run: function () { var h = document.getElementById("history") || document.querySelector(".wb-history"); if (h) { h.scrollIntoView(); } }, when: function () { return document.getElementById("history") || document.querySelector(".wb-history"); } },
    { key: "p", label: "播放 / 暂停录音", run: function () { var a = document.querySelector("audio"); if (a) { if (a.paused) a.play(); else a.pause(); } }, when: function () { return document.querySelector("audio"); } },
    { key: "b", label: "返回列表", run: function () { var back = document.querySelector(".crumbs a, .wb-crumbs a"); if (back) location.href = back.href; }, when: function () { return document.querySelector(".crumbs a, .wb-crumbs a"); } },
    { key: "?", label: "显示 / 关闭本帮助", run: toggle, when: function () { return true; } }
  ];
  function page() { return document.querySelector("[data-shortcuts]"); }
  function forms() {
    return Array.prototype.filter.call(document.querySelectorAll("form[data-action]"), function (f) {
      return ACTIONS[f.dataset.action] && f.offsetParent !== null;
    });
  }
  function title(form) {
    var h = form.querySelector("h4, h3, legend, button[type=submit]");
    return (h ? h.textContent : form.dataset.action).trim();
  }
  function overlay() {
    var box = document.getElementById("shortcut-help");
    if (box) return box;
    box = document.createElement("dialog");
    box.id = "shortcut-help";
    box.className = "shortcut-help";
    box.setAttribute("aria-labelledby", "shortcut-help-title");
    document.body.appendChild(box);
    return box;
  }
  function row(list, key, label) {
    var dt = document.createElement("dt"), kbd = document.createElement("kbd"), dd = document.createElement("dd");
    kbd.textContent = key; dt.appendChild(kbd); dd.textContent = label;
    list.appendChild(dt); list.appendChild(dd);
  }
  function toggle() {
    var box = overlay();
    if (box.open) { box.close(); return; }
    box.textContent = "";
    var h = document.createElement("h2"); h.id = "shortcut-help-title"; h.textContent = "快捷键";
    var list = document.createElement("dl");
    forms().forEach(function (f) { row(list, ACTIONS[f.dataset.action], title(f)); });
    MOVES.forEach(function (m) { if (m.when()) row(list, m.key, m.label); });
    row(list, "Esc", "离开输入框 / 关闭本帮助");
    var note = document.createElement("p"); note.className = "muted small";
    note.textContent = "在输入框中打字时快捷键不生效；只列出当前状态下可办理的操作。";
    var close = document.createElement("button"); close.type = "button"; close.textContent = "关闭";
    close.addEventListener("click", function () { box.close(); });
    box.appendChild(h); box.appendChild(list); box.appendChild(note); box.appendChild(close);
    box.showModal();
  }
  document.addEventListener("keydown", function (evt) {
    if (!page() || evt.ctrlKey || evt.metaKey || evt.altKey) return;
    var tag = (evt.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") {
      if (evt.key === "Escape") evt.target.blur();
      return;
    }
    var box = document.getElementById("shortcut-help");
    if (box && box.open && evt.key !== "?") return;  // the dialog handles Esc itself
    var form = forms().filter(function (f) { return ACTIONS[f.dataset.action] === evt.key; })[0];
    if (form) {
      evt.preventDefault();
      form.scrollIntoView({ block: "center" });
      var field = form.querySelector("input:not([type=hidden]), select, textarea, button");
      if (field) field.focus();
      return;
    }
    var move = MOVES.filter(function (m) { return m.key === evt.key && m.when(); })[0];
    if (move) { evt.preventDefault(); move.run(); }
  });
})();

// Saved views of the queue: the agent names the current filters and finds them again as links above the
// list. Kept in this browser (localStorage, per user name), nothing is sent to the server.
(function () {
  "use strict";
  var box = document.getElementById("saved-views");
  if (!box || !window.localStorage) return;
  var key = "hotline.queue.views." + (box.dataset.user || "");
  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function store(views) { localStorage.setItem(key, JSON.stringify(views)); }
  function render() {
    var list = box.querySelector("ul");
    list.textContent = "";
    load().forEach(function (v, i) {
      var li = document.createElement("li"), a = document.createElement("a"), del = document.createElement("button");
      a.href = "/console/queue" + v.query; a.textContent = v.name;
      del.type = "button"; del.className = "link small"; del.textContent = "删除";
      del.setAttribute("aria-label", "删除视图 " + v.name);
      del.addEventListener("click", function () { var views = load(); views.splice(i, 1); store(views); render(); });
      li.appendChild(a); li.appendChild(document.createTextNode(" ")); li.appendChild(del);
      list.appendChild(li);
    });
    box.querySelector(".saved-empty").hidden = load().length > 0;
  }
  box.querySelector("#save-view").addEventListener("click", function () {
    var name = (window.prompt("视图名称（如：今日紧急未派单）") || "").trim();
    if (!name) return;
    var views = load().filter(function (v) { return v.name !== name; });
    views.push({ name: name.slice(0, 40), query: location.search });
    store(views.slice(-20));
    render();
  });
  render();
})();

// The API docs page (/docs): Swagger UI from the npm-installed bundle, reading the app's OpenAPI document.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("swagger-ui");
    if (!box || !window.SwaggerUIBundle) return;
    window.SwaggerUIBundle({
      url: box.dataset.openapi, dom_id: "#swagger-ui", deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis], layout: "BaseLayout"
    });
  }
  if (document.readyState === "complete") start(); else window.addEventListener("load", start);
})();

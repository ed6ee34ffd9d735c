/* Starts Swagger UI on /schema. A file rather than Litestar's inline script: the
   Content-Security-Policy refuses inline scripts. The spec is fetched from the URL in the
   container's data-spec-url. */
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var container = document.getElementById("swagger-container");
  window.SwaggerUIBundle({
    url: container.getAttribute("data-spec-url"),
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
});

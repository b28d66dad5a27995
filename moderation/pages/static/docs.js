// Starts Swagger UI on /docs. A file of its own, not an inline script: the page's CSP allows
// scripts from this origin only.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
  });
})();

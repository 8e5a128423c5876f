/* /docs: start Swagger UI (served from node_modules) on this server's OpenAPI document. A file, not an inline
   script, so the Content-Security-Policy can forbid inline script everywhere. */
window.addEventListener('load', function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-openapi'),
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    validatorUrl: null,
    // with accounts on, a write needs the session's CSRF token (web/auth.py reads X-CSRF-Token)
    requestInterceptor: function (request) {
      var token = root.getAttribute('data-csrf');
      if (token && request.method && request.method.toUpperCase() !== 'GET') {
        request.headers['X-CSRF-Token'] = token;
      }
      return request;
    },
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
});

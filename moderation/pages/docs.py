"""GET /docs: the API reference (Swagger UI over /openapi.json), served by the service itself.

Swagger UI's files (5.x, which reads OpenAPI 3.1) come from the `flask-swagger-ui` package,
pinned in pyproject.toml (its version is Swagger UI's), so the page works with no network and
under the same strict CSP as the other pages: no inline script (the start-up code is
pages/static/docs.js), no other origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_swagger_ui
from flask import Blueprint, abort, current_app, render_template, send_from_directory

DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The only files of the bundle the page loads; nothing else of the package is served.
SWAGGER_FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})
SWAGGER_DIR = Path(flask_swagger_ui.__file__).parent / "dist"

blp = Blueprint("api_docs_page", __name__, template_folder="templates")


@blp.route("/docs")
def docs_page() -> Any:
    """Swagger UI reading this service's /openapi.json."""
    response = current_app.make_response(render_template("docs.html"))
    response.headers["Content-Security-Policy"] = DOCS_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.route("/docs/swagger-ui/<name>")
def swagger_file(name: str) -> Any:
    """One of Swagger UI's own files, from the installed package (a version per release)."""
    if name not in SWAGGER_FILES:
        abort(404)
    response = send_from_directory(SWAGGER_DIR, name, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

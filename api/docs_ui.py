"""The API's documentation pages, /docs (Swagger UI) and /redoc, served with their
scripts and styles from the ledger itself: they work without internet (no CDN).

The assets are those the `fastapi-offline` package ships (Swagger UI's bundle and CSS,
ReDoc's standalone script, the favicon); the pages are FastAPI's own HTML with local
URLs, and ReDoc without Google's fonts. A Content-Security-Policy keeps both pages to
the ledger's own origin: ReDoc's sidebar would otherwise fetch its maker's logo from
their CDN (an image it hides when that fails), and the browser now never asks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.schemas import ErrorOut

ASSETS = "/docs-assets"
ASSET_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
# Inline scripts and styles: FastAPI's page starts Swagger UI inline, and both UIs style
# themselves inline; ReDoc runs its search in a worker from a blob.
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


def _own_origin(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = POLICY
    return page


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with the 422 body the ledger really answers: FastAPI documents
    its own `HTTPValidationError` ({detail: [...]}), but every error here is an `ErrorOut`
    ({error, message, field?}, api/errors.py)."""
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        text = json.dumps(spec).replace(
            '"#/components/schemas/HTTPValidationError"', '"#/components/schemas/ErrorOut"'
        )
        spec = json.loads(text)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["ErrorOut"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        app.openapi_schema = spec
    return app.openapi_schema


def install(app: FastAPI) -> None:
    """Mount the assets and add the two pages (the app is created with docs_url and
    redoc_url None, so FastAPI's CDN pages are not there); the schema's error bodies are
    the ledger's own."""
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.mount(ASSETS, StaticFiles(directory=ASSET_DIR), name="docs-assets")
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} – API",
            oauth2_redirect_url=oauth2_redirect,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )
        return _own_origin(page)

    @app.get(oauth2_redirect, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} – API",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
        return _own_origin(page)

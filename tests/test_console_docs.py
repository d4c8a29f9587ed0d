"""The API docs work offline: /docs loads Swagger UI from the npm-installed bundle (no CDN, no inline script);
/redoc, which would need a CDN, leads there; a favicon is served."""

from __future__ import annotations

import re


def test_docs_page_uses_local_assets_only(client):
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/vendor/swagger-ui-bundle.js" in sources and "/static/vendor/swagger-ui.css" in sources
    assert all(s.startswith("/") for s in sources), sources
    assert "<script>" not in page.text and 'data-openapi="/openapi.json"' in page.text
    js = client.get("/static/vendor/swagger-ui-bundle.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    css = client.get("/static/vendor/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/openapi.json").json()["info"]["title"]


def test_redoc_and_favicon(client):
    redoc = client.get("/redoc", follow_redirects=False)
    assert redoc.status_code == 307 and redoc.headers["location"] == "/docs"
    icon = client.get("/favicon.ico", follow_redirects=False)
    assert icon.status_code == 301 and icon.headers["location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")

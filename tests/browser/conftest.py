"""One headless Chromium (Debian's, driven by Playwright) for the session, and one real
`ledger serve` per module and backend, filled over HTTP with a small city.

Every page the browser loads must come from the ledger itself: a request to any other
host is refused and fails the test (the workspace works offline, no CDN)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from api.auth import issue_token
from tests.conftest import _pg_conninfo, pg_database_url
from tests.e2e.conftest import SECRET, Server, running_server

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        message = "no chromium on PATH (make system installs Debian's package)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Web:
    """A running ledger, its backend's name, and signed-in browser pages."""

    server: Server
    backend: str
    browser: Any
    outside: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def token(self, user: str, role: str) -> str:
        return issue_token(SECRET, user, role, 600)

    def page(self, width: int = 1280, height: int = 900) -> Any:
        """A fresh browser context (no cookies) whose requests may only reach the ledger."""
        context = self.browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15000)

        def guard(route: Any) -> None:
            if route.request.url.startswith(self.url):
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        return context.new_page()

    def sign_in(self, user: str, role: str, width: int = 1280, height: int = 900) -> Any:
        page = self.page(width, height)
        page.goto(f"{self.url}/ui/login")
        page.fill("#token", self.token(user, role))
        page.click("#sign-in")
        page.wait_for_url(f"{self.url}/ui")
        return page

    def shot(self, page: Any, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{self.backend}-{name}.png"), full_page=True)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def web(
    request: pytest.FixtureRequest, browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Web]:
    tmp_path = tmp_path_factory.mktemp("web")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        request.getfixturevalue("postgres_available")
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = pg_database_url(schema)
    try:
        with running_server(url, tmp_path) as server:
            found = Web(server, request.param, browser)
            yield found
            assert found.outside == [], f"pages asked for outside resources: {found.outside}"
    finally:
        if schema is not None:
            with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

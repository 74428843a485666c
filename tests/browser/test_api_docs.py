"""/docs (Swagger UI) and /redoc work with the network cut: every request to a host
other than the ledger is aborted (and recorded: the module's fixture fails the test if
there was any), yet both pages render the whole API from the ledger's own assets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Web
from tests.e2e.conftest import running_server


@pytest.fixture(scope="module")
def offline(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    tmp_path: Path = tmp_path_factory.mktemp("docs")
    with running_server(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path) as server:
        found = Web(server, "sqlite", browser)
        yield found
        assert found.outside == [], f"the docs asked for outside resources: {found.outside}"


def _page(offline: Web) -> tuple[Any, list[str]]:
    """A page whose console errors are kept (a Content-Security-Policy refusal is one)."""
    page = offline.page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return page, errors


def test_swagger_ui_lists_the_operations_offline(offline: Web) -> None:
    page, errors = _page(offline)
    page.goto(f"{offline.url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    paths = {p.strip() for p in page.locator(".opblock-summary-path").all_inner_texts()}
    # U+200B: Swagger UI breaks long paths with zero-width spaces
    paths = {p.replace("\u200b", "") for p in paths}
    assert {"/households", "/payment-runs", "/health"} <= paths
    assert "/households/{household_id}/applications" in paths
    assert page.locator(".opblock").count() >= 40
    assert page.locator("button.authorize").count() == 1  # bearer tokens can be pasted
    assert errors == []
    offline.shot(page, "docs-offline")
    page.context.close()


def test_redoc_lists_the_operations_offline(offline: Web) -> None:
    page, errors = _page(offline)
    page.goto(f"{offline.url}/redoc")
    page.wait_for_selector("[data-section-id^='operation/']", state="attached", timeout=20000)
    assert page.locator("[data-section-id^='operation/']").count() >= 40
    assert page.get_by_text("/payment-runs").count() >= 1
    page.fill("input[placeholder='Search...']", "payment")  # the search worker runs
    results = page.locator("[data-role='search:results'] li")
    results.first.wait_for(timeout=10000)
    assert "POST\nStart Run" in results.all_inner_texts()
    # The one refusal: the policy keeps ReDoc's logo from its maker's CDN (the sidebar
    # hides the image when it cannot load); nothing else was refused or failed.
    assert [e for e in errors if "cdn.redoc.ly/redoc/logo-mini.svg" not in e] == []
    offline.shot(page, "redoc-offline")
    page.context.close()

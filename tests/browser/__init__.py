"""Browser tests of the web workspace (headless Chromium via Playwright)."""

"""The web workspace at /ui (docs/WEB.md)."""

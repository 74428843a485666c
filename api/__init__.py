"""The HTTP API: thin routers over the ledger application and its views."""

"""The services layer: what the API and the command line both call. `services.ledger`
is the composition root (the application, the views and the catch-up runner built from
the settings); the other modules are the ledger's operations over it: payment runs,
the audit replay, early warnings, what-if simulations, the partner departments' feed,
the registry import, medical settlements in bulk, backups. Nothing here imports `api`
or `scripts` (import-linter's layers contract in `make lint`)."""

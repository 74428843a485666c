-- Run once by the postgres image's entrypoint, as the owner (POSTGRES_USER) in the
-- "ledger" database, and only when the data volume is empty.
--
-- Placeholder for the append-only application role: it can log in and connect,
-- nothing more yet. The grants that let it insert (but never update or delete)
-- events come with the issue that switches the API over to this role.

-- OPERATORS MUST CHANGE THIS PASSWORD (ALTER ROLE ledger_app PASSWORD '...')
-- before the database is reachable from anywhere but this compose network.
CREATE ROLE ledger_app LOGIN PASSWORD 'ledger_app';

GRANT CONNECT ON DATABASE ledger TO ledger_app;

-- What the application role needs on the event tables once the ledger has created them
-- (run as the owner after the first start; the triggers the ledger installs refuse every
-- UPDATE, DELETE and TRUNCATE of an event row whoever asks):
--   GRANT USAGE ON SCHEMA public TO ledger_app;
--   GRANT SELECT, INSERT, UPDATE ON ledger_events, ledger_snapshots TO ledger_app;
--   GRANT SELECT, INSERT, UPDATE, DELETE ON ALL OTHER ledger_* view tables TO ledger_app;
-- (UPDATE on ledger_events only because the event store locks the table in EXCLUSIVE
-- mode while it appends.)

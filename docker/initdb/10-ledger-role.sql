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

-- Run once by the postgres image's entrypoint, as the owner (POSTGRES_USER, ledger_owner)
-- in the "ledger" database, and only when the data volume is empty.
--
-- Two roles: ledger_owner owns the schema and runs `ledger migrate --app-role ledger_app`
-- (the compose service "migrate"), which creates the tables and triggers and then grants
-- ledger_app exactly what the ledger needs on each of them (see docs/AUDIT.md). The API
-- runs as ledger_app: it can read and append events but, not being the tables' owner,
-- cannot ALTER them, switch their triggers off or drop them.

-- OPERATORS MUST CHANGE THIS PASSWORD (ALTER ROLE ledger_app PASSWORD '...', and
-- LEDGER_DB_APP_PASSWORD to match) before the database is reachable from anywhere but
-- this compose network.
CREATE ROLE ledger_app LOGIN PASSWORD 'ledger_app' NOSUPERUSER NOCREATEDB NOCREATEROLE;

GRANT CONNECT ON DATABASE ledger TO ledger_app;

-- The schema: ledger_app may use what is in it but create nothing there.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ledger_app;

-- Sequences the owner creates later (the event log's notification ids, the access
-- trail's ids) are usable by ledger_app; the table grants follow each table's purpose
-- and are made by `ledger migrate --app-role ledger_app` once the tables exist.
ALTER DEFAULT PRIVILEGES FOR ROLE ledger_owner IN SCHEMA public
    GRANT USAGE ON SEQUENCES TO ledger_app;

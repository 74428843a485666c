-- Run once by the postgres image's entrypoint, as the owner, in the "ledger" database:
-- the schemas of the two county ledgers of the compose profile "province"
-- (docker/ledgers.toml, docs/SCALING.md). Each is a ledger of its own, as a database on
-- another server would be; ledger_app may use what is in them but create nothing there.
CREATE SCHEMA nanhu AUTHORIZATION ledger_owner;
CREATE SCHEMA xiuzhou AUTHORIZATION ledger_owner;
GRANT USAGE ON SCHEMA nanhu, xiuzhou TO ledger_app;
ALTER DEFAULT PRIVILEGES FOR ROLE ledger_owner IN SCHEMA nanhu, xiuzhou
    GRANT USAGE ON SEQUENCES TO ledger_app;

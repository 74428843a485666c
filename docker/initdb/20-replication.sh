#!/bin/bash
# Run once by the postgres image's entrypoint when the data volume is first initialised:
# a role for streaming replication and the pg_hba.conf line that admits it, so that the
# compose service "replica" can make itself a hot standby with pg_basebackup
# (docs/SCALING.md, read replicas). OPERATORS MUST CHANGE the password
# (LEDGER_DB_REPLICATION_PASSWORD) before the database is reachable from elsewhere.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="${LEDGER_DB_REPLICATION_PASSWORD:-replicator}" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"

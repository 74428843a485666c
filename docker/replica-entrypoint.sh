#!/bin/bash
# The compose service "replica": on an empty volume, a base backup of the primary ("db")
# with its recovery settings (pg_basebackup -R: standby.signal and primary_conninfo), then
# PostgreSQL as a hot standby streaming from it. The API sends replica-safe reads here
# (LEDGER_REPLICA_URL, docs/SCALING.md).
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_basebackup --host=db --username=replicator --pgdata="$PGDATA" \
            --write-recovery-conf --wal-method=stream --checkpoint=fast; do
        echo "replica: waiting for the primary" >&2
        rm -rf "${PGDATA:?}"/*
        sleep 2
    done
    chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on

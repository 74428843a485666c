# Image for the ledger API: `docker build -t ledger-api .`
# Runtime settings come from LEDGER_* environment variables (see services/settings.py);
# docker-compose.yml wires it to PostgreSQL.
# The Debian release is pinned (bookworm, Debian 12): its archive carries
# postgresql-client-15, the client of the server's major version; the bare
# python:3.11-slim tag moves to newer releases that do not.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LEDGER_DATA_DIR=/app/ledger-data

# Unprivileged account the server runs as (fixed UID so orchestrators can check runAsNonRoot).
RUN groupadd --system --gid 10001 ledger \
    && useradd --system --uid 10001 --gid ledger --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin ledger

# A CJK font for the PDF audit report; PostgreSQL's client programs (pg_dump, pg_restore,
# psql) of the server's major version (15, as in docker-compose.yml) for `ledger backup`
# and `ledger restore` (docs/RELIABILITY.md).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Only what the package build needs; .dockerignore keeps local state out of the context.
COPY pyproject.toml README.md ./
COPY domain/ ./domain/
COPY projections/ ./projections/
COPY services/ ./services/
COPY api/ ./api/
COPY scripts/ ./scripts/

# Runtime dependencies only (no dev extras). The data folder is the one path the
# server may write to (the SQLite default and, without LEDGER_SECRET, the dev signing key).
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info \
    && mkdir -p "$LEDGER_DATA_DIR" \
    && chown ledger:ledger "$LEDGER_DATA_DIR"

USER ledger

EXPOSE 8000

# /health answers 503 when the database is unreachable; urlopen raises on it, so the check fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

CMD ["ledger", "serve", "--host", "0.0.0.0", "--port", "8000"]

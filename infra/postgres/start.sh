#!/usr/bin/env bash
# Installs (if missing) and starts Debian's PostgreSQL on loopback, then makes sure the
# houqin role and one database per service exist. Safe to run any number of times.
#
# Environment:
#   HOUQIN_PG_PORT            port on 127.0.0.1 (default 5432)
#   HOUQIN_PG_CLUSTER         Debian cluster name (default main); another name makes a second,
#                             independent server beside the first, e.g. for fault tests that
#                             stop and start it: HOUQIN_PG_CLUSTER=faults HOUQIN_PG_PORT=5499
#   HOUQIN_PG_SHARED_BUFFERS  shared_buffers of the cluster (default 1GB: with 10 million events,
#                             a read of one row by id on a read table of 130,000 rows took 1.2-1.9x
#                             its time on a small store at 256MB, and 0.84x at 1GB; bench/README.md)
#   HOUQIN_PG_USER / HOUQIN_PG_PASSWORD   the role the services use (default houqin/houqin)
set -euo pipefail
PORT="${HOUQIN_PG_PORT:-5432}"
CLUSTER="${HOUQIN_PG_CLUSTER:-main}"
SHARED_BUFFERS="${HOUQIN_PG_SHARED_BUFFERS:-1GB}"
USER_NAME="${HOUQIN_PG_USER:-houqin}"
PASSWORD="${HOUQIN_PG_PASSWORD:-houqin}"
# One database per service of services/registry.py (standard library only: any Python 3 reads it)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REGISTRY_PY="${HOUQIN_PYTHON:-python3}"
[ -x "$ROOT/.venv/bin/python" ] && REGISTRY_PY="$ROOT/.venv/bin/python"
mapfile -t DATABASES < <(cd "$ROOT" && "$REGISTRY_PY" -m services.registry databases)
started=$(date +%s)

say() { printf 'postgres: %s\n' "$*"; }
[ "${#DATABASES[@]}" -gt 0 ] || { say "no service databases from services/registry.py (run by $REGISTRY_PY)"; exit 1; }

[[ "$CLUSTER" =~ ^[a-z0-9_]+$ ]] || { say "HOUQIN_PG_CLUSTER must be lower-case letters, digits and _"; exit 1; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  say "not installed; installing Debian's postgresql package (this takes a minute)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || { say "apt-get update failed: check that Debian's package mirror is reachable"; exit 1; }
  apt-get install -y -qq postgresql >/dev/null || { say "apt-get install postgresql failed; run it by hand to see why"; exit 1; }
fi

VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c' | grep -q .; then
  say "creating cluster $VERSION/$CLUSTER on port $PORT"
  pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" >/dev/null
fi
CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER"
# loopback only, and enough connections for several services plus the test suite (a test session
# keeps every service it started, one pool each, until its end); no TLS on
# loopback (it costs both ends CPU on every round trip and protects nothing here)
NEW_CONF=$(cat <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
max_connections = 1000
shared_buffers = $SHARED_BUFFERS
ssl = off
CONF
)
CONF_CHANGED=0
if [ "$(cat "$CONF_DIR/conf.d/houqin.conf" 2>/dev/null)" != "$NEW_CONF" ]; then
  printf '%s\n' "$NEW_CONF" > "$CONF_DIR/conf.d/houqin.conf"
  CONF_CHANGED=1
fi

if pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; then
  if [ "$CONF_CHANGED" = 1 ]; then
    say "cluster $VERSION/$CLUSTER running; restarting it for its changed settings (max_connections needs a restart)"
    pg_ctlcluster "$VERSION" "$CLUSTER" restart
  else
    say "cluster $VERSION/$CLUSTER already running"
  fi
else
  say "starting cluster $VERSION/$CLUSTER"
  pg_ctlcluster "$VERSION" "$CLUSTER" start || {
    say "failed to start; see /var/log/postgresql/postgresql-$VERSION-$CLUSTER.log"; exit 1; }
fi

for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  printf '.'; sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { say "not answering on 127.0.0.1:$PORT; see /var/log/postgresql/"; exit 1; }

psql_admin() { su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qtAX $*"; }
if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname='$USER_NAME'\"")" != "1" ]; then
  psql_admin "-c \"CREATE ROLE $USER_NAME LOGIN CREATEDB PASSWORD '$PASSWORD'\""
fi
# lets DROP DATABASE ... WITH (FORCE) end an autovacuum worker in a test database
psql_admin "-c \"GRANT pg_signal_backend TO $USER_NAME\"" >/dev/null 2>&1 || true
# lets a benchmark CHECKPOINT after a bulk import, so the checkpointer does not write it during a measurement
psql_admin "-c \"GRANT pg_checkpoint TO $USER_NAME\"" >/dev/null 2>&1 || true
created=0
for db in "${DATABASES[@]}"; do
  if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname='$db'\"")" != "1" ]; then
    psql_admin "-c \"CREATE DATABASE $db OWNER $USER_NAME\""
    created=$((created + 1))
  fi
done
say "ready on 127.0.0.1:$PORT (PostgreSQL $VERSION/$CLUSTER, role $USER_NAME, ${#DATABASES[@]} service databases, $created new) in $(( $(date +%s) - started ))s"

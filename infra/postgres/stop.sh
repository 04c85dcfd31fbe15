#!/usr/bin/env bash
# Stops the local PostgreSQL cluster started by start.sh. Idempotent.
# HOUQIN_PG_CLUSTER names the cluster (default main), as for start.sh.
set -euo pipefail
CLUSTER="${HOUQIN_PG_CLUSTER:-main}"
command -v pg_ctlcluster >/dev/null 2>&1 || { echo "postgres: not installed"; exit 0; }
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; then
  pg_ctlcluster "$VERSION" "$CLUSTER" stop -m fast && echo "postgres: stopped $VERSION/$CLUSTER"
else
  echo "postgres: $VERSION/$CLUSTER not running"
fi

#!/usr/bin/env bash
# Stops the local PostgreSQL cluster started by start.sh. Idempotent.
set -euo pipefail
command -v pg_ctlcluster >/dev/null 2>&1 || { echo "postgres: not installed"; exit 0; }
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$VERSION" main stop -m fast && echo "postgres: stopped"
else
  echo "postgres: not running"
fi

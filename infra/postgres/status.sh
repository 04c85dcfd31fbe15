#!/usr/bin/env bash
# Prints whether the local PostgreSQL answers; exit 0 if it does, 3 if not.
set -uo pipefail
PORT="${HOUQIN_PG_PORT:-5432}"
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  echo "postgres: running on 127.0.0.1:$PORT ($(ls /usr/lib/postgresql | sort -V | tail -n 1))"; exit 0
fi
echo "postgres: stopped (start it with infra/postgres/start.sh)"; exit 3

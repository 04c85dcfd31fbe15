#!/usr/bin/env bash
# Stop the local Kafka broker started by infra/kafka/start.sh: SIGTERM (clean
# shutdown), wait up to 30 s, then SIGKILL. Idempotent: exits 0 if not running.
# Data in the state dir is kept; delete <state dir>/kafka to start from scratch.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

STOP_TIMEOUT="${HOUQIN_KAFKA_STOP_TIMEOUT:-30}"

pid="$(broker_pid)"
if [[ -z "$pid" ]]; then
  rm -f "$PID_FILE"
  echo "kafka: not running"
  exit 0
fi

t0="$(now_ms)"
printf 'kafka: stopping pid %s ' "$pid"
kill -TERM "$pid" 2>/dev/null || true
deadline=$(( t0 + STOP_TIMEOUT * 1000 ))
tick=0
while is_kafka_pid "$pid"; do
  if (( $(now_ms) >= deadline )); then
    echo
    echo "kafka: still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do is_kafka_pid "$pid" || break; sleep 0.1; done
    if is_kafka_pid "$pid"; then echo "kafka: ERROR: pid $pid survived SIGKILL" >&2; exit 1; fi
    break
  fi
  sleep 0.2
  tick=$(( tick + 1 ))
  (( tick % 5 == 0 )) && printf '.'
done
rm -f "$PID_FILE" "$RUN_INFO"
echo " stopped in $(secs_since "$t0")"

#!/usr/bin/env bash
# Stop the local Kafka broker(s) started by infra/kafka/start.sh: SIGTERM (clean shutdown),
# wait up to 30 s, then SIGKILL. Idempotent: exits 0 if nothing runs.
# Data in the state dir is kept; delete <state dir>/kafka to start from scratch.
#
#   infra/kafka/stop.sh                   # every broker of the state dir: the single one and each cluster node
#   infra/kafka/stop.sh --node 2          # node 2 of the cluster only (clean shutdown)
#   infra/kafka/stop.sh --node 2 --kill   # node 2, SIGKILL at once (a crash, for fault tests)
#   infra/kafka/stop.sh --kill            # every broker, SIGKILL at once
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

STOP_TIMEOUT="${HOUQIN_KAFKA_STOP_TIMEOUT:-30}"

only=""
hard=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --node) [[ $# -ge 2 ]] || { echo "kafka: ERROR: --node needs a node number" >&2; exit 2; }; only="$2"; shift 2 ;;
    --node=*) only="${1#--node=}"; shift ;;
    --kill) hard=1; shift ;;
    -h|--help) sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "kafka: ERROR: unknown argument '$1' (usage: stop.sh [--node N] [--kill])" >&2; exit 2 ;;
  esac
done

# Every node of this state dir, whatever HOUQIN_KAFKA_BROKERS says now: the single broker
# (0) and each node<n>/ a cluster left.
if [[ -n "$only" ]]; then
  [[ "$only" =~ ^[1-9]$ ]] || { echo "kafka: ERROR: --node must be a cluster node's number, 1..9 (got '$only')" >&2; exit 2; }
  nodes=("$only")
else
  nodes=(0)
  for d in "$STATE_DIR"/node[1-9]; do [[ -d "$d" ]] && nodes+=("${d##*/node}"); done
fi

declare -A pids=()
for n in "${nodes[@]}"; do
  use_node "$n"
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    [[ -n "$only" || "$n" == 0 && ${#nodes[@]} == 1 ]] && echo "$NODE_NAME: not running"
    continue
  fi
  pids[$n]="$pid"
done
if (( ${#pids[@]} == 0 )); then
  [[ -n "$only" || ${#nodes[@]} == 1 ]] || echo "kafka: not running (no broker of $STATE_DIR)"
  exit 0
fi

alive() {
  local n
  for n in "${!pids[@]}"; do is_kafka_pid "${pids[$n]}" && return 0; done
  return 1
}

t0="$(now_ms)"
names=()
for n in "${!pids[@]}"; do use_node "$n"; names+=("$NODE_NAME pid ${pids[$n]}"); done
if (( hard )); then
  printf 'kafka: killing (SIGKILL) %s ' "$(IFS=,; echo "${names[*]}" | sed 's/,/, /g')"
  for n in "${!pids[@]}"; do kill -KILL "${pids[$n]}" 2>/dev/null || true; done
else
  # All at once: a cluster node shutting down alone hands its partitions' leadership over first.
  printf 'kafka: stopping %s ' "$(IFS=,; echo "${names[*]}" | sed 's/,/, /g')"
  for n in "${!pids[@]}"; do kill -TERM "${pids[$n]}" 2>/dev/null || true; done
fi
deadline=$(( t0 + STOP_TIMEOUT * 1000 ))
tick=0
while alive; do
  if (( $(now_ms) >= deadline )); then
    echo
    echo "kafka: still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
    for n in "${!pids[@]}"; do kill -KILL "${pids[$n]}" 2>/dev/null || true; done
    for _ in $(seq 1 50); do alive || break; sleep 0.1; done
    if alive; then echo "kafka: ERROR: a broker survived SIGKILL (${pids[*]})" >&2; exit 1; fi
    break
  fi
  sleep 0.2
  tick=$(( tick + 1 ))
  (( tick % 5 == 0 )) && printf '.'
done
# A killed JVM leaves its command line (its memory) before its sockets: stopped means the
# ports are closed too (up to 10 s more).
for n in "${!pids[@]}"; do
  use_node "$n"
  for p in "$(run_info port)" "$(run_info controller_port)"; do
    [[ -n "$p" ]] || continue
    for _ in $(seq 1 100); do port_open "$p" || break; sleep 0.1; done
    if port_open "$p"; then echo; echo "kafka: WARNING: $KAFKA_HOST:$p ($NODE_NAME) still accepts connections" >&2; fi
  done
  rm -f "$PID_FILE" "$RUN_INFO"
done
echo " stopped in $(secs_since "$t0")"

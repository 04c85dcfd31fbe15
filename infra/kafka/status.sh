#!/usr/bin/env bash
# Status of the local Kafka broker started by infra/kafka/start.sh (with HOUQIN_KAFKA_BROKERS=N,
# of each node of the cluster). Exit 0 if every one runs and accepts connections, 3 otherwise.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

# status_of N: one line about node N; true if it runs and accepts connections.
status_of() {
  use_node "$1"
  local pid port version
  pid="$(broker_pid)"
  if [[ -z "$pid" ]]; then
    if [[ "$1" == 0 ]]; then echo "kafka: stopped (state dir $STATE_DIR)"; else echo "$NODE_NAME: stopped ($NODE_DIR)"; fi
    return 1
  fi
  port="$(run_info port)"; port="${port:-$NODE_PORT}"
  version="$(run_info version)"; version="${version:-$(lib_version)}"
  if port_open "$port"; then
    echo "$NODE_NAME: running (pid $pid, $KAFKA_HOST:$port, controller $KAFKA_HOST:$(run_info controller_port), version $version, since $(run_info started))"
    return 0
  fi
  echo "$NODE_NAME: starting or unresponsive (pid $pid alive, $KAFKA_HOST:$port not accepting connections; log $SERVER_LOG)"
  return 1
}

rc=0
up=0
mapfile -t nodes < <(all_nodes)
for n in "${nodes[@]}"; do
  if status_of "$n"; then up=$(( up + 1 )); else rc=3; fi
done
if (( KAFKA_BROKERS > 1 )); then
  echo "kafka: $up of $KAFKA_BROKERS node(s) up; bootstrap $KAFKA_BOOTSTRAP"
else
  # a cluster's nodes left running in this state dir (started with HOUQIN_KAFKA_BROKERS > 1)
  for d in "$STATE_DIR"/node[1-9]; do
    [[ -d "$d" ]] || continue
    use_node "${d##*/node}"
    [[ -n "$(broker_pid)" ]] && echo "$NODE_NAME: running too (pid $(broker_pid)); see it with HOUQIN_KAFKA_BROKERS set as at its start"
  done
fi
exit "$rc"

#!/usr/bin/env bash
# Status of the local Kafka broker started by infra/kafka/start.sh.
# Exit 0 if it is running and accepting connections, 3 otherwise.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

pid="$(broker_pid)"
if [[ -z "$pid" ]]; then
  echo "kafka: stopped (state dir $STATE_DIR)"
  exit 3
fi
port="$(run_info port)"; port="${port:-$KAFKA_PORT}"
version="$(run_info version)"; version="${version:-$(lib_version)}"
if port_open "$port"; then
  echo "kafka: running (pid $pid, $KAFKA_HOST:$port, controller $KAFKA_HOST:$(run_info controller_port), version $version, since $(run_info started))"
  exit 0
fi
echo "kafka: starting or unresponsive (pid $pid alive, $KAFKA_HOST:$port not accepting connections; log $SERVER_LOG)"
exit 3

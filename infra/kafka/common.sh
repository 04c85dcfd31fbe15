# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared settings and helpers for infra/kafka/{start,stop,status,cli}.sh.
# Sourced, not executed.
#
# Environment:
#   HOUQIN_STATE_DIR              state root (default: <repo>/infra/.state); Kafka uses <root>/kafka
#   HOUQIN_KAFKA_PORT             client (PLAINTEXT) port on 127.0.0.1 (default 9092)
#   HOUQIN_KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1 (default 9093)
#   HOUQIN_KAFKA_CLUSTER_ID       cluster id used when formatting a new state dir
#   HOUQIN_KAFKA_HEAP             JVM heap flags (default "-Xms256m -Xmx768m")
#   HOUQIN_KAFKA_START_TIMEOUT    seconds to wait for the broker (default 90)
#   HOUQIN_KAFKA_BROKERS          1 (default): one broker+controller, as always; 2..9: a cluster
#   JAVA_HOME                     if set, $JAVA_HOME/bin/java is used instead of `java` on PATH
#
# Cluster mode (HOUQIN_KAFKA_BROKERS=N, N > 1): N KRaft nodes, each broker+controller, node ids
# 1..N, one controller quorum of all N (static controller.quorum.voters). Node n listens on
#   client      127.0.0.1:(HOUQIN_KAFKA_PORT + 10*(n-1))             9092, 9102, 9112 for N=3
#   controller  127.0.0.1:(HOUQIN_KAFKA_CONTROLLER_PORT + 10*(n-1))  9093, 9103, 9113
# and keeps everything in <root>/kafka/node<n>/ (data, logs, server.properties, kafka.pid,
# run.info). The single broker's files stay in <root>/kafka/ itself: both layouts can share
# a state dir (not their ports at once). Clients list every node: KAFKA_BOOTSTRAP below.

KAFKA_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KAFKA_HOME/../.." && pwd)"

_state_root="${HOUQIN_STATE_DIR:-$REPO_ROOT/infra/.state}"
case "$_state_root" in /*) ;; *) _state_root="$PWD/$_state_root" ;; esac
STATE_DIR="$_state_root/kafka"
unset _state_root

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${HOUQIN_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${HOUQIN_KAFKA_CONTROLLER_PORT:-9093}"
# Fixed so that every local state dir looks the same; any base64url UUID works.
KAFKA_CLUSTER_ID="${HOUQIN_KAFKA_CLUSTER_ID:-YUORo43DUnq6u1QbkwPaFQ}"
KAFKA_HEAP="${HOUQIN_KAFKA_HEAP:--Xms256m -Xmx768m}"
KAFKA_START_TIMEOUT="${HOUQIN_KAFKA_START_TIMEOUT:-90}"
KAFKA_BROKERS="${HOUQIN_KAFKA_BROKERS:-1}"
if ! [[ "$KAFKA_BROKERS" =~ ^[1-9]$ ]]; then
  echo "kafka: ERROR: HOUQIN_KAFKA_BROKERS must be a number from 1 to 9 (got '$KAFKA_BROKERS')" >&2
  exit 2
fi
NODE_PORT_STEP=10

LIB_DIR="$KAFKA_HOME/lib"
LIB_MARKER="$LIB_DIR/.resolved"

# The nodes this mode runs: 0 stands for the single broker of the default mode.
all_nodes() {
  if (( KAFKA_BROKERS == 1 )); then echo 0; else seq 1 "$KAFKA_BROKERS"; fi
}
node_port() { echo $(( KAFKA_PORT + NODE_PORT_STEP * ($1 - 1) )); }
node_controller_port() { echo $(( KAFKA_CONTROLLER_PORT + NODE_PORT_STEP * ($1 - 1) )); }

# host:port of every node's client listener, comma-separated (what clients bootstrap from).
KAFKA_BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"
if (( KAFKA_BROKERS > 1 )); then
  KAFKA_BOOTSTRAP="$(for n in $(all_nodes); do printf '%s:%s\n' "$KAFKA_HOST" "$(node_port "$n")"; done | paste -sd,)"
fi

# use_node N: points the per-broker variables at node N (0: the single broker). NAME is how
# messages call it ("kafka", "kafka node 2").
use_node() {
  NODE="$1"
  if [[ "$NODE" == 0 ]]; then
    NODE_NAME="kafka"; NODE_ID=1; NODE_DIR="$STATE_DIR"
    NODE_PORT="$KAFKA_PORT"; NODE_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT"
  else
    NODE_NAME="kafka node $NODE"; NODE_ID="$NODE"; NODE_DIR="$STATE_DIR/node$NODE"
    NODE_PORT="$(node_port "$NODE")"; NODE_CONTROLLER_PORT="$(node_controller_port "$NODE")"
  fi
  DATA_DIR="$NODE_DIR/data"
  LOG_DIR="$NODE_DIR/logs"
  SERVER_LOG="$LOG_DIR/server.log"
  CONSOLE_LOG="$LOG_DIR/kafka.out"
  CONFIG_FILE="$NODE_DIR/server.properties"
  PID_FILE="$NODE_DIR/kafka.pid"
  RUN_INFO="$NODE_DIR/run.info"   # port, controller port and version of the running broker
}
use_node 0

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA="java"
fi

# Milliseconds since the epoch, and a duration in seconds with one decimal.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%ds' $(( d / 1000 )) $(( (d % 1000) / 100 )); }

# Kafka version of the jars in lib/ (empty if not resolved).
lib_version() {
  local j
  for j in "$LIB_DIR"/kafka_2.13-*.jar; do
    [[ -e "$j" ]] || return 0
    j="${j##*/kafka_2.13-}"; echo "${j%.jar}"; return 0
  done
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$KAFKA_HOST/$1" 2>/dev/null
}

# True if $1 is a live process that is a Kafka broker (kafka.Kafka main class).
is_kafka_pid() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q ' kafka\.Kafka '
}

# Pid of the broker that uses this state dir, or nothing. Uses the pid file,
# falling back to a process whose command line names this state dir's config.
broker_pid() {
  local pid=""
  [[ -f "$PID_FILE" ]] && pid="$(tr -dc '0-9' < "$PID_FILE")"
  if [[ -n "$pid" ]] && is_kafka_pid "$pid"; then echo "$pid"; return 0; fi
  local d c
  for d in /proc/[0-9]*; do
    c="$(tr '\0' ' ' < "$d/cmdline" 2>/dev/null)" || continue
    if [[ "$c" == *" kafka.Kafka $CONFIG_FILE"* ]]; then echo "${d#/proc/}"; return 0; fi
  done
  return 0
}

# Reads a key from run.info (written by start.sh for the running broker).
run_info() {
  [[ -f "$RUN_INFO" ]] || return 0
  sed -n "s/^$1=//p" "$RUN_INFO" | head -n 1
}

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
#   JAVA_HOME                     if set, $JAVA_HOME/bin/java is used instead of `java` on PATH

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

LIB_DIR="$KAFKA_HOME/lib"
LIB_MARKER="$LIB_DIR/.resolved"
DATA_DIR="$STATE_DIR/data"
LOG_DIR="$STATE_DIR/logs"
SERVER_LOG="$LOG_DIR/server.log"
CONSOLE_LOG="$LOG_DIR/kafka.out"
CONFIG_FILE="$STATE_DIR/server.properties"
PID_FILE="$STATE_DIR/kafka.pid"
RUN_INFO="$STATE_DIR/run.info"   # port, controller port and version of the running broker

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

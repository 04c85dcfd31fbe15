#!/usr/bin/env bash
# A local hot standby of the running primary (infra/postgres/start.sh), for the query side
# (HOUQIN_PG_READ_URL): made once with pg_basebackup (-R: streaming from the primary), then
# started and stopped with pg_ctl. Never touches the primary's configuration or its process.
#
#   infra/postgres/replica.sh start     # take the base backup if there is none, start, wait until it streams
#   infra/postgres/replica.sh stop      # stop the standby (keeps its data dir: start resumes streaming)
#   infra/postgres/replica.sh status    # running or not, replay lag, paused or not; exit 0 running, 3 stopped
#   infra/postgres/replica.sh pause     # pause WAL replay (reads see the data as of now; WAL is still received)
#   infra/postgres/replica.sh resume    # resume WAL replay
#   infra/postgres/replica.sh destroy   # stop and delete the data dir (the next start takes a new base backup)
#
# Environment:
#   HOUQIN_PG_PORT                  the primary's port (default 5432)
#   HOUQIN_PG_SOCKET_DIR            the primary's socket directory (default /var/run/postgresql): the base
#                                   backup and the streaming connect there as the postgres user (peer
#                                   authentication: Debian's pg_hba has "local replication all peer")
#   HOUQIN_PG_REPLICA_PORT          the standby's port on 127.0.0.1 (default 5433)
#   HOUQIN_PG_REPLICA_SHARED_BUFFERS  (default 128MB)
#   HOUQIN_PG_REPLICA_DIR           the standby's directory (default /var/lib/postgresql/houqin-replica-<port>;
#                                   the postgres user must be able to enter every directory above it)
set -euo pipefail
PRIMARY_PORT="${HOUQIN_PG_PORT:-5432}"
PRIMARY_SOCKET="${HOUQIN_PG_SOCKET_DIR:-/var/run/postgresql}"
PORT="${HOUQIN_PG_REPLICA_PORT:-5433}"
SHARED_BUFFERS="${HOUQIN_PG_REPLICA_SHARED_BUFFERS:-128MB}"
# In the postgres user's home, as the primary's cluster is: the standby runs as that user, who
# may not enter the checkout (a clone under a private directory).
DIR="${HOUQIN_PG_REPLICA_DIR:-/var/lib/postgresql/houqin-replica-$PORT}"
DATA="$DIR/data"
RUN="$DIR/run"   # the standby's unix socket
LOG="$DIR/postgresql.log"
started=$(date +%s)

say() { printf 'postgres-replica: %s\n' "$*"; }
die() { printf 'postgres-replica: ERROR: %s\n' "$*" >&2; exit 1; }

command -v pg_lsclusters >/dev/null 2>&1 || die "PostgreSQL is not installed: run infra/postgres/start.sh first"
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
BIN="/usr/lib/postgresql/$VERSION/bin"
[ -x "$BIN/pg_basebackup" ] || die "pg_basebackup not found in $BIN (Debian's postgresql-client-$VERSION has it)"

# The standby runs as the postgres user (it refuses to run as root).
as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"
    else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi
  fi
}
primary_sql() { as_pg "$BIN/psql" -h "$PRIMARY_SOCKET" -p "$PRIMARY_PORT" -d postgres -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
standby_sql() { as_pg "$BIN/psql" -h "$RUN" -p "$PORT" -d postgres -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
running() { [ -f "$DATA/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
answers() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; }

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd_status() {
  if ! running; then
    say "stopped (port $PORT; start it with infra/postgres/replica.sh start)"; return 3
  fi
  local row
  row=$(standby_sql "SELECT pg_is_in_recovery(), pg_get_wal_replay_pause_state(),
      CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN '0'
           ELSE coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 1)::text, '-') END,
      coalesce((SELECT status FROM pg_stat_wal_receiver), 'not streaming'),
      pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()" 2>/dev/null) || {
    say "running on 127.0.0.1:$PORT but not answering yet (see $LOG)"; return 0; }
  IFS='|' read -r recovery paused lag receiver received replayed <<<"$row"
  [ "$recovery" = t ] || { say "running on 127.0.0.1:$PORT but NOT a standby (promoted?): destroy and start it again"; return 0; }
  say "running on 127.0.0.1:$PORT (standby of :$PRIMARY_PORT, $receiver, replay $paused, received $received, replayed $replayed, replay lag ${lag}s)"
}

wait_streaming() {  # $1: the log's size before this start (what it says since then is this start's)
  local i
  for i in $(seq 1 120); do
    if answers && [ "$(standby_sql "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null)" = streaming ]; then
      return 0
    fi
    if [ -n "${1:-}" ] && tail -c "+$(( $1 + 1 ))" "$LOG" 2>/dev/null | grep -q "has already been removed"; then
      echo; return 1  # the primary recycled the WAL this standby needs: waiting will not help
    fi
    [ $((i % 4)) = 0 ] && printf '.'
    sleep 0.5
  done
  echo
  return 1
}

write_config() {
  # A hot standby needs these at least as high as the primary's (it refuses to start otherwise).
  local settings
  settings=$(primary_sql "SELECT string_agg(name || ' = ' || setting, E'\n' ORDER BY name) FROM pg_settings
      WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders',
                     'max_prepared_transactions', 'max_locks_per_transaction')")
  as_pg tee "$DATA/postgresql.conf" >/dev/null <<CONF
# written by infra/postgres/replica.sh: a hot standby of 127.0.0.1:$PRIMARY_PORT
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$RUN'
hba_file = '$DATA/pg_hba.conf'
ident_file = '$DATA/pg_ident.conf'
shared_buffers = $SHARED_BUFFERS
ssl = off
hot_standby = on
logging_collector = off
$settings
CONF
  as_pg tee "$DATA/pg_hba.conf" >/dev/null <<HBA
local all postgres peer
local all all peer
host all all 127.0.0.1/32 scram-sha-256
HBA
  as_pg touch "$DATA/pg_ident.conf"
}

base_backup() {
  # the primary must allow a replication connection (Debian's defaults do; a changed pg_hba may not)
  local level senders local_rule
  level=$(primary_sql "SHOW wal_level") || die "the primary does not answer on $PRIMARY_SOCKET port $PRIMARY_PORT: run infra/postgres/start.sh"
  senders=$(primary_sql "SHOW max_wal_senders")
  [ "$level" != minimal ] || die "the primary's wal_level is minimal: set it to replica (ALTER SYSTEM SET wal_level = replica; it needs a restart)"
  [ "$senders" -gt 0 ] || die "the primary's max_wal_senders is 0: set it to 10 (ALTER SYSTEM; it needs a restart)"
  local_rule=$(primary_sql "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'local' AND 'replication' = ANY(database)")
  [ "$local_rule" -gt 0 ] || die "the primary's pg_hba.conf has no 'local replication all peer' line: add it and SELECT pg_reload_conf()"
  say "taking a base backup of :$PRIMARY_PORT into $DATA (pg_basebackup -R, streaming WAL)"
  as_pg mkdir -p "$DATA.partial"
  as_pg chmod 700 "$DATA.partial"
  if ! as_pg "$BIN/pg_basebackup" -h "$PRIMARY_SOCKET" -p "$PRIMARY_PORT" -U postgres -D "$DATA.partial" \
      -R -X stream -c fast -P 2>&1 | tr '\r' '\n' | awk 'NR % 20 == 1 { print "postgres-replica:   " $0 }'; then
    as_pg rm -rf "$DATA.partial"
    die "pg_basebackup failed (see above): check that the primary runs (infra/postgres/status.sh) and allows replication"
  fi
  [ -f "$DATA.partial/standby.signal" ] || { as_pg rm -rf "$DATA.partial"; die "pg_basebackup did not finish (no standby.signal): run start again"; }
  as_pg mv "$DATA.partial" "$DATA"
}

cmd_start() {
  if [ ! -d "$DIR" ] && port_taken "$PORT"; then  # (no state dir of this port left behind)
    die "127.0.0.1:$PORT is taken by another process: set HOUQIN_PG_REPLICA_PORT to a free port"
  fi
  mkdir -p "$DIR"
  chown postgres:postgres "$DIR" 2>/dev/null || true
  exec 9>"$DIR/.lock"
  flock -w 300 9 || die "another replica.sh holds $DIR/.lock"
  if running; then
    wait_streaming || say "running, but not streaming from the primary yet (see $LOG)"
    cmd_status; return 0
  fi
  if port_taken "$PORT"; then
    die "127.0.0.1:$PORT is taken by another process: set HOUQIN_PG_REPLICA_PORT to a free port"
  fi
  as_pg rm -rf "$DATA.partial"
  local fresh=0
  if [ ! -f "$DATA/standby.signal" ]; then
    [ -d "$DATA" ] && { say "$DATA is not a standby's (no standby.signal): taking a new base backup"; as_pg rm -rf "$DATA"; }
    base_backup
    fresh=1
  fi
  as_pg mkdir -p "$RUN"
  write_config
  say "starting the standby on 127.0.0.1:$PORT (log: $LOG)"
  local log_size
  log_size=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null 9>&- || {  # the server must not hold the lock
    tail -n 20 "$LOG" >&2 || true
    die "the standby did not start (see $LOG); if its data is broken: infra/postgres/replica.sh destroy, then start"; }
  if ! wait_streaming "$log_size"; then
    tail -n 10 "$LOG" >&2 || true
    if [ "$fresh" = 0 ]; then
      die "the standby runs but does not stream (the primary may have recycled the WAL it needs): infra/postgres/replica.sh destroy, then start"
    fi
    die "the standby runs but does not stream from the primary (see $LOG)"
  fi
  say "ready on 127.0.0.1:$PORT (hot standby of :$PRIMARY_PORT, PostgreSQL $VERSION, $([ $fresh = 1 ] && echo 'new base backup' || echo 'resumed')) in $(( $(date +%s) - started ))s"
}

cmd_stop() {
  if running; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && say "stopped the standby on :$PORT"
  else
    say "the standby on :$PORT is not running"
  fi
}

replay() {
  running || die "the standby on :$PORT is not running: infra/postgres/replica.sh start"
  standby_sql "SELECT pg_wal_replay_$1()" >/dev/null
  say "WAL replay ${1}d: $(standby_sql "SELECT pg_get_wal_replay_pause_state()")"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  pause) replay pause ;;
  resume) replay resume ;;
  destroy) cmd_stop; as_pg rm -rf "$DATA" "$DATA.partial"; say "deleted $DATA" ;;
  *) echo "usage: $0 start|stop|status|pause|resume|destroy" >&2; exit 2 ;;
esac

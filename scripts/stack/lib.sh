# Shared helpers for scripts/stack/up.sh and down.sh. Sourced, not executed.
# shellcheck shell=bash

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$STACK_DIR/../.." && pwd)"
LOCAL_DIR="$ROOT/.local"
LOG_DIR="$LOCAL_DIR/logs"
PID_DIR="$LOCAL_DIR/pids"
WORK_DIR="$LOCAL_DIR/work"
STACK_ENV="$LOCAL_DIR/stack.env"

KAFKA_POM="$ROOT/infra/kafka/pom.xml"
KAFKA_TEMPLATE="$ROOT/infra/kafka/server.properties"
KAFKA_LOG4J="$ROOT/infra/kafka/log4j2.properties"
KAFKA_HOME_DIR="$LOCAL_DIR/kafka"            # rendered config, cluster id, data
KAFKA_DATA_DIR="$KAFKA_HOME_DIR/data"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"   # seconds

PG_EMBEDDED_PORT="${SHIPSHAPE_PG_PORT:-5433}"
PG_EMBEDDED_DIR="${SHIPSHAPE_PG_DIR:-$LOCAL_DIR/postgres}"
SERVICE_START_TIMEOUT="${SERVICE_START_TIMEOUT:-60}"  # seconds, per service

# npm run puts node_modules/.bin (Node 22, tsx) first on PATH; do the same when run with plain bash.
export PATH="$ROOT/node_modules/.bin:$PATH"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# Run a TypeScript helper from scripts/stack/ with the spec tsconfig (maps @shipshape/* to sources, no build needed).
run_ts() {
  local script="$1"; shift
  (cd "$ROOT" && tsx --tsconfig "$ROOT/tsconfig.spec.json" "$STACK_DIR/$script" "$@")
}

# The version in infra/kafka/pom.xml unless KAFKA_VERSION overrides it.
kafka_version() {
  if [[ -n "${KAFKA_VERSION:-}" ]]; then echo "$KAFKA_VERSION"; return; fi
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1
}

# pid_of NAME: the pid recorded in .local/pids/NAME.pid, if any.
pid_of() {
  local f="$PID_DIR/$1.pid"
  [[ -f "$f" ]] && tr -dc '0-9' <"$f" || true
}

# pid_matches PID PATTERN: the process is alive and its command line contains PATTERN (guards against pid reuse).
pid_matches() {
  local pid="$1" pattern="$2"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern"
}

# running NAME PATTERN: the process we recorded as NAME is alive and is what we started.
running() {
  pid_matches "$(pid_of "$1")" "$2"
}

# Markers used to recognise our own processes in /proc/<pid>/cmdline.
kafka_marker() { echo "$KAFKA_HOME_DIR/server.properties"; }
postgres_marker() { echo "$STACK_DIR/embedded-postgres.ts"; }
service_marker() { echo "services/$1/dist/main.js"; }

# stop_pid NAME PATTERN TIMEOUT_SECONDS: SIGTERM, wait, then SIGKILL. Removes the pid file. No-op if not ours/not running.
stop_pid() {
  local name="$1" pattern="$2" timeout="$3" pid
  pid="$(pid_of "$name")"
  if [[ -z "$pid" ]]; then return 0; fi
  if ! pid_matches "$pid" "$pattern"; then
    log "$name: not running (stale pid file $pid), cleaning up"
    rm -f "$PID_DIR/$name.pid"
    return 0
  fi
  log "$name: stopping pid $pid (SIGTERM, up to ${timeout}s)"
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= timeout * 10 )); then
      log "$name: still alive after ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_DIR/$name.pid"
  log "$name: stopped"
}

# file_size FILE: its size in bytes (0 if missing), to show only what a start attempt added to a log.
file_size() { if [[ -f "$1" ]]; then wc -c <"$1" | tr -d ' '; else echo 0; fi; }

# tail_log FILE [LINES] [FROM_BYTE]: print the end of a log (written after FROM_BYTE, if given) for an error message.
tail_log() {
  local file="$1" lines="${2:-40}" from="${3:-0}"
  if [[ -f "$file" ]]; then
    (( from <= $(file_size "$file") )) || from=0   # the log rolled over meanwhile
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -c +"$((from + 1))" "$file" | tail -n "$lines" >&2
    printf -- '----- end of %s -----\n' "$file" >&2
  else
    printf '(no log file at %s)\n' "$file" >&2
  fi
}

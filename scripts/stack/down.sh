#!/usr/bin/env bash
# Stops what scripts/stack/up.sh started (npm run stack:down [-- --purge]), in this order: the services, the local
# runtime's processes (those running in .local/work: production instances, test environments), the Kafka broker,
# the embedded Postgres. Otherwise only processes recorded in .local/pids whose command line still matches are
# touched: never the machine's Postgres nor a KAFKA_BROKERS cluster. Idempotent.
#   --purge  also delete the Kafka data (.local/kafka/data); the jar cache (.local/cache) and Postgres data stay.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PURGE=false
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=true ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) die "unknown option '$arg' (expected --purge)" ;;
  esac
done

if [[ ! -d "$LOCAL_DIR" ]]; then
  log "nothing to stop (no $LOCAL_DIR)"
  exit 0
fi
mkdir -p "$PID_DIR"
exec 9>"$LOCAL_DIR/stack.lock"
flock -w 900 9 || die "another stack:up/stack:down holds $LOCAL_DIR/stack.lock"

stopped_any=false

# Services first: they hold Kafka consumers and Postgres connections.
for f in "$PID_DIR"/svc-*.pid; do
  [[ -e "$f" ]] || continue
  name="$(basename "$f" .pid)"
  stop_pid "$name" "$(service_marker "${name#svc-}")" 20
  stopped_any=true
done

# What the services left running in their work directories: release-service's local production instances (and
# any test environment a run had not released yet). They are process groups of their own, so the services' exit
# does not end them; release-service restarts its instances when the stack comes up again.
leftover=()
for proc in /proc/[0-9]*; do
  cwd="$(readlink "$proc/cwd" 2>/dev/null || true)"
  [[ "$cwd" == "$WORK_DIR"/* ]] && leftover+=("${proc#/proc/}")
done
if (( ${#leftover[@]} > 0 )); then
  log "local runtime: stopping ${#leftover[@]} process(es) running in $WORK_DIR (production instances, test environments)"
  kill -TERM "${leftover[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive=()
    for pid in "${leftover[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    (( ${#alive[@]} == 0 )) && break
    sleep 0.2
  done
  (( ${#alive[@]} > 0 )) && kill -KILL "${alive[@]}" 2>/dev/null || true
  stopped_any=true
fi

if [[ -e "$PID_DIR/kafka.pid" ]]; then
  # A KRaft single node shuts down in a few seconds; give it time to close its logs cleanly.
  stop_pid kafka "$(kafka_marker)" 60
  stopped_any=true
fi

if [[ -e "$PID_DIR/postgres.pid" ]]; then
  stop_pid postgres "$(postgres_marker)" 30
  stopped_any=true
fi
# An embedded Postgres whose supervisor died: its postmaster.pid names it (checked against our data dir).
pm="$PG_EMBEDDED_DIR/postmaster.pid"
if [[ -f "$pm" ]]; then
  orphan="$(head -n1 "$pm" | tr -dc '0-9')"
  if pid_matches "$orphan" "$PG_EMBEDDED_DIR"; then
    log "postgres: stopping orphaned embedded postgres pid $orphan (fast shutdown)"
    kill -INT "$orphan" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$orphan" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$orphan" 2>/dev/null && { log "postgres: pid $orphan still alive, SIGKILL"; kill -KILL "$orphan" 2>/dev/null || true; }
    stopped_any=true
  fi
fi

# The endpoints in stack.env are gone now (or were never ours to stop); don't let scripts source stale ones.
rm -f "$STACK_ENV"

if $PURGE; then
  if [[ -d "$KAFKA_DATA_DIR" ]]; then
    rm -rf "$KAFKA_DATA_DIR" "$KAFKA_HOME_DIR/formatted-controller-port"
    log "purged Kafka data ($KAFKA_DATA_DIR); jar cache kept in $LOCAL_DIR/cache"
  fi
fi

if $stopped_any; then log "stack stopped"; else log "nothing was running"; fi

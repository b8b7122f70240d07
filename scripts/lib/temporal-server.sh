# Sourced by scripts/stack: the real Temporal server profile (STACK_TEMPORAL=server).
#
# The Temporal server and its schema tool built from the Go module proxy (go.temporal.io/server, pinned),
# persistence and SQL visibility on PostgreSQL from Debian (a cluster of its own, data under the stack's
# home, owned by the `postgres` system user), several history shards, a frontend that serves TLS and
# requires a client certificate (certificates made by this script), the `default` namespace and our search
# attributes, and the Web UI (the ui-server module) connected over mTLS.
#
# Settings (environment, with defaults):
#   TEMPORAL_PORT 7233          frontend gRPC (TLS + client certificate). The other services take fixed
#                               offsets from it: history +1, matching +2, worker +6, frontend HTTP +10,
#                               membership -300/-299/-298/-294, Prometheus metrics +767.
#   TEMPORAL_UI_PORT 8233       the Web UI (plain HTTP on 127.0.0.1)
#   TEMPORAL_PG_PORT 15432      PostgreSQL (127.0.0.1, password auth; below the ephemeral port range, whose
#                               outgoing connections can take a port such as 55432 just before it binds)
#   TEMPORAL_SHARDS 8           history shards; fixed for the life of the data directory
# Needs: go (1.26.8+, builds once into the cache), PostgreSQL 13–16 (apt: postgresql), openssl.

TEMPORAL_SERVER_VERSION=1.32.1        # go.temporal.io/server (v1.32.2+ needs Go 1.26.10)
TEMPORAL_UI_SERVER_VERSION=2.55.0     # github.com/temporalio/ui-server/v2 (2.56+ needs Go 1.26.9+)
TEMPORAL_PG_PORT="${TEMPORAL_PG_PORT:-15432}"
TEMPORAL_SHARDS="${TEMPORAL_SHARDS:-8}"
TS_DIR="$CACHE/temporal-server-$TEMPORAL_SERVER_VERSION"
TS_BIN="$TS_DIR/temporal-server"
TS_SQL_TOOL="$TS_DIR/temporal-sql-tool"
TS_SCHEMA="$TS_DIR/schema/postgresql/v12"
TS_UI_BIN="$CACHE/temporal-ui-server-$TEMPORAL_UI_SERVER_VERSION/ui-server"
TS_HOME="$HOME_DIR/temporal-server"   # config, certificates, the PostgreSQL password
TS_TLS="$TS_HOME/tls"
PG_USER_OS=postgres                   # PostgreSQL refuses to run as root

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

# go_install MODULE/PATH@VERSION DEST: one binary from the Go module proxy, with caches under $CACHE/go.
go_install() {
  local what="$1" dest="$2" name; name="$(basename "$dest")"
  [[ -x "$dest" ]] && return 0
  need go "install Go 1.26.8 or newer (https://go.dev/dl/, or Debian's golang-1.2x once it is 1.26.8+)"
  local gobin; gobin="$(mktemp -d "$CACHE/gobin.XXXX")"
  log "building $what from the Go module proxy (first time only; several minutes)"
  local cmd=(env GOBIN="$gobin" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS=-modcacherw
             GOTOOLCHAIN=local CGO_ENABLED=0 go install -tags disable_grpc_modules -trimpath "$what")
  "${cmd[@]}" >"$LOGS/go-$name.log" 2>&1 || fail "build of $what (Go module proxy unreachable, or Go too old?)" "${cmd[*]}" "$LOGS/go-$name.log"
  mkdir -p "$(dirname "$dest")"
  mv "$gobin"/* "$dest"; rm -rf "$gobin"
}

install_temporal_server() {
  mkdir -p "$LOGS"
  go_install "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" "$TS_BIN"
  go_install "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION" "$TS_SQL_TOOL"
  if [[ ! -d "$TS_SCHEMA" ]]; then # the schema files ship in the module: keep a copy next to the binaries
    mkdir -p "$TS_DIR/schema/postgresql"
    cp -r "$CACHE/go/mod/go.temporal.io/server@v$TEMPORAL_SERVER_VERSION/schema/postgresql/v12" "$TS_DIR/schema/postgresql/"
    chmod -R u+w "$TS_DIR/schema"
  fi
  go_install "github.com/temporalio/ui-server/v2/cmd/server@v$TEMPORAL_UI_SERVER_VERSION" "$TS_UI_BIN"
  if [[ -z "$(pg_bin)" ]]; then apt_install pg_ctlcluster postgresql; fi
  [[ -n "$(pg_bin)" ]] || die "PostgreSQL not found under /usr/lib/postgresql. Fix: apt-get install -y postgresql"
  need openssl "apt-get install -y openssl"
}

# ---- certificates: a CA, the frontend's certificate (localhost, 127.0.0.1) and a client certificate -----
make_temporal_certs() {
  [[ -s "$TS_TLS/client.key" ]] && return 0
  mkdir -p "$TS_TLS"; chmod 700 "$TS_TLS"
  local d="$TS_TLS" log="$LOGS/temporal-tls.log"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=alert-delivery stack CA" \
      -keyout "$d/ca.key" -out "$d/ca.pem"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >"$d/server.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3650 -extfile "$d/server.ext" -out "$d/server.pem"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=alert-delivery" -keyout "$d/client.key" -out "$d/client.csr"
    printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
    openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 3650 -extfile "$d/client.ext" -out "$d/client.pem"
  } >"$log" 2>&1 || fail "certificates for the Temporal server" "openssl (see log)" "$log"
  rm -f "$d"/*.csr "$d"/*.ext "$d"/*.srl
}

# ---- PostgreSQL ----------------------------------------------------------------------------------------
pg_password() {
  local f="$TS_HOME/pg-password"
  [[ -s "$f" ]] || { mkdir -p "$TS_HOME"; (umask 077; openssl rand -hex 16 >"$f"); }
  cat "$f"
}

pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$TEMPORAL_PG_PORT"; }

up_postgres() {
  if pid_alive postgres; then log "postgresql already running"; return; fi
  check_port_free PostgreSQL "$TEMPORAL_PG_PORT" TEMPORAL_PG_PORT
  local pgdata="$DATA/postgresql" bin; bin="$(pg_bin)"
  chmod a+x "$HOME_DIR" "$DATA" "$LOGS" 2>/dev/null || true
  if [[ ! -s "$pgdata/PG_VERSION" ]]; then
    mkdir -p "$pgdata"; chown "$PG_USER_OS" "$pgdata"; chmod 700 "$pgdata"
    local pw; pw="$TS_HOME/pg-password.init"; cp "$TS_HOME/pg-password" "$pw"; chown "$PG_USER_OS" "$pw"
    runuser -u "$PG_USER_OS" -- "$bin/initdb" -D "$pgdata" -U temporal --pwfile "$pw" --auth-local=scram-sha-256 \
      --auth-host=scram-sha-256 --encoding UTF8 --locale C >"$LOGS/postgresql-initdb.log" 2>&1 ||
      { rm -f "$pw"; fail "PostgreSQL initdb" "$bin/initdb -D $pgdata" "$LOGS/postgresql-initdb.log"; }
    rm -f "$pw"
  fi
  touch "$LOGS/postgresql.log"; chown "$PG_USER_OS" "$LOGS/postgresql.log"
  local cmd=(runuser -u "$PG_USER_OS" -- "$bin/postgres" -D "$pgdata" -p "$TEMPORAL_PG_PORT"
             -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200)
  echo "${cmd[*]}" >"$RUN/postgres.cmd"
  nohup "${cmd[@]}" >>"$LOGS/postgresql.log" 2>&1 </dev/null &
  echo $! >"$RUN/postgres.pid"
  wait_until PostgreSQL "$LOGS/postgresql.log" postgres pg_ready
  # Track the postmaster itself (not the runuser wrapper).
  local pm; pm="$(head -n1 "$pgdata/postmaster.pid" 2>/dev/null || true)"; [[ -n "$pm" ]] && echo "$pm" >"$RUN/postgres.pid"
}

# The schema tool creates both databases and applies every versioned schema step (idempotent).
setup_temporal_schema() {
  local stamp="$DATA/postgresql/.temporal-schema-$TEMPORAL_SERVER_VERSION"
  [[ -f "$stamp" ]] && return 0
  local db base=(--plugin postgres12 --ep 127.0.0.1 -p "$TEMPORAL_PG_PORT" -u temporal)
  export SQL_PASSWORD; SQL_PASSWORD="$(pg_password)"
  for db in temporal temporal_visibility; do
    local dir="$TS_SCHEMA/temporal/versioned"; [[ $db == temporal_visibility ]] && dir="$TS_SCHEMA/visibility/versioned"
    { "$TS_SQL_TOOL" "${base[@]}" --db "$db" create-database 2>&1 || true  # "already exists" on a re-run
      "$TS_SQL_TOOL" "${base[@]}" --db "$db" setup-schema -v 0.0 &&
      "$TS_SQL_TOOL" "${base[@]}" --db "$db" update-schema -d "$dir"; } >>"$LOGS/temporal-schema.log" 2>&1 ||
      fail "Temporal schema setup ($db)" "$TS_SQL_TOOL ${base[*]} --db $db setup-schema / update-schema -d $dir" "$LOGS/temporal-schema.log"
  done
  unset SQL_PASSWORD
  echo "$TEMPORAL_SHARDS" >"$stamp"
}

# ---- the server ------------------------------------------------------------------------------------------
# write_temporal_config [PORT DIR]: one server's config.yaml and dynamicconfig.yaml in DIR (default $TS_HOME), its
# services at PORT's offsets (default TEMPORAL_PORT); a cluster's nodes each have their own (scripts/lib/cluster.sh).
write_temporal_config() {
  local p="${1:-$TEMPORAL_PORT}" dir="${2:-$TS_HOME}" pw; pw="$(pg_password)"
  local conf="$dir/config.yaml"
  mkdir -p "$dir"
  local store; store() { # store NAME DB CONNS
    cat <<EOF
    $1:
      sql:
        pluginName: postgres12
        databaseName: $2
        connectAddr: "127.0.0.1:$TEMPORAL_PG_PORT"
        connectProtocol: tcp
        user: temporal
        password: "$pw"
        maxConns: $3
        maxIdleConns: $3
        maxConnLifetime: 1h
EOF
  }
  local svc; svc() { # svc NAME GRPC MEMBERSHIP [HTTP]
    printf '  %s:\n    rpc:\n      grpcPort: %s\n      membershipPort: %s\n      bindOnIP: 127.0.0.1\n' "$1" "$2" "$3"
    [[ -n "${4:-}" ]] && printf '      httpPort: %s\n' "$4"
    return 0
  }
  (umask 077; {
    cat <<EOF
# Written by scripts/stack (STACK_TEMPORAL=server) on every start; edits are overwritten.
log:
  stdout: true
  level: warn
  format: json
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: $(cat "$DATA/postgresql/.temporal-schema-$TEMPORAL_SERVER_VERSION")
  datastores:
$(store postgres-default temporal 20)
$(store postgres-visibility temporal_visibility 10)
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "127.0.0.1:$((p + 767))"
  tls:
    frontend:
      server:
        certFile: $TS_TLS/server.pem
        keyFile: $TS_TLS/server.key
        requireClientAuth: true
        clientCaFiles: [$TS_TLS/ca.pem]
      client:
        serverName: localhost
        rootCaFiles: [$TS_TLS/ca.pem]
    systemWorker:
      certFile: $TS_TLS/client.pem
      keyFile: $TS_TLS/client.key
      client:
        serverName: localhost
        rootCaFiles: [$TS_TLS/ca.pem]
services:
$(svc frontend "$p" $((p - 300)) $((p + 10)))
$(svc history $((p + 1)) $((p - 299)))
$(svc matching $((p + 2)) $((p - 298)))
$(svc worker $((p + 6)) $((p - 294)))
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "localhost:$TEMPORAL_PORT"
      httpAddress: "localhost:$((p + 10))"
dcRedirectionPolicy:
  policy: noop
archival:
  history: { state: disabled }
  visibility: { state: disabled }
namespaceDefaults:
  archival:
    history: { state: disabled }
    visibility: { state: disabled }
dynamicConfigClient:
  filepath: $dir/dynamicconfig.yaml
  pollInterval: 10s
EOF
  } >"$conf")
  cat >"$dir/dynamicconfig.yaml" <<'EOF'
# One partition per task queue, as on the dev server (see up_temporal in scripts/stack).
matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
# Search attributes registered by `scripts/stack up` are usable at once (as on the dev server).
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
EOF
}

# The stack's own CLI, connected like our processes (TLS flags from the environment that `env` prints).
tcli() {
  TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" TEMPORAL_TLS_CLIENT_CERT_PATH="$TS_TLS/client.pem" \
  TEMPORAL_TLS_CLIENT_KEY_PATH="$TS_TLS/client.key" TEMPORAL_TLS_SERVER_CA_CERT_PATH="$TS_TLS/ca.pem" \
  TEMPORAL_TLS_SERVER_NAME=localhost "$TEMPORAL_BIN" "$@" --command-timeout 10s
}

temporal_server_ready() { tcli operator search-attribute list --namespace default 2>/dev/null | grep -q AlertPagedPeople; }
namespace_ready() { tcli workflow count --namespace default >/dev/null 2>&1; }

register_temporal_metadata() { # [PIDNAME]: the server process watched meanwhile (default temporal)
  local deadline=$((SECONDS + WAIT)) pn="${1:-temporal}"
  until tcli operator cluster health >/dev/null 2>&1; do
    pid_alive "$pn" || fail "Temporal server (process exited during start-up)" "$(cat "$RUN/$pn.cmd")" "$LOGS/$pn.log"
    (( SECONDS < deadline )) || fail "Temporal server (not healthy within ${WAIT}s)" "$(cat "$RUN/$pn.cmd")" "$LOGS/$pn.log"
    sleep 0.5
  done
  if ! tcli operator namespace describe --namespace default >/dev/null 2>&1; then
    tcli operator namespace create --namespace default --retention 72h >>"$LOGS/temporal-setup.log" 2>&1 ||
      fail "namespace default" "temporal operator namespace create --namespace default" "$LOGS/temporal-setup.log"
  fi
  wait_until "namespace default" "$LOGS/$pn.log" "$pn" namespace_ready
  local sa; for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    tcli operator search-attribute list --namespace default 2>/dev/null | grep -qw "${sa%%=*}" && continue
    tcli operator search-attribute create --namespace default --name "${sa%%=*}" --type "${sa#*=}" >>"$LOGS/temporal-setup.log" 2>&1 ||
      fail "search attribute ${sa%%=*}" "temporal operator search-attribute create --name ${sa%%=*} --type ${sa#*=}" "$LOGS/temporal-setup.log"
  done
  wait_until "Temporal search attributes" "$LOGS/$pn.log" "$pn" temporal_server_ready
}

up_temporal_ui_server() {
  if pid_alive temporal-ui; then log "temporal ui already running"; return; fi
  check_port_free "Temporal UI" "$TEMPORAL_UI_PORT" TEMPORAL_UI_PORT
  mkdir -p "$TS_HOME/ui/config"
  cat >"$TS_HOME/ui/config/stack.yaml" <<EOF
temporalGrpcAddress: "127.0.0.1:$TEMPORAL_PORT"
host: 127.0.0.1
port: $TEMPORAL_UI_PORT
enableUi: true
defaultNamespace: default
disableNewsFetch: true
cors:
  allowOrigins: ["http://127.0.0.1:$TEMPORAL_UI_PORT", "http://localhost:$TEMPORAL_UI_PORT"]
tls:
  caFile: $TS_TLS/ca.pem
  certFile: $TS_TLS/client.pem
  keyFile: $TS_TLS/client.key
  serverName: localhost
  enableHostVerification: true
EOF
  # the codec endpoint the UI calls from the browser (STACK_UI_CODEC_ENDPOINT in scripts/stack)
  if [[ -n "$UI_CODEC_ENDPOINT" ]]; then printf 'codec:\n  endpoint: "%s"\n' "$UI_CODEC_ENDPOINT" >>"$TS_HOME/ui/config/stack.yaml"; fi
  local cmd=("$TS_UI_BIN" --root "$TS_HOME/ui" --config config --env stack start)
  echo "${cmd[*]}" >"$RUN/temporal-ui.cmd"
  nohup "${cmd[@]}" >>"$LOGS/temporal-ui.log" 2>&1 </dev/null &
  echo $! >"$RUN/temporal-ui.pid"
  wait_until "Temporal UI" "$LOGS/temporal-ui.log" temporal-ui curl -sf -o /dev/null "http://127.0.0.1:$TEMPORAL_UI_PORT/"
}

# The server binary, its certificates, PostgreSQL and the schema: what one server and a cluster's nodes share.
prepare_temporal_server() {
  install_temporal_server
  make_temporal_certs
  pg_password >/dev/null
  up_postgres
  setup_temporal_schema
  local want; want="$(cat "$DATA/postgresql/.temporal-schema-$TEMPORAL_SERVER_VERSION")"
  [[ "$want" == "$TEMPORAL_SHARDS" ]] || log "TEMPORAL_SHARDS=$TEMPORAL_SHARDS ignored: this data directory was created with $want shards (fixed for its life)"
}

up_temporal_server() {
  prepare_temporal_server
  if pid_alive temporal; then log "temporal server already running"; else
    check_port_free "Temporal server" "$TEMPORAL_PORT" TEMPORAL_PORT
    write_temporal_config
    local cmd=("$TS_BIN" --config-file "$TS_HOME/config.yaml" --allow-no-auth start)
    echo "${cmd[*]}" >"$RUN/temporal.cmd"
    nohup "${cmd[@]}" >>"$LOGS/temporal.log" 2>&1 </dev/null &
    echo $! >"$RUN/temporal.pid"
  fi
  register_temporal_metadata
  up_temporal_ui_server
}

temporal_server_env() {
  cat <<EOF
export TEMPORAL_TLS_CLIENT_CERT_PATH=$TS_TLS/client.pem
export TEMPORAL_TLS_CLIENT_KEY_PATH=$TS_TLS/client.key
export TEMPORAL_TLS_SERVER_CA_CERT_PATH=$TS_TLS/ca.pem
export TEMPORAL_TLS_SERVER_NAME=localhost
EOF
}

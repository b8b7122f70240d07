# Sourced by scripts/stack: the cluster profile (STACK_TEMPORAL=cluster), the deployment past one machine on one
# machine, for the cluster chaos run (docs/scaling.md):
#   Temporal    three server processes (the real server binary, every service in each) on one PostgreSQL, found
#               by each other through its ring membership; clients reach them through HAProxy on TEMPORAL_PORT
#               (as a Kubernetes Service would), which stops sending to a node that no longer answers
#   OpenSearch  two nodes (both cluster-manager eligible) behind HAProxy on OPENSEARCH_PORT; the service's
#               index gets one replica (OPENSEARCH_INDEX_REPLICAS=1 in `scripts/stack env`)
#   Redis       a primary, a replica and three sentinels (quorum 2); the services find the primary through them
#
# Ports (offsets from the usual settings):
#   Temporal node N (1–3)   its services at TEMPORAL_PORT + 20·N and that port's offsets (scripts/lib/temporal-server.sh)
#   OpenSearch node N (1–2) HTTP OPENSEARCH_PORT + N, transport OPENSEARCH_PORT + 100 + N
#   Redis                   primary REDIS_PORT, replica REDIS_PORT + 1, sentinels REDIS_PORT + 100 … + 102
# Needs, beside the server profile's: haproxy (apt).

CLUSTER_TEMPORAL_NODES=(1 2 3)
CLUSTER_OPENSEARCH_NODES=(1 2)
SENTINEL_MASTER=alerts-primary
temporal_node_port() { echo $((TEMPORAL_PORT + 20 * $1)); }
sentinel_ports() { echo $((REDIS_PORT + 100)) $((REDIS_PORT + 101)) $((REDIS_PORT + 102)); }

up_temporal_node() { # N
  local name="temporal-$1" port; port="$(temporal_node_port "$1")"
  if pid_alive "$name"; then return; fi
  check_port_free "Temporal node $1" "$port" TEMPORAL_PORT
  write_temporal_config "$port" "$TS_HOME/node-$1"
  local cmd=("$TS_BIN" --config-file "$TS_HOME/node-$1/config.yaml" --allow-no-auth start)
  echo "${cmd[*]}" >"$RUN/$name.cmd"
  nohup "${cmd[@]}" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

up_haproxy() {
  if pid_alive haproxy; then return; fi
  check_port_free "HAProxy (Temporal)" "$TEMPORAL_PORT" TEMPORAL_PORT
  check_port_free "HAProxy (OpenSearch)" "$OPENSEARCH_PORT" OPENSEARCH_PORT
  local conf="$HOME_DIR/haproxy.cfg" n
  {
    cat <<EOF
# Written by scripts/stack (STACK_TEMPORAL=cluster) on every start; edits are overwritten.
global
  maxconn 4096
defaults
  mode tcp
  timeout connect 1s
  timeout client 10m
  timeout server 10m
  # a node that stops answering is out after two checks (1 s), and its open connections are cut so that
  # clients reconnect to a live one at once
  default-server check inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
listen temporal
  bind 127.0.0.1:$TEMPORAL_PORT
  balance leastconn
EOF
    for n in "${CLUSTER_TEMPORAL_NODES[@]}"; do echo "  server temporal-$n 127.0.0.1:$(temporal_node_port "$n")"; done
    printf 'listen opensearch\n  bind 127.0.0.1:%s\n  balance roundrobin\n' "$OPENSEARCH_PORT"
    for n in "${CLUSTER_OPENSEARCH_NODES[@]}"; do echo "  server opensearch-$n 127.0.0.1:$((OPENSEARCH_PORT + n))"; done
  } >"$conf"
  local cmd=(haproxy -f "$conf" -db)
  echo "${cmd[*]}" >"$RUN/haproxy.cmd"
  nohup "${cmd[@]}" >>"$LOGS/haproxy.log" 2>&1 </dev/null &
  echo $! >"$RUN/haproxy.pid"
  wait_until HAProxy "$LOGS/haproxy.log" haproxy port_open "$TEMPORAL_PORT"
}

# redis_node NAME PORT [redis-server args…]: one Redis data node (AOF in its own directory).
redis_node() {
  local name="$1" port="$2"; shift 2
  if pid_alive "$name"; then return; fi
  check_port_free "Redis ($name)" "$port" REDIS_PORT
  mkdir -p "$DATA/$name"
  local cmd=(redis-server --bind 127.0.0.1 --port "$port" --dir "$DATA/$name" --appendonly yes --appendfsync everysec
             --daemonize yes --pidfile "$RUN/$name.pid" --logfile "$LOGS/$name.log" --save "" --protected-mode yes "$@")
  echo "${cmd[*]}" >"$RUN/$name.cmd"
  rm -f "$RUN/$name.pid"
  "${cmd[@]}" || fail "Redis ($name)" "${cmd[*]}" "$LOGS/$name.log"
  local i; for i in $(seq 1 50); do [[ -s "$RUN/$name.pid" ]] && break; sleep 0.1; done
  wait_until "Redis ($name)" "$LOGS/$name.log" "$name" redis-cli -p "$port" ping
}

# The primary and replica as the sentinels last knew them (after a failover the replica may be the primary): a
# node restarted after a failover comes back as a replica of the current primary.
up_redis_sentinel_set() {
  local primary="$REDIS_PORT" ports; read -ra ports <<<"$(sentinel_ports)"
  local known; known="$(redis-cli -p "${ports[0]}" SENTINEL get-master-addr-by-name "$SENTINEL_MASTER" 2>/dev/null | sed -n 2p || true)"
  if [[ -n "$known" ]]; then primary="$known"; fi
  local port name; for port in "$REDIS_PORT" $((REDIS_PORT + 1)); do
    name=redis; [[ "$port" == "$REDIS_PORT" ]] || name=redis-replica
    if [[ "$port" == "$primary" ]]; then redis_node "$name" "$port"; else redis_node "$name" "$port" --replicaof 127.0.0.1 "$primary"; fi
  done
  local i=0; for port in "${ports[@]}"; do
    i=$((i + 1)); name="sentinel-$i"
    pid_alive "$name" && continue
    check_port_free "Redis Sentinel $i" "$port" REDIS_PORT
    mkdir -p "$DATA/$name"
    # The sentinel rewrites its own file (what it learnt of the set): written once, kept across restarts.
    [[ -f "$DATA/$name/sentinel.conf" ]] || printf 'port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %s 2\nsentinel down-after-milliseconds %s 2000\nsentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 1\n' \
      "$port" "$DATA/$name" "$SENTINEL_MASTER" "$REDIS_PORT" "$SENTINEL_MASTER" "$SENTINEL_MASTER" "$SENTINEL_MASTER" >"$DATA/$name/sentinel.conf"
    local cmd=(redis-server "$DATA/$name/sentinel.conf" --sentinel --daemonize yes --pidfile "$RUN/$name.pid" --logfile "$LOGS/$name.log")
    echo "${cmd[*]}" >"$RUN/$name.cmd"
    rm -f "$RUN/$name.pid"
    "${cmd[@]}" || fail "Redis Sentinel $i" "${cmd[*]}" "$LOGS/$name.log"
    wait_until "Redis Sentinel $i" "$LOGS/$name.log" "" redis-cli -p "$port" ping
  done
}

up_cluster() {
  apt_install haproxy haproxy
  prepare_temporal_server
  local n; for n in "${CLUSTER_TEMPORAL_NODES[@]}"; do up_temporal_node "$n"; done
  for n in "${CLUSTER_OPENSEARCH_NODES[@]}"; do up_opensearch "$n"; done
  up_haproxy
  register_temporal_metadata temporal-1
  up_temporal_ui_server
  for n in "${CLUSTER_OPENSEARCH_NODES[@]}"; do wait_opensearch "opensearch-$n" $((OPENSEARCH_PORT + n)); done
  up_redis_sentinel_set
}

down_cluster() {
  local n
  for n in "${CLUSTER_OPENSEARCH_NODES[@]}"; do stop_one "opensearch-$n"; done
  for n in 3 2 1; do stop_one "sentinel-$n"; done
  stop_one redis-replica
  stop_one haproxy
  for n in "${CLUSTER_TEMPORAL_NODES[@]}"; do stop_one "temporal-$n"; done
}

status_cluster() { # prints with `show`; returns 3 when something is down
  local rc=0 n port
  for n in "${CLUSTER_TEMPORAL_NODES[@]}"; do
    port="$(temporal_node_port "$n")"
    if pid_alive "temporal-$n"; then show "Temporal node $n" up "127.0.0.1:$port (metrics :$((port + 767)))"; else show "Temporal node $n" down ""; rc=3; fi
  done
  if pid_alive haproxy; then show HAProxy up "Temporal 127.0.0.1:$TEMPORAL_PORT (mTLS, v$TEMPORAL_SERVER_VERSION), OpenSearch :$OPENSEARCH_PORT"; else show HAProxy down ""; rc=3; fi
  for n in "${CLUSTER_OPENSEARCH_NODES[@]}"; do
    if pid_alive "opensearch-$n"; then show "OpenSearch node $n" up "http://127.0.0.1:$((OPENSEARCH_PORT + n))"; else show "OpenSearch node $n" down ""; rc=3; fi
  done
  if pid_alive redis-replica; then show "Redis (second node)" up "127.0.0.1:$((REDIS_PORT + 1))"; else show "Redis (second node)" down ""; rc=3; fi
  local primary; primary="$(redis-cli -p "$((REDIS_PORT + 100))" SENTINEL get-master-addr-by-name "$SENTINEL_MASTER" 2>/dev/null | sed -n 2p || true)"
  show "Redis primary" "${primary:+up}" "${primary:+127.0.0.1:$primary (as the sentinels name it)}"
  local i=0; for port in $(sentinel_ports); do
    i=$((i + 1))
    if pid_alive "sentinel-$i"; then show "Redis Sentinel $i" up "127.0.0.1:$port (master $SENTINEL_MASTER)"; else show "Redis Sentinel $i" down ""; rc=3; fi
  done
  return $rc
}

cluster_env() {
  local s=() port; for port in $(sentinel_ports); do s+=("127.0.0.1:$port"); done
  local IFS=,
  cat <<EOF
export REDIS_SENTINELS=${s[*]}
export REDIS_SENTINEL_MASTER=$SENTINEL_MASTER
export OPENSEARCH_INDEX_REPLICAS=1
EOF
}

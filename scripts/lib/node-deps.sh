# Sourced by scripts/start and scripts/test: installs the npm dependencies (pinned by package-lock.json,
# cached by npm in ~/.npm) only when the lock file changed, and builds dist/ when a source is newer.
ensure_node_deps() {
  command -v node >/dev/null || { echo "missing tool 'node' (Node.js 20+). Fix: apt-get install -y nodejs npm" >&2; exit 1; }
  local major; major="$(node -p 'process.versions.node.split(".")[0]')"
  (( major >= 20 )) || { echo "Node.js $major found, 20+ needed" >&2; exit 1; }
  local stamp=node_modules/.lock-sha
  local want; want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "[deps] npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2 || { echo "[deps] npm ci failed (npm registry unreachable?)" >&2; exit 1; }
    echo "$want" >"$stamp"
  fi
}

ensure_build() {
  if [[ ! -f dist/workflow-bundle.js ]] || [[ -n "$(find src scripts config package-lock.json tsconfig*.json -newer dist/workflow-bundle.js -type f 2>/dev/null | head -n1)" ]]; then
    echo "[build] npm run build" >&2
    npm run build --silent >&2
  fi
}

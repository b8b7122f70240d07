# Sourced by scripts/start and scripts/test: installs the npm dependencies (pinned by package-lock.json,
# cached by npm in ~/.npm) only when the lock file changed, and builds dist/ when a source is newer.
ensure_node_deps() {
  command -v node >/dev/null || { echo "missing tool 'node' (Node.js 20+). Fix: apt-get install -y nodejs npm" >&2; exit 1; }
  local major; major="$(node -p 'process.versions.node.split(".")[0]')"
  (( major >= 20 )) || { echo "Node.js $major found, 20+ needed" >&2; exit 1; }
  local stamp=node_modules/.lock-sha
  local want; want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    # `npm install` against the committed lock (not `npm ci`): registries that serve only this platform's
    # optional binaries (@swc/core-*, unrs resolver) make `npm ci` reject a lock that lacks the others.
    echo "[deps] npm install (from package-lock.json)" >&2
    npm install --no-audit --no-fund --prefer-offline --loglevel=error >&2 ||
      { echo "[deps] npm install failed (npm registry unreachable?). Fix: check npm's registry setting, then re-run." >&2; exit 1; }
    echo "$want" >"$stamp"
  fi
}

ensure_build() {
  if [[ ! -f dist/workflow-bundle.js ]] || [[ -n "$(find src scripts config package-lock.json tsconfig*.json -newer dist/workflow-bundle.js -type f 2>/dev/null | head -n1)" ]]; then
    echo "[build] npm run build" >&2
    npm run build --silent >&2
  fi
}

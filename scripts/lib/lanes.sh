# Lanes for scripts/test: steps that share no state run side by side, each lane a background subshell with its
# output in a log of its own; every step's time is recorded, and the run ends with a table of them.
#   step NAME CMD...      runs CMD (in a subshell, with errexit) in the current lane, records
#                         "lane  NAME  seconds  ok|FAILED" and returns CMD's status
#   record NAME T0        records a step run by the caller itself since SECONDS was T0 (one that changes the shell)
#   lane_start NAME FN    runs the shell function FN as a lane in the background (output: $LANE_DIR/NAME.log)
#   lane_wait NAME        waits for it, prints its log, returns its exit status
#   lanes_stop            stops every lane still running, and every process it started
#   lanes_report          prints the table of steps and the slowest test files of every jest run
# Needs LANE_DIR (a directory for the logs, the step table and the jest reporter's lists).

CURRENT_LANE=main
declare -A LANE_PIDS=()

record() {
  printf '%-7s %-100s %5d s  %s\n' "$CURRENT_LANE" "$1" "$((SECONDS - $2))" "$([[ ${3:-0} == 0 ]] && echo ok || echo "FAILED ($3)")" >>"$LANE_DIR/steps"
}

step() {
  local name="$1" t=$SECONDS rc
  shift
  echo "[test] ${CURRENT_LANE}: $name" >&2
  # not `"$@" || rc=$?`: inside a function run that way, a failing command would not stop it
  set +e
  (set -e; "$@")
  rc=$?
  set -e
  record "$name" "$t" "$rc"
  return "$rc"
}

lane_start() {
  local name="$1" fn="$2"
  (CURRENT_LANE="$name"; "$fn") >"$LANE_DIR/$name.log" 2>&1 &
  LANE_PIDS[$name]=$!
  echo "[test] lane $name started (log: $LANE_DIR/$name.log)" >&2
}

lane_wait() {
  local name="$1" rc=0
  wait "${LANE_PIDS[$name]}" || rc=$?
  unset "LANE_PIDS[$name]"
  echo "[test] ---- lane $name ($([[ $rc == 0 ]] && echo ok || echo "FAILED, exit $rc")) ----" >&2
  cat "$LANE_DIR/$name.log" >&2
  echo "[test] ---- end of lane $name ----" >&2
  return "$rc"
}

kill_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do kill_tree "$child"; done
  kill -TERM "$1" 2>/dev/null || true
}

lanes_stop() {
  local name
  for name in "${!LANE_PIDS[@]}"; do kill_tree "${LANE_PIDS[$name]}"; done
}

lanes_report() {
  echo "[test] steps (lane, step, wall time, result):" >&2
  [[ -f "$LANE_DIR/steps" ]] && cat "$LANE_DIR/steps" >&2
  local f
  for f in "$LANE_DIR"/slowest-*.txt; do [[ -f "$f" ]] && cat "$f" >&2; done
  return 0
}

# shellcheck shell=bash
# The parts a k3s service runs, as its children (sourced by the k3s script, and by the host test
# harness tests/lifetime/support/serverHarness.sh). `run NAME CMD...` starts one; its output goes
# to the service's journal, each line after NAME, or to $PART_LOGS/NAME.log when PART_LOGS is set.
pids=()
part_names=()
run() {
  local name=$1; shift
  if [ -n "${PART_LOGS:-}" ]; then
    "$@" >>"$PART_LOGS/$name.log" 2>&1 &
  else
    "$@" > >(sed -u "s/^/$name: /" >&2) 2>&1 &
  fi
  pids+=("$!")
  part_names+=("$name")
}

# Stops every part started so far (a failed start, or a cluster reset's own etcd).
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  pids=()
  part_names=()
}

# Start-up waits end as soon as a part started so far has exited: supervise.py watches the parts
# only once the service is up, and a wait for an API whose process is gone would last for ever
# (prod lifetime run 11: kube-apiserver exited on a post-start hook's timeout, and the service
# waited for its /readyz until the scenario's deadline instead of restarting).
parts_alive() {
  local i
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || die "${part_names[$i]:-part ${pids[$i]}} exited while the service was starting"
  done
}

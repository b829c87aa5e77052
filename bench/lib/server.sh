# Sourced by bench scripts: start and stop one `strata serve` on a folder, on free loopback
# ports, with its stderr in a log file. Uses $STRATA_BIN (absolute path). After
# `strata_start DIR LOG [extra serve flags...]`: $strata_pid, $grpc_port, $http_port are set.
# `strata_stop` sends SIGTERM and requires exit code 0 within 20 s; `strata_kill` is for
# cleanup traps (SIGKILL, only the PID this file started).

strata_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

strata_start() {
  local dir="$1" log="$2"
  shift 2
  grpc_port="$(strata_free_port)"
  http_port="$(strata_free_port)"
  while [ "$http_port" = "$grpc_port" ]; do http_port="$(strata_free_port)"; done
  "$STRATA_BIN" serve --storage "$dir" --grpc-port "$grpc_port" --http-port "$http_port" "$@" 2>"$log" &
  strata_pid=$!
  local i code
  for i in $(seq 1 300); do
    kill -0 "$strata_pid" 2>/dev/null || { echo "server exited during start-up:" >&2; tail -n 20 "$log" >&2; return 1; }
    code="$(python3 -c "import urllib.request
try: print(urllib.request.urlopen('http://127.0.0.1:$http_port/healthz', timeout=1).status)
except Exception: print(0)")"
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  echo "no 200 on /healthz within 30 s" >&2
  return 1
}

strata_stop() {
  kill -TERM "$strata_pid"
  local i rc=0
  for i in $(seq 1 200); do kill -0 "$strata_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$strata_pid" 2>/dev/null && { echo "server still running 20 s after SIGTERM" >&2; return 1; }
  wait "$strata_pid" || rc=$?
  strata_pid=""
  [ "$rc" -eq 0 ] || { echo "server exit code $rc after SIGTERM" >&2; return 1; }
}

strata_kill() {
  if [ -n "${strata_pid:-}" ] && kill -0 "$strata_pid" 2>/dev/null; then kill -KILL "$strata_pid" 2>/dev/null || true; fi
}

#!/usr/bin/env bash
# Gateway benchmark: the same chat-completion workload sent straight to the
# mock upstream and through the gateway, with wrk. Reports RPS, p50/p99
# latency, the latency the gateway adds, gateway CPU time per request and
# gateway RSS (idle and under load), checks them against the targets, and
# writes bench/results/latest.json. Everything listens on 127.0.0.1 only and
# every process started here is stopped on exit. See bench/README.md.
#
#   bench/run.sh                 (or: make bench)
#   DURATION=5 bench/run.sh      shorter runs
#   SKIP_BUILD=1 bench/run.sh    reuse the last `bazel build -c opt` output
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"

# ---------------------------------------------------------------- settings
DURATION="${DURATION:-10}"          # seconds per measured run
WARMUP="${WARMUP:-2}"               # seconds of unmeasured load before each run
CONNS_LOW="${CONNS_LOW:-1}"         # "concurrency 1" scenarios
CONNS_HIGH="${CONNS_HIGH:-64}"      # loaded scenarios
WRK_THREADS="${WRK_THREADS:-1}"     # wrk threads (1: wrk shares the load core)
WORDS="${WORDS:-16}"                # answer words, unary workload
STREAM_WORDS="${STREAM_WORDS:-50}"  # answer words, streaming workload
TTFB_REQUESTS="${TTFB_REQUESTS:-300}"  # sequential streams timed for TTFB (0: skip)
SCENARIOS="${SCENARIOS:-unary_c1 unary_c1_1core unary_chigh stream_c1 stream_chigh fallback}"
MOCK_THREADS="${MOCK_THREADS:-1}"
GW_THREADS="${GW_THREADS:-1}"       # gateway --worker_threads
PIN="${PIN:-auto}"                  # auto | 1 | 0: taskset pinning
CORE_LOAD="${CORE_LOAD:-0}"         # wrk + mock + this script
CORE_GW="${CORE_GW:-1}"             # gateway
CONFIG="${CONFIG:-}"                # gateway config template (else built in)
GATEWAY_MODEL="${GATEWAY_MODEL:-bench}"
DIRECT_MODEL="${DIRECT_MODEL:-gpt-4o-mini}"
FALLBACK_CONFIG="${FALLBACK_CONFIG:-$HERE/configs/fallback3.yaml}"
FALLBACK_MODEL="${FALLBACK_MODEL:-bench-fallback bench-fallback-first}"
OUT="${OUT:-$HERE/results/latest.json}"
BAZEL="${BAZEL:-bazel}"
SKIP_BUILD="${SKIP_BUILD:-0}"
SKIP_BUILD_REQUESTED="$SKIP_BUILD"
BUILD_RETRIES="${BUILD_RETRIES:-0}"    # extra build attempts (tree in flux)
BUILD_RETRY_WAIT="${BUILD_RETRY_WAIT:-120}"
NICE="${NICE:-auto}"                # nice level of mock, gateway and wrk (auto: -20 as root)
WAIT_QUIET="${WAIT_QUIET:-0}"       # wait up to N s before each run for other load to stop
QUIET_PCT="${QUIET_PCT:-10}"        # ... i.e. for the machine to be below this CPU busy %
PROFILE="${PROFILE:-0}"             # 1: perf-profile the gateway in each gateway run
GW_BIN="${GW_BIN:-}"                # prebuilt binaries (skip the lookup)
MOCK_BIN="${MOCK_BIN:-}"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

for tool in wrk python3 curl; do
  command -v "$tool" >/dev/null || die "$tool is not installed (tools/setup.sh installs it)"
done
if [[ "$PROFILE" == 1 ]] && ! command -v perf >/dev/null; then
  die "PROFILE=1 needs perf (Debian package linux-perf)"
fi

# ---------------------------------------------------------------- build
BUILD_CMD=("$BAZEL" build -c opt //gateway:across_gateway //tests/mock_upstream:mock_upstream)
if [[ "$SKIP_BUILD" != 1 ]]; then
  attempt=0
  until log "building: ${BUILD_CMD[*]}" && "${BUILD_CMD[@]}"; do
    attempt=$((attempt + 1))
    ((attempt <= BUILD_RETRIES)) || die "build failed"
    log "build failed; retrying in ${BUILD_RETRY_WAIT}s ($attempt/$BUILD_RETRIES)"
    sleep "$BUILD_RETRY_WAIT"
  done
fi
if [[ -z "$GW_BIN" || -z "$MOCK_BIN" ]]; then
  # The opt output tree, whatever config bazel-bin currently points at.
  OPT_BIN="$("$BAZEL" info -c opt bazel-bin 2>/dev/null)" || die "bazel info failed"
  GW_BIN="${GW_BIN:-$OPT_BIN/gateway/across_gateway}"
  MOCK_BIN="${MOCK_BIN:-$OPT_BIN/tests/mock_upstream/mock_upstream}"
fi
[[ -x "$GW_BIN" ]] || die "gateway binary not found: $GW_BIN"
[[ -x "$MOCK_BIN" ]] || die "mock binary not found: $MOCK_BIN"

# ---------------------------------------------------------------- priority
# A concurrent build on a 2-core machine takes most of the CPU from the
# benchmark. Nice levels alone do not help where the kernel groups tasks per
# session (sched autogroup: each session gets an equal share whatever its
# tasks' nice), so the measuring part runs in a session of its own whose
# group gets the higher priority. The runs are bounded: others only slow down
# for their length.
if [[ "$NICE" == auto ]]; then
  if [[ $(id -u) -eq 0 ]]; then NICE=-20; else NICE=0; fi
fi
if [[ "$NICE" != 0 && -z "${BENCH_IN_SESSION:-}" ]] && command -v setsid >/dev/null; then
  export BENCH_IN_SESSION=1 SKIP_BUILD=1 GW_BIN MOCK_BIN NICE
  export BENCH_BUILD_SKIPPED="${BENCH_BUILD_SKIPPED:-$([[ $SKIP_BUILD_REQUESTED == 1 ]] && echo 1 || echo 0)}"
  setsid "$HERE/run.sh" "$@" &
  child=$!
  # Forward Ctrl-C / TERM: the new session has no terminal to get them from.
  trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM
  while :; do
    rc=0
    wait "$child" || rc=$?
    kill -0 "$child" 2>/dev/null || exit "$rc"
  done
fi
if [[ "$NICE" != 0 ]]; then
  if [[ -w /proc/self/autogroup ]] && echo "$NICE" >"/proc/$$/autogroup" 2>/dev/null; then
    renice -n "$NICE" -p $$ >/dev/null 2>&1 || true
    log "priority: nice $NICE (session group)"
  elif renice -n "$NICE" -p $$ >/dev/null 2>&1; then
    log "priority: nice $NICE"
  else
    log "priority: cannot raise the priority; running at the default one"
    NICE=0
  fi
fi

# ---------------------------------------------------------------- workspace
WORK="$(mktemp -d "${TMPDIR:-/tmp}/across-bench.XXXXXX")"
mkdir -p "$WORK/runs"
# Private copies: a concurrent rebuild cannot swap a binary mid-run.
cp "$GW_BIN" "$WORK/across_gateway"
cp "$MOCK_BIN" "$WORK/mock_upstream"

PIDS=()          # everything started here, stopped by cleanup
GW_PID=""
MOCK_PID=""

stop_pid() {  # stop_pid PID: TERM, wait up to 5 s, then KILL
  local pid="$1" i
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored SIGTERM; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ "${KEEP_WORK:-0}" == 1 || $rc -ne 0 ]]; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- pinning
NPROC="$(nproc)"
if [[ "$PIN" == auto ]]; then
  if ((NPROC >= 2)) && command -v taskset >/dev/null; then PIN=1; else PIN=0; fi
fi
GW_LAUNCH=()
if [[ "$PIN" == 1 ]]; then
  # This script and so everything it starts (mock, wrk, samplers) on the
  # load core; the gateway alone on its own core.
  taskset -pc "$CORE_LOAD" $$ >/dev/null
  GW_LAUNCH=(taskset -c "$CORE_GW")
  log "pinning: wrk + mock on cpu $CORE_LOAD, gateway on cpu $CORE_GW"
else
  log "pinning: off"
fi

# ---------------------------------------------------------------- helpers
wait_file() {  # wait_file PATH PID WHAT
  local i
  for i in $(seq 200); do
    [[ -s "$1" ]] && return 0
    alive "$2" || die "$3 exited during start-up (log: $WORK/$3.log)"
    sleep 0.05
  done
  die "$3 did not start within 10 s (log: $WORK/$3.log)"
}

json_int() {  # json_int FILE KEY: an integer field of a flat JSON file
  python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$1" "$2"
}

cpu_ticks() {  # utime stime (clock ticks, all threads) of PID
  # Fields after the ")" of the comm: utime and stime are the 12th and 13th.
  local stat
  stat="$(<"/proc/$1/stat")"
  stat="${stat##*) }"
  set -- $stat
  echo "${12} ${13}"
}

alive() {  # alive PID: running (an exited, unreaped child is a zombie)
  local st
  st="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  st="${st##*) }"
  [[ -n "$st" && "${st:0:1}" != Z ]]
}

status_kb() {  # status_kb PID FIELD: VmRSS / VmHWM in kB
  awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}

cpu_busy_pct() {  # whole-machine CPU busy %, sampled over 0.5 s
  local a b
  a=($(head -n1 /proc/stat)); sleep 0.5; b=($(head -n1 /proc/stat))
  local total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  local idle=$((b[4] - a[4] + b[5] - a[5]))
  ((total > 0)) || { echo 0; return; }
  echo $(((total - idle) * 100 / total))
}

machine_ticks() {  # busy and total clock ticks of the whole machine so far
  local a i total=0
  a=($(head -n1 /proc/stat))
  for i in 1 2 3 4 5 6 7 8; do total=$((total + a[i])); done
  echo "$((total - a[4] - a[5])) $total"
}

children_cpu_s() {  # CPU seconds used by reaped children of this shell
  # `times` must run in this shell, not in a pipeline's subshell.
  times >"$WORK/times.txt"
  tail -n 1 "$WORK/times.txt" | awk '{
    split($1, u, /[ms]/); split($2, s, /[ms]/);
    printf "%.3f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
}

render_config() {  # render_config TEMPLATE OUT
  sed -e "s/@MOCK_PORT@/$MOCK_PORT/g" "$1" >"$2"
}

# ---------------------------------------------------------------- mock
"$WORK/mock_upstream" --port 0 --port_file "$WORK/mock.port" --threads "$MOCK_THREADS" \
  >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
wait_file "$WORK/mock.port" "$MOCK_PID" mock
MOCK_PORT="$(json_int "$WORK/mock.port" port)"
log "mock upstream: pid $MOCK_PID, port $MOCK_PORT"

# ---------------------------------------------------------------- gateway
if [[ -n "$CONFIG" ]]; then
  render_config "$CONFIG" "$WORK/gateway.yaml"
else
  cat >"$WORK/gateway.yaml" <<EOF
providers:
  - {id: mock, type: openai, base_url: "http://127.0.0.1:$MOCK_PORT/v1"}
models:
  - {name: bench, provider: mock, upstream_model: gpt-4o-mini}
logging: {access_log: false}
EOF
fi

start_gateway() {  # start_gateway CONFIG NAME: sets GW_PID, GW_PORT
  local cfg="$1" name="$2"
  rm -f "$WORK/$name.ready"
  "${GW_LAUNCH[@]}" "$WORK/across_gateway" --config="$cfg" --http_port=0 --grpc_port=0 \
    --listen_address=127.0.0.1 --ready_file="$WORK/$name.ready" \
    --worker_threads="$GW_THREADS" --drain_timeout_ms=1000 \
    >"$WORK/$name.log" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  wait_file "$WORK/$name.ready" "$GW_PID" "$name"
  GW_PORT="$(json_int "$WORK/$name.ready" http_port)"
  log "$name: pid $GW_PID, http port $GW_PORT"
}

start_gateway "$WORK/gateway.yaml" gateway
sleep 1
RSS_IDLE_KB="$(status_kb "$GW_PID" VmRSS)"
log "gateway idle RSS: ${RSS_IDLE_KB} kB"

# ---------------------------------------------------------------- sanity
# One request each way, so that a broken path fails loudly instead of
# producing a table of fast errors.
chat_body() {  # chat_body MODEL WORDS STREAM
  printf '{"model":"%s","messages":[{"role":"system","content":"You are a terse assistant."},{"role":"user","content":"Say hello in a few words."}],"max_tokens":128,"temperature":0.2,"stream":%s,"mock":{"words":%d}}' \
    "$1" "$3" "$2"
}
probe() {  # probe PORT MODEL WORDS STREAM OUTFILE → HTTP status on stdout
  curl -sS -o "$5" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H "x-mock-words: $3" --data-binary "$(chat_body "$2" "$3" "$4")" \
    "http://127.0.0.1:$1/v1/chat/completions"
}
answer_words() {  # answer_words FILE: words in a unary or SSE answer
  python3 - "$1" <<'PY'
import json, sys
raw = open(sys.argv[1], "rb").read().decode()
text = ""
if raw.lstrip().startswith("{"):
    text = json.loads(raw)["choices"][0]["message"].get("content") or ""
else:
    for line in raw.splitlines():
        if line.startswith("data:") and line[5:].strip() != "[DONE]":
            for c in json.loads(line[5:]).get("choices", []):
                text += (c.get("delta") or {}).get("content") or ""
print(len(text.split()))
PY
}
for mode in "false $WORDS" "true $STREAM_WORDS"; do
  set -- $mode
  s_direct="$(probe "$MOCK_PORT" "$DIRECT_MODEL" "$2" "$1" "$WORK/probe_direct.out")"
  s_gw="$(probe "$GW_PORT" "$GATEWAY_MODEL" "$2" "$1" "$WORK/probe_gateway.out")"
  if [[ "$s_direct" != 200 || "$s_gw" != 200 ]]; then
    log "probe (stream=$1): direct HTTP $s_direct, gateway HTTP $s_gw"
    log "gateway answer: $(head -c 600 "$WORK/probe_gateway.out")"
    tail -n 20 "$WORK/gateway.log" >&2
    die "sanity probe failed"
  fi
  w_direct="$(answer_words "$WORK/probe_direct.out")"
  w_gw="$(answer_words "$WORK/probe_gateway.out")"
  log "probe (stream=$1): direct ${w_direct} words, gateway ${w_gw} words"
  if [[ "$w_direct" != "$w_gw" ]]; then
    log "warning: the two paths get answers of different sizes; the comparison is skewed"
  fi
done

# ---------------------------------------------------------------- runs
LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"
RUN_FILES=()

# run_wrk NAME TARGET PORT MODEL CONNS STREAM WORDS [GWPID]
run_wrk() {
  local name="$1" target="$2" port="$3" model="$4" conns="$5" stream="$6" words="$7"
  local gwpid="${8:-}"
  local threads="$WRK_THREADS"
  ((threads > conns)) && threads="$conns"
  local url="http://127.0.0.1:$port/v1/chat/completions"
  local tag="${name}__${target}"
  export BENCH_MODEL="$model" BENCH_WORDS="$words" BENCH_STREAM="$stream"
  if ((WARMUP > 0)); then
    wrk -t"$threads" -c"$conns" -d"${WARMUP}s" -s "$HERE/chat.lua" "$url" >/dev/null 2>&1 || true
  fi
  local busy_before gw_before=(0 0) mock_before mock_after gw_after=(0 0) sampler=""
  # Other work on the machine (e.g. a build) skews the numbers: note it, and
  # with WAIT_QUIET wait a while for it to end.
  busy_before="$(cpu_busy_pct)"
  local waited=0
  while ((busy_before > QUIET_PCT && waited < WAIT_QUIET)); do
    ((waited == 0)) && log "machine busy (${busy_before}%); waiting up to ${WAIT_QUIET}s for it to quieten"
    sleep 4.5
    waited=$((waited + 5))
    busy_before="$(cpu_busy_pct)"
  done
  mock_before=($(cpu_ticks "$MOCK_PID"))
  if [[ -n "$gwpid" ]]; then
    gw_before=($(cpu_ticks "$gwpid"))
    # Peak RSS while loaded, sampled every 0.2 s.
    (
      max=0
      while :; do
        v="$(awk '$1 == "VmRSS:" {print $2}' "/proc/$gwpid/status" 2>/dev/null)" || break
        [[ -z "$v" ]] && break
        ((v > max)) && max=$v && echo "$max" >"$WORK/runs/$tag.rss"
        sleep 0.2
      done
    ) &
    sampler=$!
    PIDS+=("$sampler")
  fi
  local perf_pid=""
  if [[ "$PROFILE" == 1 && -n "$gwpid" ]]; then
    # Software clock sampling (works in VMs without PMU access); the numbers
    # of a profiled run are a few % worse than those of a plain one.
    perf record -q -F 999 -e cpu-clock -g -p "$gwpid" -o "$WORK/runs/$tag.perf" \
      -- sleep "$DURATION" >/dev/null 2>&1 &
    perf_pid=$!
    PIDS+=("$perf_pid")
  fi
  local t0 t1 m0 m1 c0 c1
  m0=($(machine_ticks))
  children_cpu_s >"$WORK/c0.txt"
  t0="$(date +%s.%N)"
  # In the background so that a signal is handled at once, not after wrk.
  wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s "$HERE/chat.lua" "$url" \
    >"$WORK/runs/$tag.wrk" 2>&1 &
  local wrk_pid=$!
  PIDS+=("$wrk_pid")
  wait "$wrk_pid" || die "wrk failed: $(tail -n 5 "$WORK/runs/$tag.wrk")"
  t1="$(date +%s.%N)"
  alive "$MOCK_PID" || die "the mock exited during $tag (log: $WORK/mock.log)"
  if [[ -n "$gwpid" ]] && ! alive "$gwpid"; then
    die "the gateway exited during $tag (logs: $WORK/gateway*.log)"
  fi
  children_cpu_s >"$WORK/c1.txt"
  c0="$(<"$WORK/c0.txt")" c1="$(<"$WORK/c1.txt")"
  m1=($(machine_ticks))
  mock_after=($(cpu_ticks "$MOCK_PID"))
  local rss_load=0 hwm=0
  if [[ -n "$gwpid" ]]; then
    gw_after=($(cpu_ticks "$gwpid"))
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    rss_load="$(cat "$WORK/runs/$tag.rss" 2>/dev/null || echo 0)"
    hwm="$(status_kb "$gwpid" VmHWM)"
  fi
  cat >"$WORK/runs/$tag.meta" <<EOF
{"scenario":"$name","target":"$target","conns":$conns,"wrk_threads":$threads,
 "stream":$([[ $stream == 1 ]] && echo true || echo false),"words":$words,"model":"$model",
 "wall_s":$(python3 -c "print(round($t1-$t0,3))"),
 "gw_utime_ticks":$((gw_after[0] - gw_before[0])),"gw_stime_ticks":$((gw_after[1] - gw_before[1])),
 "mock_utime_ticks":$((mock_after[0] - mock_before[0])),"mock_stime_ticks":$((mock_after[1] - mock_before[1])),
 "gw_rss_load_kb":$rss_load,"gw_hwm_kb":${hwm:-0},"machine_busy_pct_before":$busy_before,
 "machine_busy_ticks":$((m1[0] - m0[0])),"machine_total_ticks":$((m1[1] - m0[1])),
 "wrk_cpu_s":$(python3 -c "print(round($c1-$c0,3))")}
EOF
  RUN_FILES+=("$tag")
  python3 "$HERE/report.py" line "$WORK/runs/$tag" >&2
  if [[ -n "$perf_pid" ]]; then
    wait "$perf_pid" 2>/dev/null || true
    local cpu_us
    cpu_us="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r.get("gw_cpu_us_per_req") or 0)' \
      <(python3 "$HERE/report.py" json "$WORK/runs/$tag"))"
    mkdir -p "$(dirname "$OUT")"
    local prof_out
    prof_out="$(dirname "$OUT")/profile-$tag.txt"
    perf script -i "$WORK/runs/$tag.perf" -F ip,sym,dso 2>/dev/null |
      python3 "$HERE/perf_summary.py" --cpu-us "$cpu_us" >"$prof_out" || true
    log "profile: $prof_out"
  fi
}

# run_pair NAME CONNS STREAM WORDS: direct, then through the gateway
run_pair() {
  run_wrk "$1" direct "$MOCK_PORT" "$DIRECT_MODEL" "$2" "$3" "$4"
  run_wrk "$1" gateway "$GW_PORT" "$GATEWAY_MODEL" "$2" "$3" "$4" "$GW_PID"
}

run_ttfb() {  # TTFB of streams at concurrency 1, direct and via the gateway
  ((TTFB_REQUESTS > 0)) || return 0
  log "ttfb: $TTFB_REQUESTS sequential streams each way ($STREAM_WORDS words)"
  python3 "$HERE/ttfb.py" --port "$MOCK_PORT" --model "$DIRECT_MODEL" \
    --words "$STREAM_WORDS" --requests "$TTFB_REQUESTS" >"$WORK/runs/ttfb_direct.json"
  python3 "$HERE/ttfb.py" --port "$GW_PORT" --model "$GATEWAY_MODEL" \
    --words "$STREAM_WORDS" --requests "$TTFB_REQUESTS" >"$WORK/runs/ttfb_gateway.json"
}

FALLBACK_STATUS="not requested"
run_fallback() {
  # Hook for the 3-target fallback route: runs only when the gateway accepts
  # the config (FALLBACK_CONFIG, a template with @MOCK_PORT@).
  if [[ ! -f "$FALLBACK_CONFIG" ]]; then
    FALLBACK_STATUS="skipped: $FALLBACK_CONFIG not found"
    log "fallback: $FALLBACK_STATUS"
    return 0
  fi
  render_config "$FALLBACK_CONFIG" "$WORK/fallback.yaml"
  local why
  if ! why="$("$WORK/across_gateway" --config="$WORK/fallback.yaml" --check_config 2>&1)"; then
    FALLBACK_STATUS="skipped: gateway rejects $(basename "$FALLBACK_CONFIG"): $(printf '%s' "$why" | tail -n 1 | head -c 300)"
    log "fallback: $FALLBACK_STATUS"
    return 0
  fi
  # A second gateway, on the same core as the plain one (idle meanwhile).
  local main_pid="$GW_PID" main_port="$GW_PORT" model code ran=() skipped=()
  start_gateway "$WORK/fallback.yaml" gateway_fallback
  for model in $FALLBACK_MODEL; do
    code="$(probe "$GW_PORT" "$model" "$WORDS" false "$WORK/probe_fallback.out")"
    if [[ "$code" != 200 ]]; then
      skipped+=("$model (probe: HTTP $code)")
      log "fallback: $model skipped: probe returned HTTP $code: $(head -c 300 "$WORK/probe_fallback.out")"
      continue
    fi
    ran+=("$model")
    # Scenario names: fallback_c1, fallback-first_c64, ...
    local tag="${model#bench-}"
    run_wrk "${tag}_c$CONNS_LOW" gateway "$GW_PORT" "$model" "$CONNS_LOW" 0 "$WORDS" "$GW_PID"
    run_wrk "${tag}_c$CONNS_HIGH" gateway "$GW_PORT" "$model" "$CONNS_HIGH" 0 "$WORDS" "$GW_PID"
  done
  FALLBACK_STATUS="ran: ${ran[*]:-none}${skipped:+; skipped: ${skipped[*]}}"
  stop_pid "$GW_PID"
  GW_PID="$main_pid" GW_PORT="$main_port"
}

log "runs: ${DURATION}s each (+${WARMUP}s warm-up), load average at start: $LOADAVG_START"
for s in $SCENARIOS; do
  case "$s" in
    unary_c1) run_pair unary_c"$CONNS_LOW" "$CONNS_LOW" 0 "$WORDS" ;;
    unary_c1_1core)
      # The same c=1 workload with the gateway moved onto the load core:
      # no cross-CPU wake-ups on either path (see bench/README.md).
      if [[ "$PIN" == 1 ]]; then
        taskset -a -pc "$CORE_LOAD" "$GW_PID" >/dev/null
        run_pair unary_c"$CONNS_LOW"_1core "$CONNS_LOW" 0 "$WORDS"
        taskset -a -pc "$CORE_GW" "$GW_PID" >/dev/null
      else
        log "unary_c1_1core: skipped (needs pinning)"
      fi ;;
    unary_chigh) run_pair unary_c"$CONNS_HIGH" "$CONNS_HIGH" 0 "$WORDS" ;;
    stream_c1) run_pair stream_c"$CONNS_LOW" "$CONNS_LOW" 1 "$STREAM_WORDS"; run_ttfb ;;
    stream_chigh) run_pair stream_c"$CONNS_HIGH" "$CONNS_HIGH" 1 "$STREAM_WORDS" ;;
    fallback) run_fallback ;;
    *) die "unknown scenario $s" ;;
  esac
done

sleep 2
RSS_AFTER_KB="$(status_kb "$GW_PID" VmRSS)"
HWM_KB="$(status_kb "$GW_PID" VmHWM)"

# ---------------------------------------------------------------- report
mkdir -p "$(dirname "$OUT")"
export BENCH_WORK="$WORK" BENCH_OUT="$OUT" RSS_IDLE_KB RSS_AFTER_KB HWM_KB \
  LOADAVG_START FALLBACK_STATUS NICE PIN CORE_LOAD CORE_GW DURATION WARMUP WRK_THREADS \
  MOCK_THREADS GW_THREADS WORDS STREAM_WORDS CONNS_LOW CONNS_HIGH GW_BIN MOCK_BIN \
  BUILD_CMD_STR="${BUILD_CMD[*]}" SKIP_BUILD="${BENCH_BUILD_SKIPPED:-$SKIP_BUILD}"
export CONFIG_USED="${CONFIG:-built-in}"
python3 "$HERE/report.py" final "${RUN_FILES[@]}"

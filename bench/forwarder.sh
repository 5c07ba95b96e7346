#!/usr/bin/env bash
# Compares the splice4j forwarder with HAProxy (without and with splice), a minimal C splice
# forwarder and no proxy at all ("direct"), over loopback, in one run; see bench/README.md.
#
#   bench/forwarder.sh           full run (about 15 minutes): 3 interleaved rounds per scenario;
#                                table printed and saved to bench/results/<date>.md (+ .tsv, .log)
#   bench/forwarder.sh --quick   1 round, short runs, small counts (under 3 minutes); saved under
#                                bench/target/results/ (not committed)
#   bench/forwarder.sh --rounds N   that many rounds (full: 3, quick: 1); saved under bench/target/results/
#   bench/forwarder.sh --only LIST  only these scenarios, comma-separated: iperf, streams, echo (rate,
#                                latency, capacity), slowread; saved under bench/target/results/
#   bench/forwarder.sh --proxies LIST   only these proxies, comma-separated: direct, splice4j, haproxy,
#                                haproxy-splice, c-splice; saved under bench/target/results/
#   e.g. bench/forwarder.sh --only slowread --proxies splice4j,haproxy
#
# Environment:
#   SPLICE4J_JAR        the forwarder jar (default: built with ./mvnw package -DskipTests)
#   SPLICE4J_ARGS       extra forwarder flags, e.g. "--loops 2 --max-connections 20000"
#   SPLICE4J_JAVA_OPTS  JVM options for the forwarder, e.g. "-Xmx128m"
#   JAVA                a JDK 22+ java (default: $JAVA_HOME or the newest under /usr/lib/jvm)
#   BENCH_HOST          loopback address everything listens on (default 127.0.77.1)
#   BENCH_PORT_BASE     first of the ~60 ports used (default: a free block in 23000-30999)
#   SLOWREAD_CONNS, SLOWREAD_MIB, SLOWREAD_HOLD   the slow-reader scenario's clients per wave, MiB offered
#                       to each, seconds held (full: 3000, 64, 10; quick: 200, 1, 2); saved under bench/target/results/
#
# Every process it starts is stopped by its PID on exit, Ctrl-C included, and every wait has a
# deadline. It talks to 127.0.0.0/8 only and refuses any other BENCH_HOST.
set -uo pipefail
SELF=$(realpath "${BASH_SOURCE[0]}")
cd "$(dirname "$SELF")/.." || exit 1
ROOT=$PWD

MODE=full
ROUNDS_ARG=""
SCENARIOS=(iperf streams echo slowread)
ALL_PROXIES=(direct splice4j haproxy haproxy-splice c-splice)
ONLY_ARG=""
PROXIES_ARG=""
# in_list WORD LIST: WORD is one of the comma-separated LIST
in_list() { [[ ,$2, == *,"$1",* ]]; }
# check_list FLAG LIST ALLOWED...: every word of LIST is allowed, or the script stops
check_list() {
    local flag=$1 word words
    IFS=, read -r -a words <<< "$2"
    shift 2
    (( ${#words[@]} )) || { echo "$flag wants a comma-separated list of: $*" >&2; exit 2; }
    for word in "${words[@]}"; do in_list "$word" "$(IFS=,; echo "$*")" || { echo "$flag: unknown '$word' (one of: $*)" >&2; exit 2; }; done
}
while (( $# )); do
    arg=$1
    shift
    case "$arg" in
        --quick) MODE=quick ;;
        --full) MODE=full ;;
        --rounds)
            ROUNDS_ARG=${1:-}
            shift
            [[ $ROUNDS_ARG =~ ^[1-9][0-9]?$ ]] || { echo "--rounds wants 1-99" >&2; exit 2; } ;;
        --only) ONLY_ARG=${1:-}; shift; check_list --only "$ONLY_ARG" "${SCENARIOS[@]}" ;;
        --proxies) PROXIES_ARG=${1:-}; shift; check_list --proxies "$PROXIES_ARG" "${ALL_PROXIES[@]}" ;;
        -h|--help) sed -n '2,/^set -uo/p' "$SELF" | sed '$d'; exit 0 ;;
        *) echo "unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [[ $MODE == quick ]]; then
    ROUNDS=1; IPERF_SECONDS=1; IPERF_STREAMS=(4 128); STREAM_CONNS=200; STREAM_SECONDS=1
    CAPACITY_CONNS=1000; RATE_CONNS=32; RATE_SECONDS=1; PING_SECONDS=1; PING_SPECS=(1x64 200x64)
    WARMUP_SECONDS=0; CAPACITY_STALL=2 # no warm-up: quick figures are for smoke, not for reading
    SLOW_CONNS=200; SLOW_MIB=1; SLOW_HOLD=2; SLOW_CHECK_CONNS=4
else
    ROUNDS=3; IPERF_SECONDS=2; IPERF_STREAMS=(1 4 16 128); STREAM_CONNS=1000; STREAM_SECONDS=2
    CAPACITY_CONNS=9000; RATE_CONNS=64; RATE_SECONDS=2; PING_SECONDS=1
    PING_SPECS=(1x64 1x16384 100x64 100x16384 1000x64); WARMUP_SECONDS=2; CAPACITY_STALL=3
    SLOW_CONNS=3000; SLOW_MIB=64; SLOW_HOLD=10; SLOW_CHECK_CONNS=8
fi
ROUNDS=${ROUNDS_ARG:-$ROUNDS}
SLOW_CONNS=${SLOWREAD_CONNS:-$SLOW_CONNS}; SLOW_MIB=${SLOWREAD_MIB:-$SLOW_MIB}; SLOW_HOLD=${SLOWREAD_HOLD:-$SLOW_HOLD}
[[ $SLOW_CONNS =~ ^[1-9][0-9]{0,4}$ && $SLOW_MIB =~ ^[1-9][0-9]{0,3}$ && $SLOW_HOLD =~ ^[1-9][0-9]{0,2}$ ]] \
    || { echo "SLOWREAD_CONNS (1-99999), SLOWREAD_MIB (1-9999) and SLOWREAD_HOLD (1-999 s) want whole numbers" >&2; exit 2; }
SLOW_BYTES=$((SLOW_MIB * 1048576))
SLOW_REQUEST=100 # bytes each slow reader sends before it stops reading: about an HTTP GET
ran() { in_list "$1" "${ONLY_ARG:-$(IFS=,; echo "${SCENARIOS[*]}")}"; }      # ran SCENARIO: it is part of this run
wanted() { in_list "$1" "${PROXIES_ARG:-$(IFS=,; echo "${ALL_PROXIES[*]}")}"; } # wanted PROXY: it is part of this run
PROXIES=("${ALL_PROXIES[@]}")

HOST=${BENCH_HOST:-127.0.77.1}
if [[ ! $HOST =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "BENCH_HOST must be a 127.0.0.0/8 address, got '$HOST'" >&2
    exit 2
fi

STAMP=$(date -u +%Y-%m-%d)
# only a standard full run lands in the committed results
if [[ $MODE == full && -z $ROUNDS_ARG$ONLY_ARG$PROXIES_ARG${SLOWREAD_CONNS:-}${SLOWREAD_MIB:-}${SLOWREAD_HOLD:-} ]]; then
    OUT_DIR=$ROOT/bench/results
else
    OUT_DIR=$ROOT/bench/target/results
fi
WORK=$ROOT/bench/target/run-$$
mkdir -p "$WORK" "$OUT_DIR"
RAW=$WORK/raw.tsv         # scenario-key <tab> proxy <tab> round <tab> value
LOG=$WORK/results.log     # every RESULT line, as printed by the load generator
: > "$RAW"; : > "$LOG"

# ---------- processes: every one is recorded and stopped by its PID ----------

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for _ in $(seq 30); do
        local alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        (( alive )) || break
        sleep 0.1
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    PIDS=()
}
trap cleanup EXIT
trap 'echo "interrupted: stopping everything" >&2; exit 130' INT TERM

forget_pid() {
    local keep=() pid
    for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
    PIDS=(${keep[@]+"${keep[@]}"})
}

stop_pid() { # stop_pid PID: TERM, up to 3 s, then KILL
    local pid=$1
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    forget_pid "$pid"
}

# run_fg SECONDS OUTFILE CMD...: runs a command with a deadline, its PID recorded while it runs
run_fg() {
    local limit=$1 out=$2
    shift 2
    timeout -k 2 "$limit" "$@" > "$out" 2>> "$WORK/clients.err" &
    local pid=$!
    PIDS+=("$pid")
    wait "$pid"
    local rc=$?
    forget_pid "$pid"
    return $rc
}

cpu_of() { # utime + stime of PID in seconds
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    stat=${stat##*') '} # the command name may hold spaces
    local f=($stat)
    echo "${f[11]} ${f[12]}" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($1 + $2) / hz }'
}

listening() { # listening PORT: some TCP socket listens on PORT (any address)
    awk -v port="$(printf ':%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == port { found = 1; exit }
        END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

wait_listen() { # wait_listen PORT SECONDS PID: until PORT listens; fails if PID died or time is up
    local port=$1 deadline=$((SECONDS + $2)) pid=${3:-}
    until listening "$port"; do
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
        (( SECONDS < deadline )) || return 1
        sleep 0.05
    done
}

field() { # field KEY LINE: the value of key=value in a RESULT line
    local kv
    for kv in $2; do [[ $kv == "$1="* ]] && { echo "${kv#*=}"; return; }; done
    echo ""
}

record() { # record KEY PROXY ROUND VALUE
    [[ -n $4 ]] && printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RAW"
}

# ---------- tools ----------

say() { echo "[$(date -u +%H:%M:%S)] $*"; }

missing=()
command -v haproxy > /dev/null || missing+=(haproxy)
command -v iperf3 > /dev/null || missing+=(iperf3)
if (( ${#missing[@]} )); then
    say "installing ${missing[*]} with apt-get (not found on PATH)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
            > "$WORK/apt.log" 2>&1; then
        say "WARNING: apt-get failed (see $WORK/apt.log); what is missing is skipped"
    fi
fi
HAVE_HAPROXY=0; command -v haproxy > /dev/null && HAVE_HAPROXY=1
HAVE_IPERF=0; command -v iperf3 > /dev/null && HAVE_IPERF=1
command -v gcc > /dev/null || { echo "gcc is needed to build bench/c" >&2; exit 1; }

BIN=$ROOT/bench/target/bin
mkdir -p "$BIN"
for tool in loadgen splice-forwarder; do
    gcc -O2 -Wall -Wextra -pthread -o "$BIN/$tool" "bench/c/$tool.c" || { echo "building $tool failed" >&2; exit 1; }
done
LOADGEN=$BIN/loadgen

find_java() {
    local candidate version
    for candidate in ${JAVA:-} ${JAVA_HOME:+$JAVA_HOME/bin/java} $(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | sort -rV); do
        [[ -x $candidate ]] || continue
        version=$("$candidate" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ { print $2 }')
        if [[ $version =~ ^[0-9]+$ ]] && (( version >= 22 )); then echo "$candidate"; return; fi
    done
}
JAVA_BIN=$(find_java)
[[ -n $JAVA_BIN ]] || { echo "no JDK 22+ found (set JAVA)" >&2; exit 1; }

if [[ -n ${SPLICE4J_JAR:-} ]]; then
    JAR=$SPLICE4J_JAR
else
    say "building the forwarder jar (./mvnw -B -q package -DskipTests)"
    ./mvnw -B -q package -DskipTests > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
    JAR=$(ls target/splice4j-*-SNAPSHOT.jar 2>/dev/null | grep -v -e '-sources' -e '-javadoc' | head -1)
fi
[[ -f $JAR ]] || { echo "forwarder jar '$JAR' not found" >&2; exit 1; }
read -r -a SPLICE4J_EXTRA <<< "${SPLICE4J_ARGS:-}"
read -r -a JAVA_OPTS <<< "${SPLICE4J_JAVA_OPTS:-}"

# Processes started from here inherit the higher soft limit (the load generator and the servers
# raise theirs to the hard limit themselves as well).
FD_HARD=$(ulimit -Hn)
[[ $FD_HARD == unlimited ]] && FD_HARD=1048576
ulimit -n "$(( FD_HARD < 20000 ? FD_HARD : 20000 ))" 2>/dev/null || ulimit -n "$FD_HARD"
NOFILE=$(ulimit -n)

pick_port_base() {
    local base port busy
    for base in $(seq 23000 200 30800 | shuf); do
        busy=0
        for port in $(seq "$base" $((base + 59))); do listening "$port" && { busy=1; break; }; done
        (( busy )) || { echo "$base"; return; }
    done
    echo 23000
}
PORT_BASE=${BENCH_PORT_BASE:-$(pick_port_base)}
IPERF_PORT=$PORT_BASE
ECHO_PORT=$((PORT_BASE + 1))
SINK_PORT=$((PORT_BASE + 2))
SOURCE_PORT=$((PORT_BASE + 3))

# ---------- machine ----------

CORES=$(nproc)
CPU_MODEL=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
KERNEL=$(uname -r)
JDK=$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.runtime.version/ { v = $2 } /java.vendor = / { n = $2 } END { print v " (" n ")" }')
HAPROXY_VERSION=$( ((HAVE_HAPROXY)) && haproxy -v 2>/dev/null | awk 'NR == 1 { print $3 }')
IPERF_VERSION=$( ((HAVE_IPERF)) && iperf3 --version 2>/dev/null | awk 'NR == 1 { print $2 }')
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "mode $MODE: $ROUNDS round(s); $CORES cores ($CPU_MODEL), Linux $KERNEL, JDK $JDK; jar $JAR; SPLICE4J_ARGS='${SPLICE4J_ARGS:-}'; ports $PORT_BASE+; fds $NOFILE"
say "work directory $WORK"

# ---------- backends and proxies ----------

BACKEND_PID=""
start_servers() {
    "$LOADGEN" serve --echo "$HOST:$ECHO_PORT" --sink "$HOST:$SINK_PORT" --source "$HOST:$SOURCE_PORT" \
        --source-bytes "$SLOW_BYTES" --threads 2 > "$WORK/server.log" 2>&1 &
    BACKEND_PID=$!
    PIDS+=("$BACKEND_PID")
    wait_listen "$ECHO_PORT" 5 "$BACKEND_PID" && wait_listen "$SINK_PORT" 5 "$BACKEND_PID" \
        && wait_listen "$SOURCE_PORT" 5 "$BACKEND_PID" || { echo "echo/sink/source server did not start" >&2; exit 1; }
}

declare -A PROXY_PID PROXY_PORT
GROUP=0

haproxy_config() { # haproxy_config PORT BACKEND_PORT SPLICE(0|1)
    # 2 fds per connection plus 2 per pipe must fit under the hard limit, or HAProxy refuses to start
    local maxconn=$(( (FD_HARD - 1000) / 2 > 20000 ? 20000 : (FD_HARD - 1000) / 2 ))
    local maxpipes=$(( (FD_HARD - 2 * maxconn - 100) / 2 ))
    (( maxpipes > maxconn / 4 )) && maxpipes=$((maxconn / 4)) # HAProxy's own default
    cat <<EOF
global
    maxconn $maxconn
    maxpipes $maxpipes
    nbthread 2
defaults
    mode tcp
    maxconn $maxconn
    timeout connect 5s
    timeout client 120s
    timeout server 120s
listen fwd
    bind $HOST:$1
$( (($3)) && printf '    option splice-request\n    option splice-response\n')
    server backend $HOST:$2
EOF
}

start_proxy() { # start_proxy NAME BACKEND_PORT: sets PROXY_PID[NAME] and PROXY_PORT[NAME]
    local name=$1 backend=$2 index pid port
    for index in "${!PROXIES[@]}"; do [[ ${PROXIES[$index]} == "$name" ]] && break; done
    port=$((PORT_BASE + 10 + GROUP * 10 + index))
    local log=$WORK/$name-g$GROUP.log
    wanted "$name" || { PROXY_PID[$name]=""; PROXY_PORT[$name]=""; return 1; }
    case $name in
        direct) PROXY_PID[$name]=""; PROXY_PORT[$name]=$backend; return 0 ;;
        splice4j)
            "$JAVA_BIN" ${JAVA_OPTS[@]+"${JAVA_OPTS[@]}"} -jar "$JAR" --listen "$HOST:$port" \
                --connect "$HOST:$backend" ${SPLICE4J_EXTRA[@]+"${SPLICE4J_EXTRA[@]}"} > "$log" 2>&1 &
            pid=$! ;;
        haproxy|haproxy-splice)
            (( HAVE_HAPROXY )) || return 1
            haproxy_config "$port" "$backend" "$([[ $name == haproxy-splice ]] && echo 1 || echo 0)" > "$WORK/$name-g$GROUP.cfg"
            haproxy -db -f "$WORK/$name-g$GROUP.cfg" > "$log" 2>&1 &
            pid=$! ;;
        c-splice)
            "$BIN/splice-forwarder" --listen "$HOST:$port" --connect "$HOST:$backend" --threads 2 > "$log" 2>&1 &
            pid=$! ;;
    esac
    PIDS+=("$pid")
    if ! wait_listen "$port" 20 "$pid"; then
        say "WARNING: $name did not start (see $log)"
        stop_pid "$pid"
        PROXY_PID[$name]=""; PROXY_PORT[$name]=""
        return 1
    fi
    PROXY_PID[$name]=$pid
    PROXY_PORT[$name]=$port
}

# Starts every proxy in front of BACKEND_PORT for one group of scenarios.
start_group() {
    GROUP=$((GROUP + 1))
    local name
    for name in "${PROXIES[@]}"; do start_proxy "$name" "$1"; done
}

stop_group() {
    local name
    for name in "${PROXIES[@]}"; do
        [[ -n ${PROXY_PID[$name]:-} ]] && stop_pid "${PROXY_PID[$name]}"
        PROXY_PID[$name]=""
    done
}

# usable NAME: the proxy is up (restarted once if it died: that is reported)
usable() {
    local name=$1
    [[ -n ${PROXY_PORT[$name]:-} ]] || return 1
    [[ $name == direct ]] && return 0
    if ! kill -0 "${PROXY_PID[$name]}" 2>/dev/null; then
        say "WARNING: $name died (see $WORK/$name-g$GROUP.log); restarting it"
        start_proxy "$name" "$CURRENT_BACKEND" || return 1
    fi
}

# round_order ROUND: the proxies, rotated by one per round so that none always runs first
round_order() {
    local n=${#PROXIES[@]} i
    for ((i = 0; i < n; i++)); do echo "${PROXIES[$(( (i + $1 - 1) % n ))]}"; done
}

# ---------- scenario 1: throughput ----------

iperf_once() { # iperf_once PROXY STREAMS SECONDS KEY ROUND (KEY empty: warm-up)
    local name=$1 streams=$2 secs=$3 key=$4 round=$5 pid=${PROXY_PID[$1]:-}
    "$(command -v iperf3)" -s -1 -B "$HOST" -p "$IPERF_PORT" > "$WORK/iperf-server.log" 2>&1 &
    local server=$!
    PIDS+=("$server")
    if ! wait_listen "$IPERF_PORT" 5 "$server"; then stop_pid "$server"; return 1; fi
    local cpu0 cpu1 out=$WORK/iperf.json
    cpu0=$([[ -n $pid ]] && cpu_of "$pid")
    run_fg $((secs + 20)) "$out" iperf3 -c "$HOST" -p "${PROXY_PORT[$name]}" -P "$streams" -t "$secs" -J
    cpu1=$([[ -n $pid ]] && cpu_of "$pid")
    stop_pid "$server"
    [[ -n $key ]] || return 0
    local bytes seconds
    read -r bytes seconds < <(jq -r '[.end.sum_received.bytes // 0, .end.sum_received.seconds // 0] | @tsv' "$out" 2>/dev/null)
    if [[ -z $bytes || $bytes == 0 || $seconds == 0 ]]; then
        say "  $name -P $streams: iperf3 failed: $(jq -r '.error // "no output"' "$out" 2>/dev/null | head -1)"
        return 1
    fi
    local gibs cpug
    gibs=$(awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.3f", b / s / 2^30 }')
    record "$key.gibs" "$name" "$round" "$gibs"
    if [[ -n $pid ]]; then
        cpug=$(awk -v b="$bytes" -v c0="$cpu0" -v c1="$cpu1" 'BEGIN { printf "%.3f", (c1 - c0) / (b / 2^30) }')
        record "$key.cpu" "$name" "$round" "$cpug"
    fi
    echo "RESULT mode=iperf3 proxy=$name streams=$streams bytes=$bytes seconds=$seconds gib_per_s=$gibs cpu_s_per_gib=${cpug:-} round=$round" >> "$LOG"
    say "  $name -P $streams: $gibs GiB/s, ${cpug:--} CPU-s/GiB"
}

# loadgen_once PROXY KEY ROUND LIMIT ARGS...: runs the load generator through PROXY; its RESULT line
# goes to $line (not through a command substitution: the subshell would hide the PID from cleanup)
loadgen_once() {
    local name=$1 key=$2 round=$3 limit=$4
    shift 4
    local pid=${PROXY_PID[$name]:-} out=$WORK/loadgen.out
    local pid_args=()
    [[ -n $pid ]] && pid_args=(--cpu-pid "$pid")
    [[ ($1 == hold || $1 == slowread) && -n $pid ]] && pid_args=(--stats-pid "$pid")
    run_fg "$limit" "$out" "$LOADGEN" "$@" --connect "$HOST:${PROXY_PORT[$name]}" ${pid_args[@]+"${pid_args[@]}"}
    line=$(grep '^RESULT' "$out" | tail -1)
    [[ -n $key && -n $line ]] && echo "$line proxy=$name key=$key round=$round" >> "$LOG"
    return 0
}

sum_fields() { # sum_fields LINE KEY...: the sum of those fields (missing ones count 0)
    local line=$1 total=0 v
    shift
    for key in "$@"; do v=$(field "$key" "$line"); total=$((total + ${v:-0})); done
    echo "$total"
}

# round_robin FUNC: FUNC NAME ROUND for every round and every proxy that is up, interleaved
round_robin() {
    local round name
    for round in $(seq "$ROUNDS"); do
        for name in $(round_order "$round"); do
            usable "$name" && "$1" "$name" "$round"
        done
    done
}

# record_fields PREFIX NAME ROUND METRIC=FIELD...: records fields of $line; the proxy's own
# figures (cpu, threads, rss, fds) are not recorded for direct, which has no proxy, nor is -1, the
# load generator's "unknown" (no sample, or the proxy gone)
record_fields() {
    local prefix=$1 name=$2 round=$3 pair metric value text=""
    shift 3
    for pair in "$@"; do
        metric=${pair%%=*}
        [[ $name == direct && $metric =~ ^(cpu|threads|rss|fds)$ ]] && continue
        value=$(field "${pair#*=}" "$line")
        [[ $value =~ ^-1(\.0+)?$ ]] || record "$prefix.$metric" "$name" "$round" "$value"
        text+=" $metric $value,"
    done
    say "  $prefix, $name:${text%,}"
}

iperf_p() { iperf_once "$1" "$IPERF_P" "$IPERF_SECONDS" "tp.p$IPERF_P" "$2"; }

scenario_throughput() {
    (( HAVE_IPERF )) || { say "WARNING: no iperf3: the iperf3 throughput scenario is skipped"; return; }
    CURRENT_BACKEND=$IPERF_PORT
    start_group "$IPERF_PORT"
    say "scenario 1: throughput with iperf3"
    local name
    (( WARMUP_SECONDS )) && for name in "${PROXIES[@]}"; do usable "$name" && iperf_once "$name" 4 "$WARMUP_SECONDS" "" 0; done
    for IPERF_P in "${IPERF_STREAMS[@]}"; do round_robin iperf_p; done
    stop_group
}

measure_streams() {
    loadgen_once "$1" streams "$2" $((STREAM_SECONDS + 90)) stream --conns "$STREAM_CONNS" --threads 2 --warmup 1 \
        --seconds "$STREAM_SECONDS"
    [[ -n $line ]] || { say "  $1: no result"; return; }
    line+=" lost_any=$(sum_fields "$line" lost errors connect_failed)"
    record_fields streams "$1" "$2" gibs=gib_per_s cpu=cpu_s_per_gib lost=lost_any starved=starved
}

scenario_streams() {
    CURRENT_BACKEND=$SINK_PORT
    start_group "$SINK_PORT"
    say "scenario 1b: $STREAM_CONNS one-way streams into the sink"
    local name
    (( WARMUP_SECONDS )) && for name in "${PROXIES[@]}"; do
        usable "$name" && loadgen_once "$name" "" 0 60 stream --conns 100 --threads 2 --seconds "$WARMUP_SECONDS"
    done
    round_robin measure_streams
    stop_group
}

# ---------- scenarios 2-4 against the echo server ----------

measure_rate() {
    loadgen_once "$1" rate "$2" $((RATE_SECONDS + 30)) rate --conns "$RATE_CONNS" --threads 2 --size 1024 \
        --warmup 0.5 --seconds "$RATE_SECONDS"
    [[ -n $line ]] || { say "  $1: no result"; return; }
    record_fields rate "$1" "$2" cps=conns_per_s errors=errors cpu=cpu_us_per_conn
}

measure_ping() {
    loadgen_once "$1" "lat.$PING_SPEC" "$2" 70 ping --conns "${PING_SPEC%x*}" \
        --size "${PING_SPEC#*x}" --warmup 0.5 --seconds "$PING_SECONDS"
    [[ -n $line ]] || { say "  $1: no result"; return; }
    record_fields "lat.$PING_SPEC" "$1" "$2" p50=p50_us p99=p99_us p999=p999_us starved=starved errors=errors
}

measure_capacity() {
    loadgen_once "$1" capacity "$2" 150 hold --conns "$CAPACITY_CONNS" --hold 1 --stall "$CAPACITY_STALL" --deadline 90
    [[ -n $line ]] || { say "  $1: no result"; return; }
    record_fields cap "$1" "$2" echoed=echoed failed=failed unanswered=unanswered ended=ended open_s=open_s \
        threads=proxy_threads rss=proxy_rss_mb fds=proxy_fds
}

scenario_echo_group() {
    CURRENT_BACKEND=$ECHO_PORT
    start_group "$ECHO_PORT"
    local name
    (( WARMUP_SECONDS )) && say "warm-up against the echo server"
    # The rate run warms what ping-pong never runs: accept, connect, relay start and end (in a JVM
    # those are compiled while measured otherwise, and the compiler's CPU counts per connection).
    (( WARMUP_SECONDS )) && for name in "${PROXIES[@]}"; do
        usable "$name" && loadgen_once "$name" "" 0 60 ping --conns 10 --size 1024 --warmup 0 --seconds "$WARMUP_SECONDS"
        usable "$name" && loadgen_once "$name" "" 0 60 rate --conns "$RATE_CONNS" --threads 2 --size 1024 --warmup 0 \
            --seconds "$WARMUP_SECONDS"
    done
    say "scenario 3: connection rate, $RATE_CONNS clients looping connect -> 1 KiB -> echo -> close"
    round_robin measure_rate
    say "scenario 4: latency, closed-loop ping-pong (connections x bytes)"
    for PING_SPEC in "${PING_SPECS[@]}"; do round_robin measure_ping; done
    # last: a forwarder that runs out of fds here can't spoil the other scenarios
    say "scenario 2: capacity, $CAPACITY_CONNS connections held at once"
    round_robin measure_capacity
    stop_group
}

# ---------- scenario 5: slow readers ----------

NOTES=$WORK/notes.txt # lines for the report, under the table
: > "$NOTES"

# slow_fetch PROXY KEY: normal clients through the proxy, each reads the source's whole stream and
# checks it (KEY empty: the warm-up); their errors are recorded as KEY.errors
slow_fetch() {
    loadgen_once "$1" "$2" 1 120 fetch --conns "$SLOW_CHECK_CONNS" --request "$SLOW_REQUEST" \
        --source-bytes "$SLOW_BYTES" --stall 10 --deadline 90
    [[ -n $2 ]] || return 0
    [[ -n $line ]] || { say "  $1: no result from the normal clients"; record "$2.errors" "$1" 1 "$SLOW_CHECK_CONNS"; return; }
    record_fields "$2" "$1" 1 errors=errors ok=ok gibs=gib_per_s
}

# slow_wave PROXY WAVE: one wave of clients that never read, held, then closed; records slow.wWAVE.*
slow_wave() {
    local name=$1 key=slow.w$2
    loadgen_once "$name" "$key" 1 $((90 + SLOW_HOLD + 10 + 30)) slowread --conns "$SLOW_CONNS" \
        --request "$SLOW_REQUEST" --hold "$SLOW_HOLD" --settle 10 --stall 10 --deadline 90
    [[ -n $line ]] || { say "  $name, wave $2: no result"; return 1; }
    record_fields "$key" "$name" 1 held=held failed=failed dropped=dropped start=proxy_rss_mb_before \
        peak=proxy_rss_mb_peak after=proxy_rss_mb_after threads=proxy_threads_peak fds=proxy_fds_peak
    local tcp_mem limit
    tcp_mem=$(field tcp_mem_mb_peak "$line"); limit=$(field tcp_mem_mb_limit "$line")
    say "  $key, $name: opened in $(field open_s "$line") s ($(field ended "$line")), fds back in $(field settle_s "$line") s; kernel TCP memory up to $tcp_mem MB of $limit"
    if awk -v m="$tcp_mem" -v l="$limit" 'BEGIN { exit !(l > 0 && m >= 0.9 * l) }'; then
        echo "$name, wave $2: the kernel's TCP memory reached $tcp_mem MB of its $limit MB limit (net.ipv4.tcp_mem): sockets were short of buffers" >> "$NOTES"
    fi
}

# One proxy at a time, each started afresh: warm-up (normal clients), wave 1, wave 2, normal clients.
scenario_slowread() {
    CURRENT_BACKEND=$SOURCE_PORT
    GROUP=$((GROUP + 1))
    say "scenario 5: slow readers, 2 waves of $SLOW_CONNS clients that send $SLOW_REQUEST bytes and never read, $SLOW_MIB MiB offered to each, held $SLOW_HOLD s"
    local name start peak
    for name in "${PROXIES[@]}"; do
        [[ $name == direct ]] && continue
        start_proxy "$name" "$SOURCE_PORT" || continue
        slow_fetch "$name" "" # warm-up: the proxy has served before its RSS counts as the start
        slow_wave "$name" 1
        slow_wave "$name" 2
        kill -0 "${PROXY_PID[$name]}" 2>/dev/null || say "WARNING: $name died in the slow-reader waves (see $WORK/$name-g$GROUP.log)"
        slow_fetch "$name" slow.check
        start=$(awk -F'\t' -v p="$name" '$1 == "slow.w1.start" && $2 == p { print $4 }' "$RAW")
        peak=$(awk -F'\t' -v p="$name" '($1 == "slow.w1.peak" || $1 == "slow.w2.peak") && $2 == p && $4 > m { m = $4 } END { print m }' "$RAW")
        [[ -n $start && -n $peak ]] && record slow.growth "$name" 1 "$(awk -v a="$peak" -v b="$start" 'BEGIN { printf "%.1f", a - b }')"
        stop_pid "${PROXY_PID[$name]}"
        PROXY_PID[$name]=""
    done
}

# ---------- run ----------

T0=$SECONDS
start_servers
ran iperf && scenario_throughput
ran streams && scenario_streams
ran echo && scenario_echo_group
ran slowread && scenario_slowread
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((SECONDS - T0))

# ---------- report ----------

# Rows: key | label | goal. Keys ending in "@add" are the median minus direct's median.
ROWS=$WORK/rows.txt
( # a subshell: "exit" below ends the rows, not the script
    ran iperf && for p in "${IPERF_STREAMS[@]}"; do
        goal=""; cgoal=""
        [[ $p != 1 ]] && { goal="ge:c:1.0"; cgoal="le:c:1.15"; }
        echo "tp.p$p.gibs|Throughput, iperf3 -P $p (GiB/s)|$goal|hi"
        echo "tp.p$p.cpu|CPU-s per GiB, iperf3 -P $p|$cgoal|lo"
    done
    ran streams && cat <<EOF
streams.gibs|Throughput, $STREAM_CONNS streams (GiB/s)|ge:c:1.0|hi
streams.cpu|CPU-s per GiB, $STREAM_CONNS streams|le:c:1.15|lo
streams.lost|Streams with a byte lost or an error, $STREAM_CONNS streams|eq:0|lo
streams.starved|Streams that sent nothing while measured|eq:0|lo
EOF
    ran echo || exit 0 # the rest of this block is the echo group's
    echo "cap.echoed|Capacity: connections echoed and held, of $CAPACITY_CONNS|eq:$CAPACITY_CONNS|hi"
    echo "cap.threads|Capacity: proxy threads while held|le:$((2 * CORES + 8))|lo"
    echo "cap.rss|Capacity: proxy RSS while held (MB)|le:256|lo"
    echo "cap.fds|Capacity: proxy open fds while held||lo"
    echo "rate.cps|Connection rate, $RATE_CONNS clients (conn/s)|ge:h:1.0|hi"
    echo "rate.cpu|CPU-µs per connection|le:h:1.0|lo"
    echo "rate.errors|Connection errors|eq:0|lo"
    for spec in "${PING_SPECS[@]}"; do
        c=${spec%x*}; s=${spec#*x}; label="$c conn × $s B"
        [[ $s == 16384 ]] && label="$c conn × 16 KiB"
        goal=""; [[ $spec == 1x64 || $spec == "${PING_SPECS[-1]}" ]] && goal="le:h:1.0"
        echo "lat.$spec.p50|Latency p50, $label (µs)||lo"
        echo "lat.$spec.p99|Latency p99, $label (µs)||lo"
        echo "lat.$spec.p999|Latency p99.9, $label (µs)||lo"
        echo "lat.$spec.p50@add|Added p50 over direct, $label (µs)||lo"
        echo "lat.$spec.p99@add|Added p99 over direct, $label (µs)|$goal|lo"
        echo "lat.$spec.starved|Starved connections, $label|eq:0|lo"
    done
) > "$ROWS"
ran slowread && cat >> "$ROWS" <<EOF
slow.w1.start|Slow readers: proxy RSS at start (MB)||lo
slow.w1.peak|Slow readers: RSS peak, wave 1 (MB)||lo
slow.w1.after|Slow readers: RSS after wave 1 left (MB)||lo
slow.w2.peak|Slow readers: RSS peak, wave 2 (MB)||lo
slow.w2.after|Slow readers: RSS after wave 2 left (MB)||lo
slow.growth|Slow readers: RSS growth, peak − start (MB)||lo
slow.w1.held|Slow readers: clients held, wave 1, of $SLOW_CONNS|eq:$SLOW_CONNS|hi
slow.w2.held|Slow readers: clients held, wave 2, of $SLOW_CONNS|eq:$SLOW_CONNS|hi
slow.w2.threads|Slow readers: proxy threads at peak, wave 2||lo
slow.w2.fds|Slow readers: proxy fds at peak, wave 2||lo
slow.check.errors|Slow readers: errors of $SLOW_CHECK_CONNS normal clients after both waves|eq:0|lo
EOF

TABLE=$WORK/table.md
awk -F'\t' -v rows="$ROWS" -v proxies="${PROXIES[*]}" '
function median(list,    a, n, i, j, t) {
    n = split(list, a, " ")
    if (n == 0) return ""
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function value(key, p,    base, m, d) {
    if (key ~ /@add$/) {
        base = substr(key, 1, length(key) - 4)
        if (p == "direct") return ""
        m = median(vals[base, p]); d = median(vals[base, "direct"])
        return (m == "" || d == "") ? "" : m - d
    }
    return median(vals[key, p])
}
function fmt(v,    m) {
    if (v == "") return "n/a"
    m = v < 0 ? -v : v
    if (v ~ /^-?[0-9]+$/ || m >= 100) return sprintf("%.0f", v)
    return sprintf(m >= 10 ? "%.1f" : m >= 1 ? "%.2f" : "%.3f", v)
}
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2f", a / b) }
function verdict(goal, s, h, c,    g, ref) {
    if (goal == "" || s == "") return goal == "" ? "" : "n/a"
    split(goal, g, ":")
    if (g[1] == "eq") return (s + 0 == g[2] + 0) ? "PASS" : "FAIL"
    if (g[2] == "c" || g[2] == "h") {
        ref = g[2] == "c" ? c : h
        if (ref == "" || ref + 0 == 0) return "n/a"
        if (g[1] == "ge") return (s / ref >= g[3]) ? "PASS" : "FAIL"
        return (s / ref <= g[3]) ? "PASS" : "FAIL"
    }
    if (g[1] == "le") return (s + 0 <= g[2] + 0) ? "PASS" : "FAIL"
    return (s + 0 >= g[2] + 0) ? "PASS" : "FAIL"
}
function goaltext(goal,    g) {
    if (goal == "") return ""
    split(goal, g, ":")
    if (g[1] == "eq") return "= " g[2]
    if (g[2] == "c") return (g[1] == "ge" ? "≥ " : "≤ ") g[3] "× C"
    if (g[2] == "h") return (g[1] == "ge" ? "≥ " : "≤ ") "HAProxy"
    return (g[1] == "ge" ? "≥ " : "≤ ") g[2]
}
{ vals[$1, $2] = vals[$1, $2] " " $4 }
END {
    np = split(proxies, P, " ")
    printf "| Metric | direct | splice4j | HAProxy | HAProxy splice | C splice | splice4j ÷ HAProxy | splice4j ÷ C splice | Goal (splice4j) |\n"
    printf "|---|--:|--:|--:|--:|--:|--:|--:|---|\n"
    while ((getline line < rows) > 0) {
        split(line, r, "|")
        key = r[1]; s = value(key, "splice4j"); h = value(key, "haproxy"); c = value(key, "c-splice")
        printf "| %s |", r[2]
        for (i = 1; i <= np; i++) printf " %s |", (key ~ /(cpu|threads|rss|fds)$/ || key ~ /@add$/ || key ~ /^slow\./) && P[i] == "direct" ? "–" : fmt(value(key, P[i]))
        g = verdict(r[3], s, h, c)
        counted = key ~ /(lost|starved|errors)$/ # ratios of counts that should be 0 say nothing
        printf " %s | %s | %s |\n", counted ? "" : ratio(s, h), counted ? "" : ratio(s, c), (r[3] == "" ? "" : goaltext(r[3]) ": " g)
        # the baseline must beat every proxy, or the load generator is what was measured
        if (key ~ /(gibs|cps|p50)$/) {
            d = value(key, "direct")
            for (i = 2; i <= np; i++) {
                v = value(key, P[i])
                if (d == "" || v == "") continue
                if ((r[4] == "hi" && v + 0 > d + 0) || (r[4] == "lo" && v + 0 < d + 0))
                    warn = warn sprintf("WARNING: %s: %s (%s) beats direct (%s): the load generator, not the proxy, is the bottleneck here\n", r[2], P[i], fmt(v), fmt(d))
            }
        }
    }
    printf "%s", warn > "/dev/stderr"
}' "$RAW" > "$TABLE" 2> "$WORK/warnings.txt"

{
    echo "# Forwarder comparison, $(date -u '+%Y-%m-%d %H:%M UTC') ($MODE mode)"
    echo
    echo "- Machine: $CORES cores ($CPU_MODEL), Linux $KERNEL, fd limit $NOFILE; load average $LOAD_BEFORE before, $LOAD_AFTER after"
    echo "- splice4j: $(basename "$JAR") at ${COMMIT:-?}, JDK $JDK, SPLICE4J_ARGS='${SPLICE4J_ARGS:-}', SPLICE4J_JAVA_OPTS='${SPLICE4J_JAVA_OPTS:-}'"
    echo "- HAProxy ${HAPROXY_VERSION:-absent} (mode tcp, nbthread 2), iperf3 ${IPERF_VERSION:-absent}, C splice forwarder and load generator from bench/c (gcc -O2), 2 threads each"
    if ran iperf || ran streams || ran echo; then
        echo "- $ROUNDS round(s), median shown; proxies interleaved round-robin per scenario; run took ${ELAPSED} s"
    else
        echo "- run took ${ELAPSED} s"
    fi
    echo "- Ratios: splice4j's median ÷ the other's. Throughput and rate: higher is better; CPU, latency, threads, RSS, fds: lower is better"
    [[ -n $ONLY_ARG$PROXIES_ARG ]] && echo "- Only scenarios ${ONLY_ARG:-all}, proxies ${PROXIES_ARG:-all}"
    ran slowread && echo "- Slow readers: one proxy at a time, started afresh; 2 waves of $SLOW_CONNS clients that send $SLOW_REQUEST bytes and never read, $SLOW_MIB MiB offered to each by the source, held $SLOW_HOLD s, closed with RST; one round"
    echo
    cat "$TABLE"
    if [[ -s $WORK/warnings.txt || -s $NOTES ]]; then echo; sed 's/^/- /' "$WORK/warnings.txt" "$NOTES"; fi
} > "$WORK/report.md"

echo
cat "$WORK/report.md"
cp "$WORK/report.md" "$OUT_DIR/$STAMP.md"
cp "$RAW" "$OUT_DIR/$STAMP.tsv"
cp "$LOG" "$OUT_DIR/$STAMP.log"
echo
say "saved $OUT_DIR/$STAMP.md (+ .tsv: every measurement, .log: every load generator result line)"

# A wrong or lost byte is a broken proxy or load generator, not a slow one: fail the run (CI smoke).
corrupt=$(grep -cE ' (mismatches|lost)=[1-9]' "$LOG")
if (( corrupt )); then
    say "FAILED: $corrupt load generator run(s) saw a wrong or lost byte (mismatches= or lost= in $OUT_DIR/$STAMP.log)"
    exit 1
fi

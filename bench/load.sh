#!/usr/bin/env bash
# Load benchmark: `aci-admission serve` against the Go standard-library webhook in
# ../shared/baselines/go-webhook, side by side in one run (absolute numbers on shared 2-core machines
# drift between runs; ratios and server CPU per request hold).
#
# Method (issue #3): both servers pinned to CPU 0, the load generator to CPU 1; TLS 1.3 with an
# RSA-2048 certificate; the Go baseline's ~6 KB Deployment CREATE review; 16 requests in flight;
# RUNS alternating runs per mode, medians reported. Server CPU per request is the server process's
# utime+stime (from /proc) over the run divided by the requests answered. Then paced HTTP/1.1 runs at
# half of aci-admission's measured throughput and at half of the target (0.75x Go's) give the latency
# percentiles below saturation.
#
# usage: bench/load.sh            (DUR=15 RUNS=3 by default; SHARED=path/to/shared if not beside the repo)
# needs: golang-1.19, h2load (nghttp2-client), wrk — `apt-get install -y golang-1.19 nghttp2-client wrk`
script=load.sh tools="go h2load wrk"
source "$(dirname "$0")/lib.sh"
DUR=${DUR:-15}
RUNS=${RUNS:-3}

echo "building aci-admission (release) and the Go baseline…" >&2
(cd "$root" && swift build -c release --product aci-admission >/dev/null)
build_go_baseline

swift_port=18443 go_port=18444
taskset -c 0 "$root/.build/release/aci-admission" serve --listen 127.0.0.1:$swift_port --policy "$here/policy.yaml" \
    --tls-cert "$cert" --tls-key "$key" --state-dir "$work/state" >"$work/swift.log" 2>&1 &
swift_pid=$!; pids+=($swift_pid)
taskset -c 0 "$here/.build-go/go-webhook" -addr 127.0.0.1:$go_port -cert "$cert" -key "$key" >"$work/go.log" 2>&1 &
go_pid=$!; pids+=($go_pid)
for port in $swift_port $go_port; do
    for _ in $(seq 100); do
        curl -s --cacert "$cert" -o /dev/null "https://127.0.0.1:$port/healthz" && break
        sleep 0.1
    done
done
# Both must answer the fixture with a patch before anything is measured.
for port in $swift_port $go_port; do
    curl -sf --cacert "$cert" -H 'content-type: application/json' --data-binary @"$fixture" \
        "https://127.0.0.1:$port/mutate" | grep -q '"patch"' || { echo "load.sh: the server on $port did not patch the fixture" >&2; cat "$work"/*.log >&2; exit 1; }
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# measure NAME PID PORT MODE TOOL → "rps p99_ms cpu_us_per_request"
measure() {
    local pid=$2 port=$3 mode=$4 tool=$5 before after line ok
    before=$(ticks "$pid")
    line=$("$go_dir/load.sh" -P 1 -w 0 -d "$DUR" -T "$tool" "https://127.0.0.1:$port" "$fixture" "$mode")
    after=$(ticks "$pid")
    ok=$(echo "$line" | field ok)
    [ "$(echo "$line" | field bad)" = 0 ] || echo "warning: $1 $mode: $(echo "$line" | field bad) failed requests" >&2
    echo "$(echo "$line" | field rps) $(echo "$line" | field p99_ms) $(awk -v t=$((after - before)) -v hz="$hz" -v n="$ok" 'BEGIN {printf "%.0f", t / hz * 1e6 / n}')"
}

machine
echo "warming up…" >&2
for port in $swift_port $go_port; do "$go_dir/load.sh" -P 1 -w 0 -d 3 "https://127.0.0.1:$port" "$fixture" h1 >/dev/null; done

declare -A results
modes=("h1 h2load" "h1 wrk" "h2mux h2load")
for run in $(seq "$RUNS"); do
    for spec in "${modes[@]}"; do
        set -- $spec
        for server in go swift; do
            if [ $server = swift ]; then pid=$swift_pid port=$swift_port; else pid=$go_pid port=$go_port; fi
            r=$(measure $server $pid $port "$1" "$2")
            echo "run $run $server $1/$2: rps p99_ms cpu_us = $r" >&2
            results["$server $1 $2"]+="$r"$'\n'
        done
    done
done

printf '\n| mode | server | req/s | p99 ms | server CPU µs/request |\n|---|---|---|---|---|\n'
for spec in "${modes[@]}"; do
    set -- $spec
    for server in go swift; do
        rows=${results["$server $1 $2"]}
        printf '| %s (%s) | %s | %s | %s | %s |\n' "$1" "$2" "$([ $server = go ] && echo "Go baseline" || echo aci-admission)" \
            "$(echo "$rows" | awk 'NF {print $1}' | median)" "$(echo "$rows" | awk 'NF {print $2}' | median)" "$(echo "$rows" | awk 'NF {print $3}' | median)"
    done
done
swift_h1=$(echo "${results["swift h1 wrk"]}" | awk 'NF {print $1}' | median)
go_h1=$(echo "${results["go h1 wrk"]}" | awk 'NF {print $1}' | median)
echo
echo "HTTP/1.1 keep-alive throughput ratio (wrk medians): $(awk -v a="$swift_h1" -v b="$go_h1" 'BEGIN {printf "%.2f", a / b}')× the Go webhook"

# Paced, the same offered load on both servers: half of aci-admission's saturated HTTP/1.1 rate, and
# half of the target rate (1.5x the Go webhook's, so 0.75x its measured rate).
for rate in $(awk -v r="$swift_h1" 'BEGIN {printf "%d", r / 2}') $(awk -v r="$go_h1" 'BEGIN {printf "%d", r * 0.75}'); do
    delay=$(awk -v r="$rate" 'BEGIN {d = 16 * 1000 / r - 0.3; if (d < 0) d = 0; printf "%.2f", d}')
    for server in go swift; do
        if [ $server = swift ]; then port=$swift_port; else port=$go_port; fi
        out=$(FIXTURE=$fixture DELAY_MS=$delay timeout -k 5 $((DUR + 30)) taskset -c 1 wrk -t1 -c16 -d "${DUR}s" --latency -s "$here/paced.lua" "https://127.0.0.1:$port/mutate")
        achieved=$(echo "$out" | awk '/^Requests\/sec:/ {printf "%d", $2}')
        p50=$(echo "$out" | awk '/^ +50%/ {print $2}') p99=$(echo "$out" | awk '/^ +99%/ {print $2}')
        echo "paced at ~$rate req/s offered (16 connections, ${delay} ms between requests): $([ $server = go ] && echo "Go baseline" || echo aci-admission) achieved $achieved req/s, p50 $p50, p99 $p99"
    done
done

for server in go swift; do
    pid=$([ $server = swift ] && echo $swift_pid || echo $go_pid)
    echo "$([ $server = go ] && echo "Go baseline" || echo aci-admission) memory: peak RSS $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$pid/status), now $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$pid/status)"
done

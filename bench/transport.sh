#!/usr/bin/env bash
# How much of the webhook's CPU per request is its transport: `aci-admission serve` (Hummingbird),
# the same decision behind a bare SwiftNIO pipeline (bench/Sources/bare-nio-webhook), and the Go
# baseline, each pinned to CPU 0 with wrk on CPU 1, TLS 1.3, HTTP/1.1 keep-alive, 16 connections.
# Two loads: the ~6 KB Deployment CREATE review on /mutate, and a bodyless GET answered without a
# decision (/healthz; a 405 from the bare pipeline) — the floor of TLS + HTTP + framework per request.
#
# usage: bench/transport.sh      (DUR=10 RUNS=3; SHARED=path/to/shared if not beside the repo)
# needs: golang-1.19, wrk — `apt-get install -y golang-1.19 wrk`
script=transport.sh tools="go wrk"
source "$(dirname "$0")/lib.sh"
DUR=${DUR:-10}
RUNS=${RUNS:-3}

echo "building aci-admission, bare-nio-webhook (release) and the Go baseline…" >&2
(cd "$root" && swift build -c release --product aci-admission >/dev/null)
(cd "$here" && swift build -c release --product bare-nio-webhook >/dev/null)
build_go_baseline

declare -A port pid
port[hummingbird]=18443 port[bare-nio]=18445 port[go]=18444
taskset -c 0 "$root/.build/release/aci-admission" serve --listen 127.0.0.1:${port[hummingbird]} --policy "$here/policy.yaml" \
    --tls-cert "$cert" --tls-key "$key" --state-dir "$work/state" >/dev/null 2>&1 &
pid[hummingbird]=$!; pids+=($!)
taskset -c 0 "$here/.build/release/bare-nio-webhook" ${port[bare-nio]} "$cert" "$key" "$here/policy.yaml" >/dev/null 2>&1 &
pid[bare-nio]=$!; pids+=($!)
taskset -c 0 "$here/.build-go/go-webhook" -addr 127.0.0.1:${port[go]} -cert "$cert" -key "$key" >/dev/null 2>&1 &
pid[go]=$!; pids+=($!)
for server in hummingbird bare-nio go; do
    for _ in $(seq 100); do
        curl -sf --cacert "$cert" -H 'content-type: application/json' --data-binary @"$fixture" \
            -o /dev/null "https://127.0.0.1:${port[$server]}/mutate" && break
        sleep 0.1
    done
done

# cpu SERVER LOAD → "req/s cpu_µs_per_request"
cpu() {
    local server=$1 load=$2 before after out n rps
    before=$(ticks "${pid[$server]}")
    if [ "$load" = mutate ]; then
        out=$("$go_dir/load.sh" -P 1 -w 0 -d "$DUR" -T wrk "https://127.0.0.1:${port[$server]}" "$fixture" h1)
        n=$(echo "$out" | sed -n 's/.* ok=\([0-9]*\).*/\1/p') rps=$(echo "$out" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p')
    else
        out=$(taskset -c 1 wrk -t1 -c16 -d "${DUR}s" "https://127.0.0.1:${port[$server]}/healthz")
        n=$(echo "$out" | awk '/requests in/ {print $1}') rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
    fi
    after=$(ticks "${pid[$server]}")
    echo "$rps $(awk -v t=$((after - before)) -v hz="$hz" -v n="$n" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')"
}

machine
echo "warming up…" >&2
for server in hummingbird bare-nio go; do
    "$go_dir/load.sh" -P 1 -w 0 -d 3 -T wrk "https://127.0.0.1:${port[$server]}" "$fixture" h1 >/dev/null
done
declare -A results
for run in $(seq "$RUNS"); do
    for load in mutate floor; do
        for server in hummingbird bare-nio go; do
            r=$(cpu $server $load)
            echo "run $run $server $load: req/s cpu_us = $r" >&2
            results["$server $load"]+="$r"$'\n'
        done
    done
done
printf '\n| server | /mutate req/s | /mutate CPU µs/request | bodyless GET CPU µs/request |\n|---|---|---|---|\n'
for server in hummingbird bare-nio go; do
    printf '| %s | %s | %s | %s |\n' "$server" \
        "$(echo "${results["$server mutate"]}" | awk 'NF {print $1}' | median)" \
        "$(echo "${results["$server mutate"]}" | awk 'NF {print $2}' | median)" \
        "$(echo "${results["$server floor"]}" | awk 'NF {print $2}' | median)"
done

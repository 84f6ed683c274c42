#!/usr/bin/env bash
# How much of the webhook's CPU per request is its transport: `aci-admission serve` (Hummingbird),
# the same decision behind a bare SwiftNIO pipeline (bench/Sources/bare-nio-webhook), and the Go
# baseline, each pinned to CPU 0 with wrk on CPU 1, TLS 1.3, HTTP/1.1 keep-alive, 16 connections.
# Two loads: the ~6 KB Deployment CREATE review on /mutate, and a bodyless GET answered without a
# decision (/healthz; a 405 from the bare pipeline) — the floor of TLS + HTTP + framework per request.
#
# usage: bench/transport.sh      (DUR=10 RUNS=3; SHARED=path/to/shared if not beside the repo)
# needs: golang-1.19, wrk — `apt-get install -y golang-1.19 wrk`
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${SHARED:-$(dirname "$root")/shared}
go_dir=$shared/baselines/go-webhook
fixture=$go_dir/fixtures/deployment-create.json
DUR=${DUR:-10}
RUNS=${RUNS:-3}
export PATH=/usr/lib/go-1.19/bin:$PATH
for tool in go wrk taskset curl; do
    command -v $tool >/dev/null || { echo "transport.sh: $tool is missing (apt-get install -y golang-1.19 wrk)" >&2; exit 2; }
done

echo "building aci-admission, bare-nio-webhook (release) and the Go baseline…" >&2
(cd "$root" && swift build -c release --product aci-admission >/dev/null)
(cd "$here" && swift build -c release --product bare-nio-webhook >/dev/null)
mkdir -p "$here/.build-go"
(cd "$go_dir" && GOPATH=$here/.build-go/gopath GOCACHE=$here/.build-go/cache GOFLAGS=-mod=mod go build -o "$here/.build-go/go-webhook" .)

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$go_dir/gen-certs.sh" "$work/certs" >/dev/null
cert=$work/certs/tls.crt key=$work/certs/tls.key

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

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

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

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(uname -r)"
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

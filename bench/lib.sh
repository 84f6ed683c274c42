# Shared by bench/load.sh and bench/transport.sh (sourced, not run): paths, tool checks, the Go
# baseline build, a scratch directory with its certificates, CPU accounting.
# Before sourcing: `script` (a name for messages) and `tools` (the commands the script needs).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
shared=${SHARED:-$(dirname "$root")/shared}
go_dir=$shared/baselines/go-webhook
fixture=$go_dir/fixtures/deployment-create.json
export PATH=/usr/lib/go-1.19/bin:$PATH

for tool in $tools taskset curl; do
    command -v "$tool" >/dev/null || { echo "$script: $tool is missing (apt-get install -y golang-1.19 nghttp2-client wrk)" >&2; exit 2; }
done
[ -r "$fixture" ] || { echo "$script: no Go baseline at $go_dir (set SHARED)" >&2; exit 2; }

build_go_baseline() {
    mkdir -p "$here/.build-go"
    (cd "$go_dir" && GOPATH=$here/.build-go/gopath GOCACHE=$here/.build-go/cache GOFLAGS=-mod=mod go build -o "$here/.build-go/go-webhook" .)
}

# A scratch directory with an RSA-2048 serving certificate; the servers started into `pids` are
# stopped and the directory removed on exit.
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$go_dir/gen-certs.sh" "$work/certs" >/dev/null
cert=$work/certs/tls.crt key=$work/certs/tls.key

# CPU time (user + system) of a process, in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
machine() { echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(uname -r)"; }

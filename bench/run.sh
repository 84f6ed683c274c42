#!/usr/bin/env bash
# Runs the benchmarks in release mode (a separate package: CI never builds it).
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product compile-bench
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
.build/release/compile-bench

# `aci-admission check` over 5,000 objects, wall time including process start (release build).
(cd .. && swift build -c release --product aci-admission >/dev/null)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys, os
out = sys.argv[1]
docs = []
for n in range(100):
    ns = f"team-{n}"
    docs.append(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {{team: t{n % 10}}}}}")
    for a in range(30):
        docs.append(f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{a}, namespace: {ns}}}\nspec:\n  template:\n    metadata:\n      labels: {{app: app-{a}}}")
    for p in range(19):
        docs.append(f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{p}, namespace: {ns}}}\nspec:\n  podSelector: {{}}\n  ingress:\n    - from: [{{namespaceSelector: {{matchLabels: {{team: t{p % 10}}}}}}}]\n      ports: [{{port: {8000 + p}}}]")
for chunk in range(10):
    with open(os.path.join(out, f"part-{chunk}.yaml"), "w") as f:
        f.write("\n---\n".join(docs[chunk::10]) + "\n")
print(f"{len(docs)} objects", file=sys.stderr)
PY
runs=5
times=()
for i in $(seq $runs); do
    start=$(date +%s%N)
    ../.build/release/aci-admission check --policy ../examples/policy.yaml "$work" -o json > "$work/out.json" || true
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "check, 5,000 objects (100 namespaces, 3,000 Deployments, 1,900 NetworkPolicies), wall time with process start: median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") ms over $runs runs ($(echo $sorted | tr '\n' ' ')ms)"

# In-process admission decision on the Go baseline's Deployment fixture.
swift build -c release --product admission-bench >/dev/null
.build/release/admission-bench ../../shared/baselines/go-webhook/fixtures/deployment-create.json

# The APIC emulator and client.
swift build -c release --product apic-bench >/dev/null
.build/release/apic-bench

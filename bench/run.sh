#!/usr/bin/env bash
# Runs the benchmarks in release mode (a separate package: CI never builds it).
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product compile-bench
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
.build/release/compile-bench

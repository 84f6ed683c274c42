#!/usr/bin/env bash
# Builds the libFuzzer target (release, -sanitize=fuzzer) and fuzzes the admission decoder and
# decision path. usage: fuzz/run.sh [SECONDS]   (default 600)
# New inputs go to a scratch directory; `fuzz/run.sh --minimize` merges what was found into the
# committed corpus (fuzz/corpus), which `swift test` replays (AdmissionEngineTests).
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --sanitize=fuzzer --product admission-fuzz >&2
binary=.build/release/admission-fuzz
scratch=.build/fuzz-findings
mkdir -p "$scratch" corpus
if [ "${1:-}" = "--minimize" ]; then
    merged=$(mktemp -d)
    "$binary" -merge=1 "$merged" corpus "$scratch" >&2
    rm -rf corpus && mv "$merged" corpus
    echo "corpus: $(ls corpus | wc -l) inputs" >&2
    exit 0
fi
seconds=${1:-600}
# Seeds: the committed corpus and the Go baseline's realistic reviews.
seeds=$(mktemp -d)
cp corpus/* "$seeds"/ 2>/dev/null || true
cp ../../shared/baselines/go-webhook/fixtures/*.json "$seeds"/ 2>/dev/null || true
"$binary" "$scratch" "$seeds" -max_total_time="$seconds" -max_len=65536 -timeout=5 -rss_limit_mb=2048 \
    -dict=admission.dict -print_final_stats=1

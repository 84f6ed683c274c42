#!/usr/bin/env bash
# One-time setup on a fresh Debian machine with the Swift toolchain: installs the system packages
# the project and its tests need, then builds everything (including the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libssl-dev libnghttp2-dev libsqlite3-dev curl openssl nghttp2-client python3 python3-pip graphviz)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

# The tests check JSONPatch output with an independent RFC 6902 implementation (Python's jsonpatch).
if ! python3 -c 'import jsonpatch' 2>/dev/null; then
    python3 -m pip install --quiet jsonpatch 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages jsonpatch
fi

swift build --build-tests
echo "setup complete: run the tests with 'swift test'"

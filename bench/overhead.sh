#!/usr/bin/env bash
# Per-request overhead of tensord against nginx and a minimal grpc++ server, side by side
# (bench/overhead.py has the details):  bench/overhead.sh [--seconds 5] [--runs 3]
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/overhead.py "$@"

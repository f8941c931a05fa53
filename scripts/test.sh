#!/usr/bin/env bash
# Runs every test: unit tests of each module, then the integration tests, which mount
# images for real (root and /dev/fuse needed) and check them with QEMU's own tools.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec mvn -B verify "$@"

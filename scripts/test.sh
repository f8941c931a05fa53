#!/usr/bin/env bash
# Runs every test: unit tests of each module, then the integration tests, which mount
# images for real (root and /dev/fuse needed), check them with QEMU's own tools, and run
# standard tools in a clean container (Testcontainers: a Docker daemon is started if none
# runs, and the Debian base image is built once and cached).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/docker-up.sh
./scripts/build-test-image.sh
exec mvn -B verify "$@"

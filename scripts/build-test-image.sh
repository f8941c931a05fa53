#!/usr/bin/env bash
# Builds the clean Debian images the Testcontainers tests run in. No registry is reachable, so
# aiofs-test-base:latest (standard tools) is made with debootstrap from Debian's mirror and
# imported; aiofs-test-jre:latest adds what the aiofs package needs from Debian (a Java
# runtime, libfuse2) and what its test reads with (man-db, bash-completion), installed from the
# mirror, so that the package test installs aiofs with no network. Each is built once.
set -euo pipefail
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"

base=aiofs-test-base:latest
if ! docker image inspect "$base" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || { echo "build-test-image: debootstrap not found (apt-get install debootstrap)" >&2; exit 1; }
    root="$(mktemp -d /var/tmp/aiofs-rootfs.XXXXXX)"
    trap 'rm -rf "$root"' EXIT
    echo "build-test-image: debootstrap bookworm from $mirror (about a minute)" >&2
    debootstrap --variant=minbase \
        --include=e2fsprogs,qemu-utils,fuse3,fio,util-linux,fdisk,mtools,dosfstools,kmod \
        bookworm "$root" "$mirror" >/dev/null
    tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' - "$base" >/dev/null
    echo "build-test-image: $base built" >&2
fi

jre=aiofs-test-jre:latest
if ! docker image inspect "$jre" >/dev/null 2>&1; then
    echo "build-test-image: adding a Java runtime, libfuse2, man-db and bash-completion (a few minutes)" >&2
    docker build -q --network host -t "$jre" - >/dev/null <<DOCKERFILE
FROM $base
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openjdk-17-jre-headless libfuse2 man-db bash-completion >/dev/null \
 && apt-get clean
DOCKERFILE
    echo "build-test-image: $jre built" >&2
fi

#!/usr/bin/env bash
# Builds aiofs-test-base:latest, the clean Debian image the Testcontainers tests run
# standard tools in. No registry is reachable, so it is made with debootstrap from
# Debian's mirror and imported. Skipped when the image already exists.
set -euo pipefail
image=aiofs-test-base:latest
if docker image inspect "$image" >/dev/null 2>&1; then
    exit 0
fi
command -v debootstrap >/dev/null || { echo "build-test-image: debootstrap not found (apt-get install debootstrap)" >&2; exit 1; }
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
root="$(mktemp -d /var/tmp/aiofs-rootfs.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "build-test-image: debootstrap bookworm from $mirror (about a minute)" >&2
debootstrap --variant=minbase \
    --include=e2fsprogs,qemu-utils,fuse3,fio,util-linux,fdisk,mtools,dosfstools,kmod \
    bookworm "$root" "$mirror" >/dev/null
tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "build-test-image: $image built" >&2

#!/usr/bin/env bash
# 4 KiB random writes through the mount into a fresh qcow2 image (64 KiB clusters): every
# write allocates a cluster and copies the rest of it on write. Prints fio's IOPS, then
# checks the image with qemu-img check.
#   bench/qcow2-alloc-write.sh [DIR]     DIR holds the image (default /dev/shm)
# Env: RUNTIME seconds (default 5).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${1:-/dev/shm}/aiofs-alloc.XXXXXX")"
mkdir "$work/mnt"
cleanup() {
    if grep -q " $work/mnt " /proc/self/mountinfo; then "$here/aiofs" unmount "$work/mnt" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
qemu-img create -q -f qcow2 "$work/vm.qcow2" 4G
"$here/aiofs" mount "$work/vm.qcow2" "$work/mnt"
fio --name=alloc --filename="$work/mnt/disk.raw" --rw=randwrite --bs=4k --ioengine=psync --direct=1 \
    --time_based --runtime="${RUNTIME:-5}" --size=4G --randrepeat=0 --output-format=terse 2>/dev/null \
    | awk -F';' '{print "randwrite 4k into new clusters: " $49 " IOPS"}'
"$here/aiofs" unmount "$work/mnt"
qemu-img check -q "$work/vm.qcow2" && echo "qemu-img check: clean"

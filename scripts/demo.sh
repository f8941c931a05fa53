#!/usr/bin/env bash
# `./aiofs demo`: makes a small disk image, mounts it with aiofs, shows what a user sees,
# puts an ext4 filesystem with a file on it through the mount, reads the file back, and
# unmounts. Everything happens in a temporary directory that is removed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
aiofs="$here/aiofs"

for tool in qemu-img sfdisk mkfs.ext4 debugfs fdisk; do
    command -v "$tool" >/dev/null || { echo "demo: $tool not found (apt-get install qemu-utils fdisk e2fsprogs)" >&2; exit 1; }
done

work="$(mktemp -d /tmp/aiofs-demo.XXXXXX)"
mnt="$work/mnt"
mkdir "$mnt"
cleanup() {
    if grep -q " $mnt " /proc/self/mountinfo; then "$aiofs" unmount "$mnt" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

cd "$work"
step qemu-img create -q -f raw demo.img 64M
step "$aiofs" mount --format raw demo.img mnt
step ls -l mnt
printf '\n\033[1m$ sfdisk mnt/disk.raw  # one Linux partition\033[0m\n'
echo 'label: dos
start=2048, type=83' | sfdisk -q mnt/disk.raw
step fdisk -l mnt/disk.raw
step mkfs.ext4 -q -F -E offset=1048576 mnt/disk.raw 63M
echo "hello from inside the guest disk" > hello.txt
step debugfs -w -R "write hello.txt hello.txt" "mnt/disk.raw?offset=1048576" 2>/dev/null || true
step "$aiofs" unmount mnt
step qemu-img info demo.img

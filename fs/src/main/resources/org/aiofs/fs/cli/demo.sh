#!/usr/bin/env bash
# `aiofs demo` (DemoCommand runs this script, kept inside the jar, with the command that runs
# aiofs as its arguments): makes a small qcow2 disk image holding a GPT partition table and an
# ext4 filesystem with a file (with QEMU's and e2fsprogs' own tools), mounts it with aiofs,
# shows what a user sees (ls -l, fdisk -l, the file read back from the partition with
# debugfs, info.json), unmounts, writes a file through a writable mount, and lets qemu-img
# check judge. Everything happens in a temporary directory removed at the end.
set -euo pipefail
(($#)) || { echo "demo: run it as: aiofs demo" >&2; exit 2; }
aiofs_command=("$@")
aiofs() { "${aiofs_command[@]}" "$@"; }

for tool in qemu-img sfdisk mkfs.ext4 debugfs fdisk; do
    command -v "$tool" >/dev/null || { echo "demo: $tool not found (apt-get install qemu-utils fdisk e2fsprogs)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/aiofs-demo.XXXXXX")"
mkdir "$work/mnt"
cleanup() {
    if grep -q " $work/mnt " /proc/self/mountinfo; then aiofs unmount "$work/mnt" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

bold='' plain=''
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; fi   # no colour codes into a pipe or a file
say() { printf '\n%s# %s%s\n' "$bold" "$*" "$plain"; }
step() { printf '%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }
cd "$work"

say "Make a guest disk: a GPT partition table, ext4 in partition 1 holding hello.txt, as a qcow2 image"
echo "Hello from inside a qcow2 image, read through aiofs." > hello.txt
qemu-img create -q -f raw build.raw 64M
printf 'label: gpt\nsize=40M, type=L, name=root\ntype=L, name=data\n' | sfdisk -q build.raw
mkfs.ext4 -q -F -E offset=1048576 build.raw 40M
debugfs -w -R "write hello.txt hello.txt" "build.raw?offset=1048576" >/dev/null 2>&1
step qemu-img convert -c -O qcow2 build.raw demo.qcow2
rm build.raw

say "Mount it (format probed; read-only)"
step aiofs mount --read-only demo.qcow2 mnt
step ls -l mnt

say "The whole disk, as raw bytes"
step fdisk -l mnt/disk.raw

say "Partition 1 is a file of its own: check it and read the file inside"
step e2fsck -fn mnt/part1.raw
step debugfs -R "cat hello.txt" mnt/part1.raw

say "What is mounted and how it is served"
step head -n 12 mnt/info.json

say "Unmount, then mount it writable and add a file to partition 1"
step aiofs unmount mnt
step aiofs mount demo.qcow2 mnt
echo "Written through aiofs into the qcow2 image." > note.txt
step debugfs -w -R "write note.txt note.txt" mnt/part1.raw
step aiofs unmount mnt

say "QEMU's own tools judge the result"
step qemu-img check demo.qcow2
step aiofs check demo.qcow2

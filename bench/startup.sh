#!/usr/bin/env bash
# How long a user waits for aiofs's short commands, median of RUNS runs each (min and max
# beside it): `aiofs info IMAGE` next to `qemu-img info IMAGE`, `aiofs --version`,
# `aiofs mount` (returns once the mount serves) and `aiofs unmount` (returns once the image
# is closed), on a 64 MiB qcow2 image in a temporary directory. Root (FUSE) is needed for
# the mount rows. Numbers depend on the machine's load: run it on a quiet one.
#
#   bench/startup.sh [AIOFS] [RUNS]     AIOFS: the command to measure (default: this
#                                       checkout's ./aiofs; /usr/bin/aiofs for the package)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
aiofs="${1:-$here/aiofs}"
runs="${2:-10}"
work="$(mktemp -d "${TMPDIR:-/tmp}/aiofs-startup.XXXXXX")"
cleanup() {
    if grep -q " $work/mnt " /proc/self/mountinfo; then "$aiofs" unmount "$work/mnt" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
qemu-img create -q -f qcow2 "$work/vm.qcow2" 64M
mkdir "$work/mnt"
"$aiofs" --version >/dev/null   # a checkout builds (and makes its start-up archive) here, not in the timings

now() { date +%s%N; }
# times RUNS runs of a command (milliseconds, one per line)
timed() {
    local i t0
    for ((i = 0; i < runs; i++)); do
        t0=$(now)
        "$@" >/dev/null
        echo $((($(now) - t0) / 1000000))
    done
}
row() {   # name, then the times on stdin
    sort -n | awk -v name="$1" '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%-28s %8.0f %8d %8d\n", name, m, v[1], v[NR] }'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, $runs runs each"
printf "%-28s %8s %8s %8s\n" "command (ms)" median min max
timed qemu-img info "$work/vm.qcow2" | row "qemu-img info"
timed "$aiofs" info "$work/vm.qcow2" | row "aiofs info"
timed "$aiofs" --version | row "aiofs --version"
if [[ $(id -u) == 0 && -c /dev/fuse ]]; then
    mounts="$work/mount.ms" unmounts="$work/unmount.ms"
    for ((i = 0; i < runs; i++)); do
        t0=$(now); "$aiofs" mount "$work/vm.qcow2" "$work/mnt"; t1=$(now)
        "$aiofs" unmount "$work/mnt"; t2=$(now)
        echo $(((t1 - t0) / 1000000)) >>"$mounts"
        echo $(((t2 - t1) / 1000000)) >>"$unmounts"
    done
    row "aiofs mount" <"$mounts"
    row "aiofs unmount" <"$unmounts"
fi

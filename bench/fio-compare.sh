#!/usr/bin/env bash
# Same fio jobs on: the bare image file, aiofs (multi- and single-threaded FUSE loop), and
# qemu-storage-daemon's FUSE export of the same file, in one run. Prints IOPS per job and
# the ratio aiofs/QSD. All I/O is O_DIRECT on the exported file, so each request reaches
# the server (the FUSE page cache would otherwise answer re-reads).
#
#   bench/fio-compare.sh [DIR]        DIR holds the test image (default /dev/shm: the
#                                     filesystem's overhead, not the disk, is measured)
# Env: SIZE (default 1G), RUNTIME seconds per job (default 10), TARGETS (default
#      "bare aiofs aiofs-st qsd"), ENGINE for aiofs (default auto).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-/dev/shm}"
size="${SIZE:-1G}"
runtime="${RUNTIME:-10}"
targets="${TARGETS:-bare aiofs aiofs-st qsd}"
engine="${ENGINE:-auto}"

for tool in fio qemu-img qemu-storage-daemon python3; do
    command -v "$tool" >/dev/null || { echo "fio-compare: $tool not found" >&2; exit 1; }
done

work="$(mktemp -d "$dir/aiofs-bench.XXXXXX")"
image="$work/disk.img"
mnt="$work/mnt"
qsd_file="$work/qsd-export"
qsd_pid=""
results="$work/results.tsv"
mkdir "$mnt"
touch "$qsd_file"

cleanup() {
    if grep -q " $mnt " /proc/self/mountinfo; then "$here/aiofs" unmount "$mnt" || true; fi
    if [[ -n $qsd_pid ]] && kill -0 "$qsd_pid" 2>/dev/null; then
        kill "$qsd_pid"; wait "$qsd_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "fio-compare: writing a $size test image in $dir" >&2
qemu-img create -q -f raw "$image" "$size"
fio --name=fill --filename="$image" --rw=write --bs=1M --direct=0 --size="$size" --output=/dev/null

# name | fio arguments
jobs=(
    "randread-4k-qd1|--rw=randread --bs=4k --numjobs=1"
    "randread-4k-4jobs|--rw=randread --bs=4k --numjobs=4"
    "randwrite-4k-qd1|--rw=randwrite --bs=4k --numjobs=1"
    "seqread-1m|--rw=read --bs=1M --numjobs=1"
    "seqwrite-1m|--rw=write --bs=1M --numjobs=1"
)

run_jobs() { # target file
    local target=$1 file=$2
    for job in "${jobs[@]}"; do
        local name=${job%%|*} args=${job#*|}
        # shellcheck disable=SC2086
        fio --name="$name" --filename="$file" $args --ioengine=psync --direct=1 --time_based \
            --runtime="$runtime" --ramp_time=1 --size="$size" --group_reporting --output-format=json \
            > "$work/$target-$name.json"
        python3 - "$work/$target-$name.json" "$target" "$name" >> "$results" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
iops = j["read"]["iops"] + j["write"]["iops"]
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{iops:.0f}")
PY
        echo "  $target $name done" >&2
    done
}

for target in $targets; do
    echo "fio-compare: $target" >&2
    case $target in
        bare) run_jobs bare "$image" ;;
        aiofs|aiofs-st)
            extra=(); [[ $target == aiofs-st ]] && extra=(--single-threaded)
            "$here/aiofs" mount --format raw --engine "$engine" "${extra[@]}" "$image" "$mnt"
            run_jobs "$target" "$mnt/disk.raw"
            "$here/aiofs" unmount "$mnt" ;;
        qsd)
            qemu-storage-daemon \
                --blockdev "driver=file,node-name=file0,filename=$image,cache.direct=off,aio=threads" \
                --blockdev driver=raw,node-name=disk0,file=file0 \
                --export "type=fuse,id=exp0,node-name=disk0,mountpoint=$qsd_file,writable=on" &
            qsd_pid=$!
            for _ in $(seq 100); do grep -q " $qsd_file " /proc/self/mountinfo && break; sleep 0.1; done
            run_jobs qsd "$qsd_file"
            kill "$qsd_pid"; wait "$qsd_pid" 2>/dev/null || true; qsd_pid="" ;;
        *) echo "unknown target $target" >&2; exit 2 ;;
    esac
done

python3 - "$results" "$targets" <<'PY'
import sys, collections
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    t, job, iops = line.split("\t")
    rows[job][t] = float(iops)
targets = sys.argv[2].split()
head = f"{'job':<20}" + "".join(f"{t:>12}" for t in targets)
if "aiofs" in targets and "qsd" in targets:
    head += f"{'aiofs/qsd':>11}"
if "aiofs-st" in targets and "qsd" in targets:
    head += f"{'aiofs-st/qsd':>14}"
print(head)
for job, r in rows.items():
    line = f"{job:<20}" + "".join(f"{r.get(t, 0):>12.0f}" for t in targets)
    if "aiofs" in targets and "qsd" in targets:
        line += f"{r['aiofs'] / r['qsd']:>11.2f}"
    if "aiofs-st" in targets and "qsd" in targets:
        line += f"{r['aiofs-st'] / r['qsd']:>14.2f}"
    print(line)
print("(IOPS; 1M jobs: IOPS x 1 MiB = MiB/s)")
PY

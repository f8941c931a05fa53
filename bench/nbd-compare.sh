#!/usr/bin/env bash
# One NBD export (qemu-nbd serving a raw file), reached four ways, the same fio jobs on each:
#   fio-nbd   fio's own NBD engine (libnbd): the wire with no FUSE in between, the baseline
#   aiofs     aiofs mount --format raw nbd+unix://... (or nbd://)
#   nbdfuse   libnbd's nbdfuse (Debian package libnbd-bin)
#   qsd       qemu-storage-daemon: an NBD client block node exported through FUSE
# Prints IOPS per job and the ratios aiofs/nbdfuse and aiofs/qsd. The FUSE files are read
# and written O_DIRECT, so every request crosses FUSE and the network.
#
#   bench/nbd-compare.sh [DIR]        DIR holds the served image (default /dev/shm: the
#                                     clients, not the server's disk, are measured)
# Env: SIZE (default 1G), RUNTIME seconds per job (default 10), TARGETS (default
#      "fio-nbd aiofs nbdfuse qsd"), TRANSPORT unix|tcp (default unix), CONNECTIONS for the
#      clients that can use several (aiofs, nbdfuse; default 4; qsd and fio-nbd use one).
# The engine alone, without FUSE: aiofs bench --target nbd+unix:///disk?socket=...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-/dev/shm}"
size="${SIZE:-1G}"
runtime="${RUNTIME:-10}"
targets="${TARGETS:-fio-nbd aiofs nbdfuse qsd}"
transport="${TRANSPORT:-unix}"
connections="${CONNECTIONS:-4}"

for tool in fio qemu-img qemu-nbd python3; do
    command -v "$tool" >/dev/null || { echo "nbd-compare: $tool not found" >&2; exit 1; }
done
for target in $targets; do
    case $target in
        nbdfuse) command -v nbdfuse >/dev/null \
            || { echo "nbd-compare: nbdfuse not found (apt-get install libnbd-bin)" >&2; exit 1; } ;;
        qsd) command -v qemu-storage-daemon >/dev/null \
            || { echo "nbd-compare: qemu-storage-daemon not found (apt-get install qemu-utils)" >&2; exit 1; } ;;
    esac
done

work="$(mktemp -d "$dir/aiofs-nbd-bench.XXXXXX")"
image="$work/disk.img"
socket="$work/nbd.sock"
mnt="$work/mnt"
nbdfuse_dir="$work/nbdfuse"
qsd_file="$work/qsd-export"
results="$work/results.tsv"
server_pid="" nbdfuse_pid="" qsd_pid=""
mkdir "$mnt" "$nbdfuse_dir"
touch "$qsd_file"

cleanup() {
    if grep -q " $mnt " /proc/self/mountinfo; then "$here/aiofs" unmount "$mnt" || true; fi
    if grep -q " $nbdfuse_dir " /proc/self/mountinfo; then fusermount3 -u "$nbdfuse_dir" || true; fi
    for pid in $nbdfuse_pid $qsd_pid; do
        if kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
    done
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid"; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "nbd-compare: writing a $size test image in $dir" >&2
qemu-img create -q -f raw "$image" "$size"
fio --name=fill --filename="$image" --rw=write --bs=1M --direct=0 --size="$size" --output=/dev/null

if [[ $transport == tcp ]]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    listen=(-b 127.0.0.1 -p "$port")
    uri="nbd://127.0.0.1:$port/disk"
    qsd_server="server.type=inet,server.host=127.0.0.1,server.port=$port"
else
    listen=(-k "$socket")
    uri="nbd+unix:///disk?socket=$socket"
    qsd_server="server.type=unix,server.path=$socket"
fi
# persistent, enough clients for every connection of every target, multi-conn advertised
qemu-nbd --fork --pid-file "$work/qemu-nbd.pid" -t -e 32 -x disk -f raw --cache=writeback "${listen[@]}" "$image"
server_pid=$(cat "$work/qemu-nbd.pid")
echo "nbd-compare: qemu-nbd serves $uri" >&2

# name | fio arguments (the FUSE files get psync, fio-nbd its own engine with the same jobs)
jobs=(
    "randread-4k-qd1|--rw=randread --bs=4k --numjobs=1"
    "randread-4k-4jobs|--rw=randread --bs=4k --numjobs=4"
    "randwrite-4k-qd1|--rw=randwrite --bs=4k --numjobs=1"
    "seqread-1m|--rw=read --bs=1M --numjobs=1"
    "seqwrite-1m|--rw=write --bs=1M --numjobs=1"
)

run_jobs() { # target fio-arguments...
    local target=$1; shift
    for job in "${jobs[@]}"; do
        local name=${job%%|*} args=${job#*|}
        # shellcheck disable=SC2086
        fio --name="$name" "$@" $args --time_based --runtime="$runtime" --ramp_time=1 --size="$size" \
            --group_reporting --output-format=json --output="$work/$target-$name.json" >/dev/null
        python3 - "$work/$target-$name.json" "$target" "$name" >> "$results" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
iops = j["read"]["iops"] + j["write"]["iops"]
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{iops:.0f}")
PY
        echo "  $target $name done" >&2
    done
}

await_mount() { # path
    for _ in $(seq 200); do grep -q " $1 " /proc/self/mountinfo && return 0; sleep 0.05; done
    echo "nbd-compare: $1 did not come up" >&2; exit 1
}

for target in $targets; do
    echo "nbd-compare: $target" >&2
    case $target in
        fio-nbd)
            run_jobs fio-nbd --ioengine=nbd --uri="$uri" --iodepth=1 ;;
        aiofs)
            if [[ $uri == *\?* ]]; then sep='&'; else sep='?'; fi
            "$here/aiofs" mount --format raw "$uri${sep}x-connections=$connections" "$mnt"
            run_jobs aiofs --filename="$mnt/disk.raw" --ioengine=psync --direct=1
            "$here/aiofs" unmount "$mnt" ;;
        nbdfuse)
            nbdfuse -C "$connections" -P "$work/nbdfuse.pid" "$nbdfuse_dir/disk" "$uri" &
            nbdfuse_pid=$!
            await_mount "$nbdfuse_dir"
            run_jobs nbdfuse --filename="$nbdfuse_dir/disk" --ioengine=psync --direct=1
            fusermount3 -u "$nbdfuse_dir"; wait "$nbdfuse_pid" 2>/dev/null || true; nbdfuse_pid="" ;;
        qsd)
            qemu-storage-daemon \
                --blockdev "driver=nbd,node-name=nbd0,$qsd_server,export=disk" \
                --blockdev driver=raw,node-name=disk0,file=nbd0 \
                --export "type=fuse,id=exp0,node-name=disk0,mountpoint=$qsd_file,writable=on" &
            qsd_pid=$!
            await_mount "$qsd_file"
            run_jobs qsd --filename="$qsd_file" --ioengine=psync --direct=1
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
ratios = [o for o in ("nbdfuse", "qsd") if "aiofs" in targets and o in targets]
print(f"{'job':<20}" + "".join(f"{t:>12}" for t in targets) + "".join(f"{'aiofs/' + o:>14}" for o in ratios))
for job, r in rows.items():
    print(f"{job:<20}" + "".join(f"{r.get(t, 0):>12.0f}" for t in targets)
          + "".join(f"{r['aiofs'] / r[o]:>14.2f}" if r.get(o) else f"{'-':>14}" for o in ratios))
print("(IOPS; 1M jobs: IOPS x 1 MiB = MiB/s)")
PY

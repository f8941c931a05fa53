#!/usr/bin/env bash
# The same fio jobs on: the bare image file (the limit), aiofs on each FUSE transport, and
# qemu-storage-daemon's FUSE export, on a raw and on a qcow2 image, in one run. Targets are
# interleaved: each round mounts each target in turn (the order rotates every round), so a
# machine whose load drifts weighs on all of them alike. Prints, per format, the median over
# the rounds of IOPS (MB/s for the 1M jobs), the ratios aiofs/QSD and aiofs/bare, and the
# server's CPU time per I/O and its RSS. All I/O is O_DIRECT on the exported file, so each
# request reaches the server (the FUSE page cache would otherwise answer re-reads); with kernel
# FUSE passthrough (target kernel-pt) it reaches the image file itself, never the server.
#
#   bench/fio-compare.sh [DIR]     DIR holds the test images (default /dev/shm: the FUSE
#                                  path's overhead is measured, not the disk's)
# Env:
#   SIZE      image size (default 1G)
#   RUNTIME   seconds per fio job (default 10)
#   ROUNDS    rounds to take the median over (default 3)
#   FORMATS   "raw qcow2" (default)
#   TARGETS   "bare kernel kernel-pt libfuse2 qsd" (default); kernel and libfuse2 run with
#             --passthrough off (aiofs serves every request), kernel-pt with --passthrough auto
#             (the kernel reads and writes disk.raw of the raw image itself; needs root; raw
#             only, skipped for other formats); kernel and kernel-pt serve the /dev/fuse read
#             loop (--fuse-uring off); kernel-uring serves from FUSE io_uring queues
#             (--fuse-uring auto, --passthrough off), which needs
#             /sys/module/fuse/parameters/enable_uring set to Y beforehand (this script never
#             sets it; it warns when the rings do not serve); an aiofs target may name its
#             engine, e.g. "kernel@io_uring kernel@sync kernel@threadpool kernel-uring@sync"
#   ENGINE    engine of aiofs targets that name none (default auto)
#   JOBS      job names to run (default: all of them, see below)
#   QSD_AIO   qemu-storage-daemon's aio= for its file node (default threads)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$(cd "${1:-/dev/shm}" && pwd)"
size="${SIZE:-1G}"
runtime="${RUNTIME:-10}"
rounds="${ROUNDS:-3}"
formats="${FORMATS:-raw qcow2}"
targets="${TARGETS:-bare kernel kernel-pt libfuse2 qsd}"
engine="${ENGINE:-auto}"
qsd_aio="${QSD_AIO:-threads}"

for tool in fio qemu-img qemu-storage-daemon python3 timeout; do
    command -v "$tool" >/dev/null || { echo "fio-compare: $tool not found" >&2; exit 1; }
done

# name | fio arguments
all_jobs=(
    "randread-4k-qd1|--rw=randread --bs=4k --ioengine=psync --numjobs=1"
    "randread-4k-qd16|--rw=randread --bs=4k --ioengine=libaio --iodepth=16 --numjobs=1"
    "randread-4k-4jobs|--rw=randread --bs=4k --ioengine=psync --numjobs=4"
    "randwrite-4k-qd1|--rw=randwrite --bs=4k --ioengine=psync --numjobs=1"
    "seqread-1m|--rw=read --bs=1M --ioengine=psync --numjobs=1"
    "seqwrite-1m|--rw=write --bs=1M --ioengine=psync --numjobs=1"
)
jobs=()
for job in "${all_jobs[@]}"; do
    name=${job%%|*}
    if [[ -z ${JOBS:-} || " $JOBS " == *" $name "* ]]; then
        jobs+=("$job")
    fi
done
((${#jobs[@]})) || { echo "fio-compare: JOBS names no known job" >&2; exit 2; }

work="$(mktemp -d "$dir/aiofs-bench.XXXXXX")"
mnt="$work/mnt"
qsd_file="$work/qsd-export"
qsd_pid=""
results="$work/results.tsv"
mkdir "$mnt"
touch "$qsd_file"

cleanup() {
    if grep -q " $mnt " /proc/self/mountinfo; then timeout 120 "$here/aiofs" unmount "$mnt" || true; fi
    if [[ -n $qsd_pid ]] && kill -0 "$qsd_pid" 2>/dev/null; then
        kill "$qsd_pid"; wait "$qsd_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "fio-compare: writing $size test images in $dir" >&2
qemu-img create -q -f raw "$work/disk.raw" "$size"
fio --name=fill --filename="$work/disk.raw" --rw=write --bs=1M --direct=0 --size="$size" --output=/dev/null
for format in $formats; do
    [[ $format == raw ]] || qemu-img convert -O "$format" "$work/disk.raw" "$work/disk.$format"
done

cpu_ticks() { # pid -> utime + stime of the whole process, in clock ticks
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

run_jobs() { # round format target file server-pid
    local round=$1 format=$2 target=$3 file=$4 pid=$5 hz
    hz=$(getconf CLK_TCK)
    for job in "${jobs[@]}"; do
        local name=${job%%|*} args=${job#*|} before=0 after=0 rss=0
        [[ $pid != - ]] && before=$(cpu_ticks "$pid")
        # shellcheck disable=SC2086
        timeout $((runtime + 120)) fio --name="$name" --filename="$file" $args --direct=1 --time_based \
            --runtime="$runtime" --ramp_time=1 --size="$size" --group_reporting --output-format=json \
            > "$work/out.json"
        if [[ $pid != - ]]; then
            after=$(cpu_ticks "$pid")
            rss=$(rss_kib "$pid")
        fi
        python3 - "$work/out.json" "$round" "$format" "$target" "$name" "$((after - before))" "$hz" "$rss" \
            >> "$results" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
ios = j["read"]["total_ios"] + j["write"]["total_ios"]
iops = j["read"]["iops"] + j["write"]["iops"]
mbs = (j["read"]["bw_bytes"] + j["write"]["bw_bytes"]) / 1e6
ticks, hz, rss = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
# the CPU window includes fio's 1 s ramp, whose I/Os are not in total_ios: count them at the job's rate
ramp_ios = iops * 1.0
cpu_us = ticks / hz * 1e6 / (ios + ramp_ios) if ios and ticks else 0
print("\t".join(sys.argv[2:6]) + f"\t{iops:.0f}\t{mbs:.1f}\t{cpu_us:.2f}\t{rss / 1024:.0f}")
PY
        echo "  round $round $format $target $name done" >&2
    done
}

serve_and_run() { # round format target
    local round=$1 format=$2 target=$3 image="$work/disk.$2"
    local kind=${target%%@*} eng=$engine
    [[ $target == *@* ]] && eng=${target#*@}
    case $kind in
        bare)
            run_jobs "$round" "$format" "$target" "$work/disk.raw" - ;;
        kernel|kernel-pt|kernel-uring|libfuse2)
            local fmt_args=(); [[ $format == raw ]] && fmt_args=(--format raw)
            local transport=${kind%%-*} passthrough=off uring=()
            [[ $kind == kernel-pt ]] && passthrough=auto
            [[ $transport == kernel ]] && uring=(--fuse-uring off)
            [[ $kind == kernel-uring ]] && uring=(--fuse-uring auto)
            timeout 180 "$here/aiofs" mount --transport "$transport" --passthrough "$passthrough" "${uring[@]}" \
                --engine "$eng" "${fmt_args[@]}" --pid-file "$work/server.pid" "$image" "$mnt"
            if [[ $kind == kernel-pt ]] && ! grep -q '"files" : \[ "disk.raw" \]' "$mnt/info.json"; then
                echo "fio-compare: warning: $target is not passed through:" \
                    "$(grep -A3 '"passthrough"' "$mnt/info.json" | grep reason)" >&2
            fi
            if [[ $kind == kernel-uring ]] && ! python3 -c 'import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["transport"]["fuse_over_io_uring"]["serving"] else 1)' \
                    "$mnt/info.json"; then
                echo "fio-compare: warning: $target is not served from io_uring queues:" \
                    "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["transport"]["fuse_over_io_uring"].get("reason"))' "$mnt/info.json")" >&2
            fi
            run_jobs "$round" "$format" "$target" "$mnt/disk.raw" "$(cat "$work/server.pid")"
            timeout 180 "$here/aiofs" unmount "$mnt" ;;
        qsd)
            qemu-storage-daemon \
                --blockdev "driver=file,node-name=file0,filename=$image,cache.direct=off,aio=$qsd_aio" \
                --blockdev "driver=$format,node-name=disk0,file=file0" \
                --export "type=fuse,id=exp0,node-name=disk0,mountpoint=$qsd_file,writable=on" &
            qsd_pid=$!
            for _ in $(seq 300); do grep -q " $qsd_file " /proc/self/mountinfo && break; sleep 0.1; done
            grep -q " $qsd_file " /proc/self/mountinfo || { echo "fio-compare: QSD did not export" >&2; exit 1; }
            run_jobs "$round" "$format" "$target" "$qsd_file" "$qsd_pid"
            kill "$qsd_pid"; wait "$qsd_pid" 2>/dev/null || true; qsd_pid="" ;;
        *) echo "fio-compare: unknown target $target" >&2; exit 2 ;;
    esac
}

read -r -a order <<< "$targets"
for ((round = 1; round <= rounds; round++)); do
    for format in $formats; do
        n=${#order[@]}
        for ((i = 0; i < n; i++)); do
            target=${order[$(((i + round - 1) % n))]}
            # the bare file is the limit for every format: measured once per round, on the raw file
            if [[ $target == bare && $format != "${formats%% *}" ]]; then
                continue
            fi
            # passthrough needs bytes that map 1:1 to the file: a raw image only
            if [[ ${target%%@*} == kernel-pt && $format != raw ]]; then
                continue
            fi
            echo "fio-compare: round $round/$rounds, $format, $target" >&2
            serve_and_run "$round" "$format" "$target"
        done
    done
done

python3 - "$results" "$targets" "$formats" "$rounds" "$runtime" "$size" <<'PY'
import collections, statistics, sys
path, targets, formats = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
rounds, runtime, size = sys.argv[4], sys.argv[5], sys.argv[6]
runs = collections.defaultdict(list)
jobs = []
for line in open(path):
    _, fmt, target, job, iops, mbs, cpu, rss = line.rstrip("\n").split("\t")
    runs[(fmt, target, job)].append((float(iops), float(mbs), float(cpu), float(rss)))
    if job not in jobs:
        jobs.append(job)

def med(fmt, target, job, k):  # the bare file was measured once, on the raw file, for every format
    key = (formats[0] if target == "bare" else fmt, target, job)
    vals = [r[k] for r in runs.get(key, [])]
    return statistics.median(vals) if vals else None

def perf(fmt, target, job):  # IOPS, or MB/s for the 1M jobs
    return med(fmt, target, job, 1 if "-1m" in job else 0)

aiofs = [t for t in targets if t not in ("bare", "qsd")]
w = max([14] + [len(t) + 2 for t in targets])
print(f"fio-compare: medians of {rounds} round(s), {runtime} s per job, {size} images, O_DIRECT on the exported file")
print("(IOPS; the -1m jobs in MB/s; cpu = server CPU time per I/O in us; rss = server RSS in MiB)")
for fmt in formats:
    print(f"\n== {fmt} ==")
    head = f"{'job':<20}" + "".join(f"{t:>{w}}" for t in targets)
    ratios = []
    for t in aiofs:
        if "qsd" in targets:
            ratios.append((t, "qsd"))
        if "bare" in targets:
            ratios.append((t, "bare"))
    rw = max([18] + [len(a + b) + 3 for a, b in ratios])
    head += "".join(f"{a + '/' + b:>{rw}}" for a, b in ratios)
    print(head)
    for job in jobs:
        line = f"{job:<20}"
        for t in targets:
            v = perf(fmt, t, job)
            line += f"{v:>{w}.0f}" if v is not None else f"{'-':>{w}}"
        for a, b in ratios:
            va, vb = perf(fmt, a, job), perf(fmt, b, job)
            line += f"{va / vb:>{rw}.2f}" if va and vb else f"{'-':>{rw}}"
        print(line)
    servers = [t for t in targets if t != "bare"]
    cw = max([18] + [len(t) + 2 for t in servers])
    print(f"{'cpu us/IO, rss MiB':<20}" + "".join(f"{t:>{cw}}" for t in servers))
    for job in jobs:
        line = f"{job:<20}"
        for t in servers:
            c, r = med(fmt, t, job, 2), med(fmt, t, job, 3)
            line += f"{c:>{cw - 7}.1f} {r:>5.0f}M" if c is not None else f"{'-':>{cw}}"
        print(line)
PY

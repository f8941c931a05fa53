#!/usr/bin/env bash
# Allocating writes into qcow2 through a FUSE mount: aiofs next to qemu-storage-daemon's
# FUSE export, each on its own copy of the same fresh image, interleaved in one run
# (issue 11's targets). fio, O_DIRECT on the exported file (every request reaches the
# server):
#   fresh    4 KiB random writes, QD16 (libaio), into a fresh qcow2 (64 KiB clusters): every
#            first write into a cluster allocates it
#   overlay  the same into an overlay over a full backing file: every first write copies
#            the rest of its cluster from the backing file
#   sparse   the same into an overlay over a backing file that is all holes (as the
#            unallocated part of a base image): nothing around a first write needs copying
#            (not in the default TESTS)
#   reader   p99 latency of a 4 KiB QD1 reader of allocated data, idle, while "fresh"
#            with 1 job writes elsewhere in the image, and while every CPU only spins (no
#            I/O: what sharing the processors alone costs the reader)
#   rss      server memory after random 4 KiB writes into a 1 TiB image (aiofs: with
#            --cache-size CACHE_SIZE)
# Every result is the median of ROUNDS runs, each on a fresh image; qemu-img check judges
# every image afterwards (a run whose image is not clean fails the script).
#
#   bench/qcow2-alloc-write.sh [DIR]      DIR holds the images (default /dev/shm)
# Env: SIZE image size (default 4G), RUNTIME seconds per run (default 10), ROUNDS (default
#      3), JOBS (default "1 4"), TESTS (default "fresh overlay reader rss"), CACHE_SIZE
#      (default 32M), RSS_WRITES writes into the 1 TiB image (default 50000), ENGINE for
#      aiofs (default auto), BASELINE a built checkout of an earlier aiofs, run as a third
#      server "before" (e.g. `git worktree add /tmp/base dba0f80`, the code issue 11 measured,
#      then `/tmp/base/aiofs --version` once to build it): its figures measured in the same run.
# Short check that it works:  RUNTIME=2 ROUNDS=1 SIZE=512M RSS_WRITES=2000 bench/qcow2-alloc-write.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-/dev/shm}"
size="${SIZE:-4G}"
runtime="${RUNTIME:-10}"
rounds="${ROUNDS:-3}"
jobs_list="${JOBS:-1 4}"
tests="${TESTS:-fresh overlay reader rss}"
cache_size="${CACHE_SIZE:-32M}"
rss_writes="${RSS_WRITES:-50000}"
engine="${ENGINE:-auto}"
baseline="${BASELINE:-}"
mounted_by=$here   # whose aiofs made the mount (and unmounts it)
targets="aiofs qsd"
if [[ -n $baseline ]]; then
    [[ -x $baseline/aiofs ]] || { echo "qcow2-alloc-write: BASELINE=$baseline holds no aiofs launcher" >&2; exit 1; }
    targets="aiofs before qsd"
fi

for tool in fio qemu-img qemu-io qemu-storage-daemon python3; do
    command -v "$tool" >/dev/null || { echo "qcow2-alloc-write: $tool not found" >&2; exit 1; }
done

# Images on tmpfs take the machine's memory: measured on a 24 GiB VM with 15 GiB of tmpfs in use,
# aiofs's fresh writes fell from ~60k to 9-38k IOPS, from run to run. Say so before measuring.
if [[ $(stat -f -c %T "$dir") == tmpfs ]]; then
    avail_kib=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
    need_kib=$(( 3 * $(numfmt --from=iec "$size") / 1024 ))
    if (( avail_kib < need_kib )); then
        echo "qcow2-alloc-write: warning: $((avail_kib >> 20)) GiB of memory available for images on tmpfs" \
            "($dir), less than 3 x SIZE: results will vary with memory pressure" >&2
    fi
fi

work="$(mktemp -d "$dir/aiofs-alloc.XXXXXX")"
mnt="$work/mnt"
qsd_file="$work/qsd-export"
qsd_pid=""
results="$work/results.tsv"
mkdir "$mnt"

spinners=()
stop_spinners() {
    if (( ${#spinners[@]} )); then
        kill "${spinners[@]}" 2>/dev/null || true
        wait "${spinners[@]}" 2>/dev/null || true
    fi
    spinners=()
}

cleanup() {
    stop_spinners
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

# target image -> the file to run fio on; $server_pid is the serving process
start_server() {
    local target=$1 image=$2
    case $target in
        aiofs|before)
            local cache=(--cache-size "$cache_size")
            mounted_by=$here
            if [[ $target == before ]]; then   # the earlier aiofs as it was: its own defaults
                cache=()
                mounted_by=$baseline
            fi
            "$mounted_by/aiofs" mount --engine "$engine" "${cache[@]}" --pid-file "$work/aiofs.pid" \
                "$image" "$mnt" >&2
            server_pid=$(cat "$work/aiofs.pid")
            export_file="$mnt/disk.raw" ;;
        qsd)
            touch "$qsd_file"
            qemu-storage-daemon \
                --blockdev "driver=file,node-name=file0,filename=$image,cache.direct=off,aio=threads" \
                --blockdev driver=qcow2,node-name=disk0,file=file0 \
                --export "type=fuse,id=exp0,node-name=disk0,mountpoint=$qsd_file,writable=on" &
            qsd_pid=$!
            server_pid=$qsd_pid
            for _ in $(seq 100); do grep -q " $qsd_file " /proc/self/mountinfo && break; sleep 0.1; done
            grep -q " $qsd_file " /proc/self/mountinfo || { echo "qemu-storage-daemon did not export" >&2; exit 1; }
            export_file="$qsd_file" ;;
    esac
}

stop_server() {
    if grep -q " $mnt " /proc/self/mountinfo 2>/dev/null; then
        "$mounted_by/aiofs" unmount "$mnt" >&2 || true
    fi
    if [[ -n $qsd_pid ]] && kill -0 "$qsd_pid" 2>/dev/null; then
        kill "$qsd_pid"; wait "$qsd_pid" 2>/dev/null || true
    fi
    qsd_pid=""
}

judge() { # image
    qemu-img check -q "$1" || { echo "qcow2-alloc-write: $1 is not clean after the run" >&2; exit 1; }
}

record() { # test target jobs metric value
    printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$results"
}

fio_json() { # output-file fio-arguments...
    local out=$1; shift
    fio --output-format=json "$@" > "$out"   # first: after a --name, fio prints a job line before the JSON
}

write_iops() { # fio-json -> summed write IOPS
    python3 -c 'import json,sys; print(round(sum(j["write"]["iops"] for j in json.load(open(sys.argv[1]))["jobs"])))' "$1"
}

read_p99() { # fio-json job-name -> p99 completion latency of that job, microseconds
    python3 -c '
import json, sys
for j in json.load(open(sys.argv[1]))["jobs"]:
    if j["jobname"] == sys.argv[2]:
        print(round(j["read"]["clat_ns"]["percentile"]["99.000000"] / 1000))' "$1" "$2"
}

fresh_image() { # path [backing]
    if [[ -n ${2:-} ]]; then
        qemu-img create -q -f qcow2 -o cluster_size=65536 -b "$2" -F raw "$1" "$size"
    else
        qemu-img create -q -f qcow2 -o cluster_size=65536 "$1" "$size"
    fi
}

alloc_write_args() { # jobs
    echo "--name=w --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --direct=1 --numjobs=$1"
    echo "--group_reporting --time_based --runtime=$runtime --randrepeat=0 --norandommap"
}

run_alloc() { # test target jobs [backing]
    local test=$1 target=$2 jobs=$3 backing=${4:-}
    local image="$work/$target.qcow2"
    fresh_image "$image" "$backing"
    start_server "$target" "$image"
    # shellcheck disable=SC2046
    fio_json "$work/out.json" --filename="$export_file" --size="$size" $(alloc_write_args "$jobs")
    stop_server
    judge "$image"
    record "$test" "$target" "$jobs" iops "$(write_iops "$work/out.json")"
    rm -f "$image"
    echo "  $test $target jobs=$jobs done" >&2
}

run_reader() { # target
    local target=$1 image="$work/$1.qcow2" region=$((256 << 20))
    fresh_image "$image"
    qemu-io -f qcow2 -c "write -P 0x5a 0 $region" "$image" >/dev/null
    start_server "$target" "$image"
    local reader="--name=reader --rw=randread --bs=4k --ioengine=psync --direct=1 --offset=0 --size=$region"
    # shellcheck disable=SC2086
    fio_json "$work/idle.json" --filename="$export_file" --time_based --runtime="$runtime" $reader
    # shellcheck disable=SC2086
    fio_json "$work/load.json" --filename="$export_file" --time_based --runtime="$runtime" $reader \
        --name=w --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --direct=1 --offset="$region" \
        --size=$(( $(numfmt --from=iec "$size") - region )) --randrepeat=0 --norandommap
    for _ in $(seq "$(nproc)"); do
        (while :; do :; done) &
        spinners+=($!)
    done
    # shellcheck disable=SC2086
    fio_json "$work/cpu.json" --filename="$export_file" --time_based --runtime="$runtime" $reader
    stop_spinners
    stop_server
    judge "$image"
    record reader "$target" 1 idle-p99-us "$(read_p99 "$work/idle.json" reader)"
    record reader "$target" 1 load-p99-us "$(read_p99 "$work/load.json" reader)"
    record reader "$target" 1 cpu-p99-us "$(read_p99 "$work/cpu.json" reader)"
    rm -f "$image"
    echo "  reader $target done" >&2
}

run_rss() { # target
    local target=$1 image="$work/$1-1t.qcow2"
    qemu-img create -q -f qcow2 -o cluster_size=65536 "$image" 1T
    start_server "$target" "$image"
    fio --name=rss --filename="$export_file" --rw=randwrite --bs=4k --ioengine=libaio --iodepth=16 --direct=1 \
        --size=1T --number_ios="$rss_writes" --randrepeat=0 --norandommap --output=/dev/null
    local rss_kb
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
    stop_server
    judge "$image"
    record rss "$target" 1 rss-mib "$((rss_kb / 1024))"
    rm -f "$image"
    echo "  rss $target done" >&2
}

backing=""
if [[ " $tests " == *" overlay "* ]]; then
    backing="$work/backing.raw"
    echo "qcow2-alloc-write: writing a full $size backing file in $dir" >&2
    fio --name=fill --filename="$backing" --rw=write --bs=1M --size="$size" --output=/dev/null
fi
holes=""
if [[ " $tests " == *" sparse "* ]]; then
    holes="$work/holes.raw"   # all holes
    truncate -s "$size" "$holes"
fi

for round in $(seq "$rounds"); do
    echo "qcow2-alloc-write: round $round of $rounds" >&2
    for target in $targets; do
        for test in $tests; do
            case $test in
                fresh) for j in $jobs_list; do run_alloc fresh "$target" "$j"; done ;;
                overlay) for j in $jobs_list; do run_alloc overlay "$target" "$j" "$backing"; done ;;
                sparse) for j in $jobs_list; do run_alloc sparse "$target" "$j" "$holes"; done ;;
                reader) run_reader "$target" ;;
                rss) run_rss "$target" ;;
                *) echo "unknown test $test" >&2; exit 2 ;;
            esac
        done
    done
done

python3 - "$results" "$cache_size" <<'PY'
import collections, statistics, sys
values = collections.defaultdict(list)
for line in open(sys.argv[1]):
    test, target, jobs, metric, value = line.rstrip("\n").split("\t")
    values[(test, jobs, metric, target)].append(float(value))
keys = sorted({(t, j, m) for (t, j, m, _) in values})
before = any(tg == "before" for (_, _, _, tg) in values)
targets = ["aiofs", "before", "qsd"] if before else ["aiofs", "qsd"]
head = "".join(f"{tg:>10}" for tg in targets)
print(f"{'test':<9}{'jobs':>5} {'metric':<13}{head}{'aiofs/qsd':>11}"
      + (f"{'aiofs/before':>14}" if before else "") + "   (median of runs; every run)")
for t, j, m in keys:
    runs = {tg: values.get((t, j, m, tg), [0]) for tg in targets}
    med = {tg: statistics.median(r) for tg, r in runs.items()}
    ratio = lambda a, b: f"{med[a] / med[b]:.2f}" if med[b] else "-"
    cells = "".join(f"{med[tg]:>10.0f}" for tg in targets)
    every = " | ".join(" ".join(f"{v:.0f}" for v in runs[tg]) for tg in targets)
    print(f"{t:<9}{j:>5} {m:<13}{cells}{ratio('aiofs', 'qsd'):>11}"
          + (f"{ratio('aiofs', 'before'):>14}" if before else "") + f"   {every}")
for tg in targets:
    if ("reader", "1", "idle-p99-us", tg) not in values:
        continue
    idle = statistics.median(values[("reader", "1", "idle-p99-us", tg)])
    load = statistics.median(values[("reader", "1", "load-p99-us", tg)])
    cpu = statistics.median(values[("reader", "1", "cpu-p99-us", tg)])
    print(f"reader p99 under load / idle, {tg}: {load / idle:.2f}; with every CPU spinning / idle: {cpu / idle:.2f}")
print(f"(iops: writes per second; rss-mib: server VmRSS after the writes; aiofs --cache-size {sys.argv[2]}"
      + ("; before: BASELINE's aiofs with its defaults" if before else "") + ")")
PY

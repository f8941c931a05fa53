#!/usr/bin/env bash
# Runs fio and `aiofs bench` on the same file in one go and prints each aiofs engine's
# IOPS as a ratio of fio's with the matching ioengine:
#   io_uring -> fio io_uring, linux-aio -> fio libaio (both at the same iodepth),
#   threadpool -> fio psync with numjobs = the pool's thread count.
# Usage: bench/engines-vs-fio.sh [--seconds N] [--target FILE] [--threads N]
# Without --target a 256 MiB file of random data is made in /var/tmp and removed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=3
target=""
threads=$(( $(nproc) * 2 > 4 ? $(nproc) * 2 : 4 ))   # Engines.DEFAULT_THREADS
while [[ $# -gt 0 ]]; do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --target) target=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        *) echo "usage: $0 [--seconds N] [--target FILE] [--threads N]" >&2; exit 2 ;;
    esac
done
command -v fio >/dev/null || { echo "fio not found (apt-get install fio)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/aiofs-vs-fio.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
if [[ -z $target ]]; then
    target=$work/target.img
    head -c $((256 << 20)) /dev/urandom > "$target"
fi

# workload name, fio rw, block size, iodepth, cache (aiofs) -> fio direct flag
workloads=(
    "randread-4k-qd32 randread 4k 32 none"
    "randwrite-4k-qd32 randwrite 4k 32 none"
    "randread-4k-qd32 randread 4k 32 writeback"
    "seqread-128k-qd8 read 128k 8 none"
)

# the same warm-up aiofs bench takes (a quarter of the run, at most 1 s), not counted
ramp=$(python3 -c "print(min(1.0, $seconds / 4))")

fio_iops() { # ioengine rw bs iodepth direct numjobs
    fio --name=cmp --ramp_time="$ramp" --filename="$target" --ioengine="$1" --rw="$2" --bs="$3" --iodepth="$4" \
        --direct="$5" --numjobs="$6" --group_reporting --time_based --runtime="$seconds" \
        --norandommap --randrepeat=0 --output-format=json 2>/dev/null |
        python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print(round(j["read"]["iops"]+j["write"]["iops"]))'
}

printf '%-11s %-18s %-10s %-16s %10s %10s %6s\n' ENGINE WORKLOAD CACHE FIO-ENGINE AIOFS-IOPS FIO-IOPS RATIO
for w in "${workloads[@]}"; do
    read -r name rw bs depth cache <<< "$w"
    direct=$([[ $cache == none ]] && echo 1 || echo 0)
    engines="io_uring,threadpool"
    [[ $cache == none ]] && engines="io_uring,linux-aio,threadpool"
    for engine in ${engines//,/ }; do
        # aiofs and fio back to back per engine, so both see the same background load
        json=$("$here/aiofs" bench --target "$target" --engines "$engine" --workloads "$name" --cache "$cache" \
            --seconds "$seconds" --output json 2>/dev/null)
        case $engine in
            io_uring) fe=io_uring; jobs=1; qd=$depth ;;
            linux-aio) fe=libaio; jobs=1; qd=$depth ;;
            threadpool) fe=psync; jobs=$threads; qd=1 ;;
        esac
        fio=$(fio_iops "$fe" "$rw" "$bs" "$qd" "$direct" "$jobs")
        ours=$(python3 -c 'import json,sys; print(round(next(r["iops"] for r in json.loads(sys.argv[1]) if r["engine"]==sys.argv[2])))' "$json" "$engine")
        label=$fe; [[ $fe == psync ]] && label="psync x$jobs"
        printf '%-11s %-18s %-10s %-16s %10s %10s %6s\n' "$engine" "$name" "$cache" "$label" "$ours" "$fio" \
            "$(python3 -c "print(f'{$ours/max($fio,1):.2f}')")"
    done
done

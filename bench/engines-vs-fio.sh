#!/usr/bin/env bash
# Each aiofs engine against fio with the matching ioengine, on the same file, interleaved:
#   io_uring -> fio io_uring, linux-aio -> fio libaio (same iodepth),
#   threadpool -> fio psync with numjobs = the pool's threads, posix-aio -> fio posixaio.
# Every round runs each pair back to back (aiofs first in odd rounds, fio first in even
# ones), so both see the same background load; the table gives medians over the rounds
# and the median of the per-round ratios. On a shared machine use several rounds.
#
# Usage: bench/engines-vs-fio.sh [--rounds N] [--seconds N] [--target FILE]
#                                [--engines LIST] [--workloads LIST] [--threads N]
#   --workloads: comma-separated NAME:CACHE, e.g. randread-4k-qd32:none (default: below)
# Without --target a 256 MiB file of random data is made in /var/tmp and removed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=5
seconds=3
target=""
engines="io_uring,linux-aio,threadpool,posix-aio"
workloads="randread-4k-qd32:none,randwrite-4k-qd32:none,seqread-128k-qd8:none,randread-4k-qd32:writeback"
threads=$(( $(nproc) * 2 > 4 ? $(nproc) * 2 : 4 ))   # the thread pool's default size
usage() {
    echo "usage: $0 [--rounds N] [--seconds N] [--target FILE] [--engines LIST] [--workloads NAME:CACHE,...]" \
         "[--threads N]" >&2
    exit 2
}
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || usage
    case $1 in
        --rounds) rounds=$2 ;;
        --seconds) seconds=$2 ;;
        --target) target=$2 ;;
        --engines) engines=$2 ;;
        --workloads) workloads=$2 ;;
        --threads) threads=$2 ;;
        *) usage ;;
    esac
    shift 2
done
for tool in fio python3; do
    command -v "$tool" >/dev/null || { echo "engines-vs-fio: $tool not found (apt-get install $tool)" >&2; exit 1; }
done

work=$(mktemp -d /var/tmp/aiofs-vs-fio.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ -z $target ]]; then
    target=$work/target.img
    head -c $((256 << 20)) /dev/urandom > "$target"
fi
"$here/aiofs" --version >/dev/null   # builds once, outside the measurements

# fio ramps up as long as aiofs bench warms up at least (a quarter of the run, at most 1 s; aiofs also
# waits there until its JIT has compiled the I/O path)
ramp=$(python3 -c "print(min(1.0, $seconds / 4))")
results=$work/results.tsv

fio_run() { # ioengine rw bs iodepth direct numjobs -> "iops cpu_us_per_io p50_us"
    fio --name=cmp --ramp_time="$ramp" --filename="$target" --ioengine="$1" --rw="$2" --bs="$3" --iodepth="$4" \
        --direct="$5" --numjobs="$6" --group_reporting --time_based --runtime="$seconds" \
        --norandommap --randrepeat=0 --output-format=json 2>/dev/null |
        python3 -c 'import json,sys
j=json.load(sys.stdin)["jobs"][0]; iops=j["read"]["iops"]+j["write"]["iops"]
d=j["read"] if j["read"]["iops"] >= j["write"]["iops"] else j["write"]
print(round(iops), round((j["usr_cpu"]+j["sys_cpu"])/100*1e6*int(sys.argv[1])/max(iops,1), 2),
      round(d["clat_ns"]["percentile"]["50.000000"]/1000, 1))' "$6"
}

aiofs_run() { # engine workload cache -> "iops cpu_us_per_io p50_us"
    "$here/aiofs" bench --target "$target" --engines "$1" --workloads "$2" --cache "$3" --seconds "$seconds" \
        --output json 2>/dev/null |
        python3 -c 'import json,sys
r=next(r for r in json.load(sys.stdin) if r["engine"]==sys.argv[1])
print(round(r["iops"]), r["cpu_us_per_io"], r["lat_p50_us"]) if r["supported"] else print("unsupported", 0, 0)' "$1"
}

echo "engines-vs-fio: $rounds rounds of ${seconds}s, target $target, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((round = 1; round <= rounds; round++)); do
    for w in ${workloads//,/ }; do
        name=${w%%:*}; cache=${w##*:}
        read -r pattern bs depth <<< "$(python3 -c 'import re,sys
m=re.fullmatch(r"(rand|seq)(read|write)-(\d+[km]?)-qd(\d+)", sys.argv[1])
print(("rand" if m[1]=="rand" else "")+m[2], m[3], m[4])' "$name")"
        direct=$([[ $cache == none || $cache == directsync ]] && echo 1 || echo 0)
        for engine in ${engines//,/ }; do
            case $engine in
                io_uring) fe=io_uring; jobs=1; qd=$depth ;;
                linux-aio) fe=libaio; jobs=1; qd=$depth; [[ $direct == 1 ]] || continue ;;
                posix-aio) fe=posixaio; jobs=1; qd=$depth ;;
                threadpool) fe=psync; jobs=$threads; qd=1 ;;
                *) continue ;;   # sync and worker have no fio twin
            esac
            if (( round % 2 )); then
                ours=$(aiofs_run "$engine" "$name" "$cache"); theirs=$(fio_run "$fe" "$pattern" "$bs" "$qd" "$direct" "$jobs")
            else
                theirs=$(fio_run "$fe" "$pattern" "$bs" "$qd" "$direct" "$jobs"); ours=$(aiofs_run "$engine" "$name" "$cache")
            fi
            label=$fe; [[ $fe == psync ]] && label="psync x$jobs"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$engine" "$name" "$cache" "$label" "$round" "$ours" "$theirs" |
                tee -a "$results" | cut -f1-3,5- | tr '\t' ' ' | sed 's/^/  /' >&2
        done
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$results" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    engine, name, cache, fio, _round, ours, theirs = line.rstrip("\n").split("\t")
    rows.setdefault((engine, name, cache, fio), []).append((ours.split(), theirs.split()))
print(f"{'ENGINE':<11} {'WORKLOAD':<18} {'CACHE':<10} {'VS FIO':<10} {'AIOFS IOPS':>10} {'FIO IOPS':>10} "
      f"{'RATIO':>6} {'AIOFS us/io':>11} {'FIO us/io':>9} {'AIOFS p50':>9} {'FIO p50':>8} {'N':>3}")
for (engine, name, cache, fio), runs in rows.items():
    ok = [[float(x) for x in o] + [float(x) for x in t] for o, t in runs if o[0] != "unsupported"]
    if not ok:
        print(f"{engine:<11} {name:<18} {cache:<10} {fio:<10} unsupported")
        continue
    med = lambda i: statistics.median(r[i] for r in ok)
    ratio = statistics.median(r[0] / max(r[3], 1) for r in ok)
    print(f"{engine:<11} {name:<18} {cache:<10} {fio:<10} {med(0):>10,.0f} {med(3):>10,.0f} {ratio:>6.2f} "
          f"{med(1):>11.2f} {med(4):>9.2f} {med(2):>9.1f} {med(5):>8.1f} {len(ok):>3}")
print("medians over the rounds; RATIO is the median of the rounds' aiofs/fio ratios; us/io is CPU time"
      " per I/O (fio's excludes glibc's AIO threads); p50 is the completion latency in microseconds")
EOF

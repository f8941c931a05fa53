#!/usr/bin/env bash
# Starts a Docker daemon for the Testcontainers tests if none answers (no systemd here).
# Settings found by trying on this kind of VM: no bridge/iptables (no network is reachable
# anyway), overlay2, state under /var/lib/aiofs-docker so images survive between runs.
set -euo pipefail
if docker info >/dev/null 2>&1; then
    exit 0
fi
command -v dockerd >/dev/null || { echo "docker-up: dockerd not found (apt-get install docker.io)" >&2; exit 1; }
state=/var/lib/aiofs-docker
mkdir -p "$state/data" "$state/exec"
# A daemon killed with SIGKILL (as at the end of a CI run) leaves its pid file, which makes
# the next dockerd refuse to start, and its socket: both go when the pid is no dockerd.
pidfile="$state/dockerd.pid"
if [[ -f $pidfile ]]; then
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [[ -z $pid ]] || [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" != dockerd ]]; then
        rm -f "$pidfile" /var/run/docker.sock
    fi
fi
nohup dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --storage-driver=overlay2 --data-root="$state/data" --exec-root="$state/exec" \
    --pidfile="$pidfile" -H unix:///var/run/docker.sock >"$state/dockerd.log" 2>&1 &
for _ in $(seq 300); do
    docker info >/dev/null 2>&1 && exit 0
    sleep 0.1
done
echo "docker-up: dockerd did not come up; see $state/dockerd.log" >&2
exit 1

#!/usr/bin/env bash
# bench/boot-latency.sh [RUNS] — vm:start to the probe guest's first debug-port marker, in a warm
# container, median of RUNS (default 20); then the same boot with the raw C launcher (raw_boot.c).
#
# Starts its own copy of the built distribution (scripts/run.sh builds it; or ./mvnw install
# -DskipTests), drives it with bin/client, and stops it by PID. The time is taken inside the VMM:
# from the start of the machine build to the guest's first write to port 0x80 (vm:info prints it
# as first-boot-marker), so the shell round trip does not count.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
archive=$(ls assembly/target/hotvisor-*.tar.gz 2>/dev/null | head -1)
[[ -n "$archive" ]] || { echo "no distribution: run ./mvnw install -DskipTests first" >&2; exit 1; }

work=$(mktemp -d /tmp/hotvisor-bench.XXXXXX)
tar xzf "$archive" -C "$work"
home=$(ls -d "$work"/hotvisor-*)
setsid "$home/bin/karaf" server >"$work/karaf.out" 2>&1 &
group=$!
cleanup() {
    kill -- -"$group" 2>/dev/null || true
    for _ in $(seq 50); do pgrep -g "$group" >/dev/null || break; sleep 0.2; done
    rm -rf "$work"
}
trap cleanup EXIT

shell() { echo "$1" | "$home/bin/client" -b -r 30 -d 2 2>/dev/null; }
until shell 'vm:list' | grep -q '^demo .*running'; do sleep 1; done

marker() {
    local line
    for _ in $(seq 100); do
        line=$(shell 'vm:info demo' | sed -n 's/^first-boot-marker: 0x01 after \([0-9.]*\) ms.*/\1/p')
        [[ -n "$line" ]] && { echo "$line"; return; }
        sleep 0.2
    done
    echo "no boot marker" >&2; exit 1
}

samples=()
for i in $(seq 0 "$runs"); do
    shell 'vm:stop demo' >/dev/null
    shell 'vm:start demo' >/dev/null
    value=$(marker)
    [[ $i -gt 0 ]] && samples+=("$value")   # the first run warms the JIT up
done
printf '%s\n' "${samples[@]}" | sort -n | awk -v n="$runs" '
    { v[NR] = $1 } END { printf "Hotvisor (warm Karaf): vm:start -> first debug-port marker, median of %d: %.3f ms (min %.3f, max %.3f)\n", n, v[int((n + 1) / 2)], v[1], v[n] }'

gcc -O2 -o "$work/raw_boot" bench/raw_boot.c
"$work/raw_boot" "$home/images/probe-guest.img" "$runs"

#!/usr/bin/env bash
# bench/compare.sh [--runs N] [--only NAME[,NAME...]] [--out DIR] [--build] — Hotvisor and QEMU 7.2
# (Debian's qemu-system-x86, with KVM) side by side on the same machine, guest kit and command
# line: in the software lab's L1 where /dev/kvm is missing or slow, on this host where it is fast
# (lab/run-lab.sh decides). Writes
#   DIR/RESULTS.md    per metric: median, p10, p90 of each side, the ratio, date, commit, machine
#   DIR/ratios.png    the ratios as a chart
#   DIR/raw.csv       every sample (a metric measured again replaces its earlier samples)
# and, when DIR is the default bench/results, the table into docs/performance.md.
#
#   --runs N      samples per metric and side (default 20)
#   --only NAMES  metric groups (default all): boot, cpu-hotplug, exits, pci-hotplug, dimm, startup,
#                 container-start, memory (linux-tests' CompareBench); container-start builds the
#                 distribution (assembly/) first when it is missing
#   --out DIR     write there instead of bench/results, and leave docs/performance.md alone
#   --build       build the test classes first (./mvnw -pl kvm-tests -am package -DskipTests)
#
# The measurements are linux-tests' CompareBench, run by lab/run-lab.sh (its reports:
# kvm-tests/target/bench-reports). Exits non-zero when the run failed or a measured metric lacks
# the Hotvisor or the QEMU side; the numbers themselves are never judged.
set -euo pipefail

readonly ME=compare
ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT
readonly PUBLISHED="$ROOT/bench/results" REPORTS="$ROOT/kvm-tests/target/bench-reports"
runs=20 only="" out=$PUBLISHED build=()
die() {
    echo "$ME: $*" >&2
    exit 1
}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs=${2:?}; shift 2 ;;
        --only) only=${2:?}; shift 2 ;;
        --out) out=$(mkdir -p "${2:?}" && cd "$2" && pwd); shift 2 ;;
        --build) build=(--build); shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number, not $runs"
cd "$ROOT"

# QEMU runs on this host's /dev/kvm when that is fast; in the lab, L1 carries a copy of it.
scripts/ensure-host-deps.sh qemu-system-x86 fonts-dejavu-core || die "cannot install QEMU and a font for the chart"
export HOTVISOR_L1_WITH_QEMU=1

# Recorded before the run: the commit measured, and a dirty tree said so.
commit=$(git describe --always --dirty --abbrev=10 2>/dev/null || echo unknown)
date=$(date -u +%Y-%m-%d)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
qemu_version=$(qemu-system-x86_64 --version | head -n 1)

mkdir -p "$REPORTS"
# The floor of the exit round trips: lab/kvm-speed's raw C loop, static so that it runs in L1.
kvm_speed="$ROOT/kvm-tests/target/bench-kvm-speed"
gcc -O2 -static -o "$kvm_speed" lab/kvm-speed.c || die "cannot build lab/kvm-speed.c"
properties="$ROOT/kvm-tests/target/bench.properties"
printf 'runs=%s\nonly=%s\n' "$runs" "$only" >"$properties"
# container-start starts the distribution itself.
distribution=()
if [[ -z "$only" || ",$only," == *,container-start,* ]]; then
    archive=$(ls "$ROOT"/assembly/target/hotvisor-*.tar.gz 2>/dev/null | head -n 1 || true)
    if [[ -z "$archive" ]]; then
        echo "$ME: building the distribution for container-start (./mvnw -pl assembly -am package -DskipTests)"
        ./mvnw -B -q --no-transfer-progress -pl assembly -am package -DskipTests || die "cannot build the distribution"
        archive=$(ls "$ROOT"/assembly/target/hotvisor-*.tar.gz | head -n 1)
    fi
    distribution=(--file "hotvisor.bench.distribution=$archive")
fi
# A boot takes 5-20 s in the lab and a hotplug cycle about 1 s: room for every group, and L1's start.
timeout=$((900 + runs * 300))
status=0
lab/run-lab.sh "${build[@]}" --reports "$REPORTS" --timeout "$timeout" \
    --select class:io.hotvisor.linux.CompareBench --file "hotvisor.bench.properties=$properties" \
    --file "hotvisor.bench.kvmSpeed=$kvm_speed" "${distribution[@]}" || status=$?
if [[ -f "$REPORTS/skipped" ]]; then
    echo "$ME: *** SKIPPED: $(cat "$REPORTS/skipped") ***" >&2
    exit 0
fi
[[ -f "$REPORTS/vms/bench.csv" ]] || die "the run wrote no samples (status $status); see $REPORTS/launcher.log"

where=$(cat "$REPORTS/where")
if [[ $where == lab ]]; then
    machine="lab on $(nproc)x ${cpu//,/}"
    setup="$(nproc)-core host ($cpu); Hotvisor and QEMU in the software lab's L1 (QEMU TCG with nested SVM, $(sed -n 's/^kit.kernel.version=//p' "$REPORTS/guest-kit.properties") kernel); $qemu_version with KVM in L1"
else
    machine="$(nproc)x ${cpu//,/}"
    setup="$(nproc)-core host ($cpu), $(uname -r); $qemu_version"
fi
docs=()
[[ "$out" == "$PUBLISHED" ]] && docs=(--docs "$ROOT/docs/performance.md")
java -Djava.awt.headless=true bench/Report.java --samples "$REPORTS/vms/bench.csv" --out "$out" --date "$date" \
    --commit "$commit" --machine "$machine" --setup "$setup; $runs runs" "${docs[@]}" || status=1
echo "$ME: $out/RESULTS.md, ratios.png, raw.csv${docs:+ and docs/performance.md}"
exit $status

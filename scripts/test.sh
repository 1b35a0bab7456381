#!/usr/bin/env bash
# scripts/test.sh [MAVEN ARGS...] — install host packages the build needs, then ./mvnw -B verify,
# then a summary of the test classes that need KVM: where each ran (this host or the lab) and
# its result.
#
# Unit tests run in each module. Every test class that needs KVM runs on this host where its
# /dev/kvm is fast, else in the software lab (lab/): the @KvmTest classes in one JVM (module
# kvm-tests, lab/run-lab.sh), the tests of a distribution with VMs against one started by
# scripts/run.sh (itests, package io.hotvisor.itests.running). The Pax Exam tests (no VMs) run
# on this host. Without extra arguments the build fails when a KVM test class did not run, and
# with HOTVISOR_REQUIRE_KVM=1 (as .ci/run sets) also when one skipped a test (a lab that cannot
# start fails instead of skipping). Without extra arguments, a build that passed ends with the
# benchmark harness's smoke (bench/compare.sh --runs 1 --only boot,cpu-hotplug): it fails when
# the table lacks the Hotvisor or the QEMU side. Extra arguments go to Maven, e.g.
#   scripts/test.sh -o -Dit.test=JmxConnectorIT
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
ME=test.sh

scripts/ensure-host-deps.sh gcc make binutils
if ! command -v java >/dev/null 2>&1; then
    scripts/ensure-host-deps.sh openjdk-17-jdk-headless
fi

# A Karaf that Pax Exam started and could not stop (killed build, crashed fork) keeps the JMX
# ports; end those of this checkout, found by their karaf.home, before and after the run.
stop_stray_containers() {
    local pid cmd
    for pid in $(pgrep -x java || true); do
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
        if [[ "$cmd" == *"-Dkaraf.home=$ROOT/itests/target/exam/"* ]]; then
            echo "$ME: stopping a leftover test container (pid $pid)" >&2
            kill "$pid" 2>/dev/null || true
        fi
    done
}
# Likewise a Hotvisor that io.hotvisor.itests.running started (scripts/run.sh stops it by its PID).
stop_stray_hotvisor() {
    HOTVISOR_RUN_DIR="$ROOT/itests/target/run" scripts/run.sh --stop >/dev/null 2>&1 || true
}
stop_stray_containers
stop_stray_hotvisor
trap 'stop_stray_containers; stop_stray_hotvisor' EXIT

# The summary reads these reports: none may be left from an earlier build.
rm -rf kvm-tests/target/kvm-reports kvm-tests/target/surefire-reports itests/target/failsafe-reports

status=0
started=$(date +%s)
./mvnw -B --no-transfer-progress --fail-at-end verify "$@" || status=$?
echo "$ME: Maven ended with status $status after $(($(date +%s) - started)) s"

source scripts/lib/kvm-classes.sh
mkdir -p kvm-tests/target
kvm_test_classes "$ROOT" KvmTest WithRunningHotvisor >kvm-tests/target/kvm-classes.txt
summary_mode=()
[[ $# -gt 0 ]] && summary_mode=(--informational)
java scripts/KvmSummary.java "${summary_mode[@]}" kvm-tests/target/kvm-classes.txt \
    kvm-tests/target/kvm-reports itests/target/failsafe-reports || status=1

# The benchmark harness's smoke (one more lab boot, ~1.5 min): both sides must fill the table;
# the numbers are not judged. With the whole build only: it needs every module built.
if [[ $# -eq 0 && $status -eq 0 ]]; then
    started=$(date +%s)
    bench/compare.sh --runs 1 --only boot,cpu-hotplug --out kvm-tests/target/bench-smoke || status=1
    echo "$ME: bench/compare.sh smoke ended after $(($(date +%s) - started)) s (kvm-tests/target/bench-smoke/RESULTS.md)"
else
    echo "$ME: bench/compare.sh smoke not run (extra Maven arguments, or the build failed)"
fi

skipped=$(grep -rhos -- '\*\*\* SKIPPED: [^*]*' --include='*-output.txt' */target/failsafe-reports */target/surefire-reports 2>/dev/null | sort | uniq -c || true)
if [[ -n "$skipped" ]]; then
    echo "$ME: ****************************************************************************" >&2
    echo "$ME: tests were SKIPPED:" >&2
    echo "$skipped" | sed "s/^/$ME: /" >&2
    echo "$ME: ****************************************************************************" >&2
fi
exit $status

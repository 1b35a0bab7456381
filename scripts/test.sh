#!/usr/bin/env bash
# scripts/test.sh [MAVEN ARGS...] — install host packages the build needs, then ./mvnw -B verify.
#
# Runs unit tests, KVM tests (probe guest) and the Pax Exam tests that boot the assembled Karaf
# distribution. Tests that need /dev/kvm are skipped (loudly) where it is missing, and fail instead
# when HOTVISOR_REQUIRE_KVM=1 (as .ci/run sets). Extra arguments go to Maven, e.g.
#   scripts/test.sh -o -Dit.test=JmxIT
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
ME=test.sh

scripts/ensure-host-deps.sh gcc make binutils
if ! command -v java >/dev/null 2>&1; then
    scripts/ensure-host-deps.sh openjdk-17-jdk-headless
fi

if [[ ! -e /dev/kvm ]]; then
    if [[ "${HOTVISOR_REQUIRE_KVM:-}" == 1 ]]; then
        echo "$ME: /dev/kvm is missing and HOTVISOR_REQUIRE_KVM=1: the KVM tests will fail" >&2
    else
        echo "$ME: *** /dev/kvm is missing: tests that need KVM will be SKIPPED ***" >&2
    fi
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
stop_stray_containers
trap stop_stray_containers EXIT

status=0
./mvnw -B --no-transfer-progress verify "$@" || status=$?

skipped=$(grep -rhos -- '\*\*\* SKIPPED: [^*]*' --include='*-output.txt' */target/failsafe-reports */target/surefire-reports 2>/dev/null | sort | uniq -c || true)
if [[ -n "$skipped" ]]; then
    echo "$ME: ****************************************************************************" >&2
    echo "$ME: tests were SKIPPED:" >&2
    echo "$skipped" | sed "s/^/$ME: /" >&2
    echo "$ME: ****************************************************************************" >&2
fi
exit $status

#!/usr/bin/env bash
# bench/cpu-hotplug-latency.sh [RUNS] — CPU hot-add request -> the probe guest's "cpu N online"
# line, median of RUNS (default 50) in a warm JVM (the VMM, GED and CPU hotplug services wired as
# the container wires them). Needs a build (./mvnw install -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
classpath_file=$(mktemp)
trap 'rm -f "$classpath_file"' EXIT
./mvnw -q -o -f bundle-cpu-hotplug/pom.xml test-compile dependency:build-classpath \
    -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=test >/dev/null
java -cp "bundle-cpu-hotplug/target/test-classes:bundle-cpu-hotplug/target/classes:$(cat "$classpath_file")" \
    -Dhotvisor.probe.image="$PWD/probe-guest/target/probe-guest.img" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    io.hotvisor.cpuhotplug.CpuHotplugLatencyBench "$runs"

#!/usr/bin/env bash
# lab/run-lab.sh [OPTIONS] — run the test classes that need KVM (@KvmTest: core-vmm's,
# bundle-cpu-hotplug's and bundle-qmp's KVM tests and linux-tests), in one JVM, against Hotvisor.
#
# Where this machine's /dev/kvm runs guest code at hardware speed, the tests run directly (JUnit
# console launcher on this host). Otherwise they run in the software lab: QEMU in pure emulation
# (TCG) with AMD SVM boots an "L1" Linux (lab/build-l1.sh: stock Debian kernel + an initramfs
# with a jlink JRE), whose nested kvm_amd gives a fast /dev/kvm; the same launcher runs there
# over the same classes, and Hotvisor boots the "L2" guests inside L1. Either way:
#   kvm-tests/target/kvm-reports/   TEST-<class>.xml (JUnit XML, one per class as it ends: a wedged
#                                   L1 boot keeps the classes that ended, and the next runs the rest),
#                                   junit/ (the launcher's own report), launcher.log, where (host or
#                                   lab), vms/<Class>/<vm>/console.log, timings.txt, and in the lab
#                                   l1-console.log, qemu.log
# and the exit status is non-zero when a test fails (or nothing ran).
#
# Options:
#   --mode auto|lab|direct
#                        auto (default): direct when lab/kvm-speed measures under
#                        HOTVISOR_FAST_KVM_NS (default 100) ns per loop iteration, else lab
#   --select ARG         a JUnit console launcher selector instead of every @KvmTest class, e.g.
#                        --select class:io.hotvisor.linux.LinuxBootTest (repeatable)
#   --file PROPERTY=PATH a file the tests read, named by a system property (repeatable); in the
#                        lab it is copied into the job and the property names the copy
#   --cache DIR          download/image cache (default ~/.cache/hotvisor)
#   --reports DIR        where the reports go instead of kvm-tests/target/kvm-reports (emptied
#                        first; bench/compare.sh keeps the test run's reports this way)
#   --timeout SECONDS    for the whole lab run (default 2400)
#   --shell              lab only: boot L1 with the job mounted and a shell on this terminal
#   --compare-qemu       lab only: before the tests, boot the same kernel and initramfs with QEMU
#                        (KVM) inside L1, q35 and microvm, and report the time to the kit's marker
#   --build              build the classes first (./mvnw -pl kvm-tests -am package -DskipTests)
#   --skip=A/B           skip when A or B is "true" (Maven passes skipITs/hotvisor.kvm.skip)
#
# Environment: HOTVISOR_FAST_KVM_NS, HOTVISOR_LAB_ATTEMPTS (L1 wedges before giving up, default 8),
# HOTVISOR_LAB_STALL, HOTVISOR_LAB_SMP, HOTVISOR_LAB_TCG_THREAD, HOTVISOR_LAB_JVM_OPTS,
# HOTVISOR_LINUX_KERNEL=bzimage
# (see lab/README.md).
#
# Needs the modules built (Maven does that when kvm-tests calls this script in "integration-test";
# standalone, --build or a missing build runs ./mvnw first). In the lab, qemu-system-x86 is
# installed through scripts/ensure-host-deps.sh. With HOTVISOR_REQUIRE_KVM=1 (CI) a lab that
# cannot run fails the build; otherwise it is skipped, loudly.
set -euo pipefail

readonly ME="run-lab"
LAB=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$LAB/.." && pwd)
readonly LAB ROOT
readonly TARGET="$ROOT/kvm-tests/target"
readonly WORK="$TARGET/lab"
REPORTS="$TARGET/kvm-reports"

mode=auto cache="${HOME}/.cache/hotvisor" timeout=2400 shell=false build=false compare_qemu=false
selected=() files=()
source "$LAB/l1.sh"
source "$ROOT/scripts/lib/kvm-classes.sh"
say() {
    echo "$ME: $*"
}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --mode) mode=${2:?}; shift 2 ;;
        --select) selected+=("${2:?}"); shift 2 ;;
        --file) [[ "${2:?}" == *=* ]] || die "--file takes PROPERTY=PATH, not $2"; files+=("$2"); shift 2 ;;
        --cache) cache=${2:?}; shift 2 ;;
        --reports) REPORTS=$(mkdir -p "${2:?}" && cd "$2" && pwd); shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        --shell) shell=true; mode=lab; shift ;;
        --build) build=true; shift ;;
        --compare-qemu) compare_qemu=true; mode=lab; shift ;;
        --skip=*)
            if [[ ",${1#--skip=}," =~ (^|[,/])true([,/]|$) ]]; then
                say "KVM tests skipped (${1#--skip=})"
                exit 0
            fi
            shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
readonly REPORTS
[[ "$mode" == auto || "$mode" == lab || "$mode" == direct ]] || die "--mode is auto, lab or direct, not $mode"
started=$(date +%s)

# A run that cannot happen: fails under HOTVISOR_REQUIRE_KVM=1 (CI), else skips loudly (scripts/test.sh
# collects "*** SKIPPED:" lines from the reports' *-output.txt files).
cannot_run() {
    mkdir -p "$TARGET/surefire-reports" "$REPORTS"
    if [[ "${HOTVISOR_REQUIRE_KVM:-}" == 1 ]]; then
        die "the KVM tests cannot run: $* (HOTVISOR_REQUIRE_KVM=1)"
    fi
    echo "*** SKIPPED: KVM tests: $* ***" | tee "$TARGET/surefire-reports/kvm-tests-output.txt" \
        "$REPORTS/skipped" >&2
    exit 0
}

# --- the built module ---------------------------------------------------------------------------
launcher="$WORK/junit-platform-console-standalone.jar"
if $build || [[ ! -f "$WORK/classpath.txt" || ! -f "$launcher" ]]; then
    say "building the KVM tests and what they need (./mvnw -pl kvm-tests -am package -DskipTests)"
    (cd "$ROOT" && ./mvnw -B -q --no-transfer-progress -pl kvm-tests -am package -DskipTests) \
        || die "the build failed"
fi
[[ -f "$WORK/classpath.txt" && -f "$launcher" ]] || die "$WORK has no classpath.txt or launcher jar after the build"
probe_image="$ROOT/probe-guest/target/probe-guest.img"
probe_elf="$ROOT/probe-guest/target/probe-guest.elf"
[[ -f "$probe_image" && -f "$probe_elf" ]] || die "$probe_image or $probe_elf is missing (build probe-guest)"
for file in "${files[@]}"; do
    [[ -f "${file#*=}" ]] || die "${file#*=} (--file ${file%%=*}) does not exist"
done

# --- the guest kit ------------------------------------------------------------------------------
kit_prepare "$cache" "$WORK"
kit() {
    read_property "$kit_properties" "$1"
}
kit_vmlinux=$(kit kit.vmlinux)
kit_bzimage=$(kit kit.bzimage)
kit_initramfs=$(kit kit.initramfs)

# --- direct or lab ------------------------------------------------------------------------------
if [[ $mode == auto ]]; then
    kvm_where "$cache"
    mode=direct
    [[ $kvm_where == lab ]] && mode=lab
    say "$kvm_why: running in the $mode"
fi

# --- the launcher -------------------------------------------------------------------------------
# Test classes are named (scanning the class path costs ~40 s of class loading in L1).
label=selected
if [[ ${#selected[@]} -eq 0 ]]; then
    label=all
    while read -r _ class; do
        selected+=("class:$class")
    done < <(kvm_test_classes "$ROOT" KvmTest)
    [[ ${#selected[@]} -gt 0 ]] || die "no @KvmTest classes under $ROOT/*/src/test/java"
fi
# The class a selector names (class:C, method:C#m), or the selector itself.
selector_class() { # SELECTOR
    local class=${1#class:}
    class=${class#method:}
    echo "${class%%#*}"
}

# lab/junit/ClassReports.java: a JUnit XML report per class as each class ends (the launcher's
# own comes at the very end, and never when L1 wedges), compiled against the launcher once per
# source version.
class_reports="$WORK/class-reports-$(cat "$LAB"/junit/ClassReports.java "$LAB"/junit/META-INF/services/* | sha256sum | cut -c1-12)"
if [[ ! -d "$class_reports" ]]; then
    rm -rf "$class_reports.tmp"
    "${JAVA_HOME:+$JAVA_HOME/bin/}javac" --release 17 -cp "$launcher" -d "$class_reports.tmp" "$LAB/junit/ClassReports.java" \
        || die "cannot compile $LAB/junit/ClassReports.java"
    cp -r "$LAB/junit/META-INF" "$class_reports.tmp/"
    mv "$class_reports.tmp" "$class_reports"
fi

# Writes the launcher's command line, for a class path (colon-separated), a directory for the
# per-class reports and the selectors. The launcher's own report goes to junit/ beside them.
# The launcher and the tests' class path on the JVM's own class path (one class loader).
launcher_args() { # CLASSPATH REPORTS SELECTOR...
    local cp=$1 reports=$2 selector
    shift 2
    printf '%q ' -Dhotvisor.class-reports="$reports" -cp "$cp" org.junit.platform.console.ConsoleLauncher execute \
        --disable-banner --disable-ansi-colors --details=tree --fail-if-no-tests --reports-dir "$reports/junit"
    for selector; do
        printf '%q ' --select "$selector"
    done
    printf '%q ' \
        --config 'junit.jupiter.testclass.order.default=org.junit.jupiter.api.ClassOrderer$OrderAnnotation' \
        --config 'junit.jupiter.execution.timeout.default=5 m' \
        --config junit.jupiter.execution.timeout.thread.mode.default=SEPARATE_THREAD
}
# Class order: @Order first (the Linux tests: probe guest, boot, hotplug), then the rest. A hung
# guest or VMM call fails its test after 5 minutes (with the consoles and a thread dump, see
# LinuxGuests) instead of the whole run: the test runs in a thread that is abandoned then.
# JVM options: one JVM for all tests; C1 only (the JIT competes with the vCPUs for 2 CPUs in L1).
# HOTVISOR_LAB_JVM_OPTS replaces them (e.g. without TieredStopAtLevel, for C2 in a benchmark).
readonly JVM_OPTS=${HOTVISOR_LAB_JVM_OPTS:-"-Xmx1g -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true"}

write_properties() { # FILE KERNEL BZIMAGE INITRD PROBE DATA_DIR WHERE
    {
        echo "# Written by lab/run-lab.sh"
        echo "kernel=$2"
        echo "bzimage=$3"
        echo "initrd=$4"
        echo "cmdline=$(kit kit.cmdline)"
        echo "marker=$(kit kit.marker)"
        echo "prompt=$(kit kit.prompt)"
        echo "probe.image=$5"
        echo "data.dir=$6"
        echo "where=$7"
    } >"$1"
}

summarize() { # STATUS
    local xml tests=0 failures=0 errors=0 skipped=0 t f e s
    for xml in "$REPORTS"/TEST-*.xml; do
        [[ -f "$xml" ]] || continue
        read -r t f e s < <(sed -n 's/.*<testsuite [^>]*tests="\([0-9]*\)"[^>]*skipped="\([0-9]*\)"[^>]*failures="\([0-9]*\)"[^>]*errors="\([0-9]*\)".*/\1 \3 \4 \2/p' "$xml" | head -n 1)
        tests=$((tests + ${t:-0})) failures=$((failures + ${f:-0})) errors=$((errors + ${e:-0})) skipped=$((skipped + ${s:-0}))
    done
    say "----------------------------------------------------------------------------"
    say "KVM tests ($label, $mode): $tests run, $failures failed, $errors errors, $skipped skipped; $(($(date +%s) - started)) s in all"
    if [[ -f "$REPORTS/vms/timings.txt" ]]; then
        sed "s/^/$ME:   /" "$REPORTS/vms/timings.txt"
    fi
    say "reports: $REPORTS"
    say "----------------------------------------------------------------------------"
    if [[ $1 -ne 0 || $failures -ne 0 || $errors -ne 0 ]]; then
        say "KVM tests FAILED ($failures failed, $errors errors; status $1)"
        return 1
    fi
}

rm -rf "$REPORTS"
mkdir -p "$REPORTS"
cp "$kit_properties" "$REPORTS/guest-kit.properties"
# Where the classes ran, for scripts/test.sh's summary.
if [[ $mode == direct ]]; then echo host; else echo lab; fi >"$REPORTS/where"

# System properties for the tests: the Linux tests' kit (LinuxKit), the probe guest (its ELF
# beside it) and the --file ones, from FILE_DIR where given (the job's copies), else where they are.
test_properties() { # LINUX_PROPERTIES PROBE_IMAGE [FILE_DIR]
    local file path
    printf -- '-Dhotvisor.linux.properties=%q -Dhotvisor.probe.image=%q ' "$1" "$2"
    for file in "${files[@]}"; do
        path=${file#*=}
        [[ -n "${3:-}" ]] && path="$3/$(basename "$path")"
        printf -- '-D%s=%q ' "${file%%=*}" "$path"
    done
}

# Kernel for L2: the uncompressed vmlinux (PVH entry) unless HOTVISOR_LINUX_KERNEL=bzimage.
if [[ "${HOTVISOR_LINUX_KERNEL:-vmlinux}" == bzimage ]]; then
    l2_kernel=$kit_bzimage
else
    l2_kernel=$kit_vmlinux
fi

if [[ $mode == direct ]]; then
    say "running the KVM tests on this host"
    write_properties "$WORK/linux-direct.properties" "$l2_kernel" "$kit_bzimage" "$kit_initramfs" "$probe_image" \
        "$REPORTS/vms" direct
    classpath="$launcher:$class_reports:$(cat "$WORK/classpath.txt")"
    status=0
    eval "$(printf '%q ' "${JAVA_HOME:+$JAVA_HOME/bin/}java") $JVM_OPTS $(test_properties "$WORK/linux-direct.properties" "$probe_image") $(launcher_args "$classpath" "$REPORTS" "${selected[@]}")" \
        2>&1 | tee "$REPORTS/launcher.log" || status=${PIPESTATUS[0]}
    summarize "$status"
    exit $?
fi

# --- the lab ------------------------------------------------------------------------------------
$compare_qemu && export HOTVISOR_L1_WITH_QEMU=1
l1_prepare "$cache" "$WORK" || cannot_run "qemu-system-x86 cannot be installed"

# The job L1 mounts read-only at /job: class path, launcher, guest images, run.sh. Hard links
# where possible (same file system as the cache), else copies.
job="$WORK/job" out="$WORK/out"
rm -rf "$job" "$out"
mkdir -p "$job/lib" "$job/classes" "$job/images" "$job/files" "$out"
link() {
    ln -f "$1" "$2" 2>/dev/null || cp "$1" "$2"
}
cp_entries=()
i=0
IFS=: read -r -a entries <"$WORK/classpath.txt" || true # no final newline
for entry in "${entries[@]}"; do
    [[ -n "$entry" ]] || continue
    i=$((i + 1))
    name=$(printf '%02d-%s' "$i" "$(basename "$entry")")
    if [[ -d "$entry" ]]; then
        cp -r "$entry" "$job/classes/$name"
        cp_entries+=("/job/classes/$name")
    elif [[ -f "$entry" ]]; then
        link "$entry" "$job/lib/$name"
        cp_entries+=("/job/lib/$name")
    else
        die "class path entry $entry does not exist (rebuild: $0 --build)"
    fi
done
link "$launcher" "$job/launcher.jar"
link "$probe_image" "$job/images/probe-guest.img"
link "$probe_elf" "$job/images/probe-guest.elf"
for file in "${files[@]}"; do
    link "${file#*=}" "$job/files/$(basename "${file#*=}")"
done
link "$kit_vmlinux" "$job/images/vmlinux"
link "$kit_bzimage" "$job/images/bzImage"
link "$kit_initramfs" "$job/images/initramfs.cpio"
l1_kernel=/job/images/vmlinux
[[ "$l2_kernel" == "$kit_bzimage" ]] && l1_kernel=/job/images/bzImage
write_properties "$job/linux.properties" "$l1_kernel" /job/images/bzImage /job/images/initramfs.cpio \
    /job/images/probe-guest.img /tmp/vms lab
cp -r "$class_reports" "$job/classes/00-class-reports"
l1_cp=$(IFS=:; echo "/job/classes/00-class-reports:${cp_entries[*]}")
# For --compare-qemu: QEMU (KVM) in L1 boots the kit as Hotvisor does (2 vCPUs, 512 MiB, the
# vmlinux through PVH, the kit's command line); time from QEMU's start to the kit's marker.
compare_qemu_script() {
    cat <<EOF
for machine in q35 microvm q35; do
    rm -f /tmp/qemu-serial.log
    t0=\$(cut -d' ' -f1 /proc/uptime)
    /opt/qemu/bin/qemu-system-x86_64 -enable-kvm -cpu host -smp 2 -m 512M -machine \$machine \\
        -kernel /job/images/vmlinux -initrd /job/images/initramfs.cpio -append '$(kit kit.cmdline)' \\
        -display none -nodefaults -no-reboot -serial file:/tmp/qemu-serial.log </dev/null >/tmp/qemu.err 2>&1 &
    q=\$!
    i=0
    while ! grep -q '$(kit kit.marker)' /tmp/qemu-serial.log 2>/dev/null && [ \$i -lt 3000 ] && kill -0 \$q 2>/dev/null; do
        sleep 0.1; i=\$((i+1))
    done
    t1=\$(cut -d' ' -f1 /proc/uptime)
    kill \$q 2>/dev/null; wait \$q 2>/dev/null
    grep -q '$(kit kit.marker)' /tmp/qemu-serial.log || { echo "qemu-in-l1: \$machine did not reach the marker:"; tail -5 /tmp/qemu-serial.log /tmp/qemu.err; }
    line="qemu-in-l1-boot-to-marker[\$machine, 2 vCPUs, 512 MiB, vmlinux]=\$(awk "BEGIN { printf \\"%.1f\\", \$t1 - \$t0 }") s (lab)"
    echo "[linux-timing] \$line"; echo "\$line" >>/tmp/vms/timings.txt
done
EOF
}

# Writes the job's run.sh for one L1 boot, running the given selectors.
write_job() { # SELECTOR...
    # The tests must end before the host's deadline, so that reports and consoles come back.
    local left=$((deadline - $(date +%s))) inner_timeout
    inner_timeout=$((left > 480 ? left - 120 : left * 3 / 4))
    cat >"$job/run.sh" <<EOF
# Written by lab/run-lab.sh: run by L1's /init (busybox sh). The launcher writes to the console
# (the host keeps it as l1-console.log and launcher.log) and a report per class as each ends to
# /out/class-reports; a watchdog takes a thread dump and kills it before the host's timeout, so
# that reports and guest consoles still come back.
cd /tmp
mkdir -p /tmp/vms
$($compare_qemu && compare_qemu_script)
echo "l1: java starts at \$(cut -d' ' -f1 /proc/uptime) s"
java $JVM_OPTS $(test_properties /job/linux.properties /job/images/probe-guest.img /job/files) \\
    $(launcher_args "/job/launcher.jar:$l1_cp" /out/class-reports "$@") </dev/null &
java=\$!
( sleep $inner_timeout; echo "l1: TIMEOUT after $inner_timeout s: thread dump, then kill"; kill -QUIT \$java
  sleep 10; kill -KILL \$java ) </dev/null &
watchdog=\$!
wait \$java
status=\$?
kill \$watchdog 2>/dev/null
echo "l1: java ended at \$(cut -d' ' -f1 /proc/uptime) s with status \$status"
cp -r /tmp/vms /out/
exit \$status
EOF
}

tmp=$(mktemp -d /tmp/hotvisor-lab.XXXXXX)
monitor_socket="$tmp/monitor.sock"
qemu_pid=""
tail_pid=""
stop_qemu() {
    # qemu_pid is timeout(1)'s: it passes TERM on to QEMU, but KILL would leave QEMU running.
    if [[ -n "$qemu_pid" ]] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill "$qemu_pid" 2>/dev/null || true
        sleep 2
        pkill -KILL -P "$qemu_pid" 2>/dev/null || true
        kill -KILL "$qemu_pid" 2>/dev/null || true
    fi
    if [[ -n "$tail_pid" ]]; then
        kill "$tail_pid" 2>/dev/null || true
        wait "$tail_pid" 2>/dev/null || true
    fi
    qemu_pid="" tail_pid=""
}
trap 'stop_qemu; rm -rf "$tmp"' EXIT
trap 'exit 143' TERM INT HUP

mkfifo "$tmp/monitor.in" "$tmp/monitor.out"

if $shell; then
    say "L1 shell (job at /job, results to /out = $out); 'poweroff -f' ends it"
    l1_qemu_command lab.shell
    l1_add_share job "$job" ro
    l1_add_share out "$out"
    "${l1_qemu[@]}" -serial stdio
    exit 0
fi

elapsed() {
    awk -v s="$1" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }'
}

# Saves what the monitor shows (status, vCPUs, registers) to FILE.
monitor_dump() {
    {
        exec 7<>"$tmp/monitor.out"
        printf 'info status\ninfo cpus\ninfo registers -a\n' >"$tmp/monitor.in"
        timeout 5 cat <&7 || true
        exec 7<&-
    } 2>&1 | grep -v '^(qemu)' >"$1"
}

# One boot of L1 running the job. Returns 0 when the job ran to its end (exit-status written),
# 2 when L1 wedged (QEMU TCG's nested SVM sometimes leaves both L1 CPUs spinning with
# interrupts off: "soft lockup", a kernel panic, no /init, or the heartbeat stops), 3 on timeout.
# Budget: what is left of --timeout.
run_l1() { # ATTEMPT
    local attempt=$1 console="$REPORTS/l1-console.log" qemu_start ready=false now beat stall=${HOTVISOR_LAB_STALL:-60}
    rm -rf "$out" && mkdir -p "$out"
    : >"$console"
    say "starting L1 (QEMU TCG, ${HOTVISOR_LAB_SMP:-2} vCPUs, SVM), attempt $attempt; monitor: socat - UNIX-CONNECT:$monitor_socket"
    qemu_start=$(date +%s.%N)
    # Under timeout(1): even a QEMU this script cannot stop (killed build) ends after the budget.
    timeout -k 10 $((deadline - $(date +%s) + 30)) \
        "${qemu[@]}" -chardev "file,id=ser0,path=$console" -serial chardev:ser0 </dev/null >"$REPORTS/qemu.log" 2>&1 &
    qemu_pid=$!
    # The L1 console live, with seconds since QEMU started.
    (tail -n +1 -F --pid="$qemu_pid" "$console" 2>/dev/null | while IFS= read -r line; do
        printf 'l1|%4ds| %s\n' $((${EPOCHREALTIME%.*} - ${qemu_start%.*})) "${line%$'\r'}"
    done) &
    tail_pid=$!
    local result=0
    while kill -0 "$qemu_pid" 2>/dev/null; do
        now=$(date +%s)
        if ! $ready && grep -q '^L1-READY' "$console" 2>/dev/null; then
            ready=true
            say "L1 reached /init after $(elapsed "$qemu_start") s"
        fi
        beat=$(stat -c %Y "$out/heartbeat" 2>/dev/null || echo 0)
        if ! $ready && ((now - ${qemu_start%.*} > 180)) || ((beat > 0 && now - beat > stall)); then
            say "L1 made no progress (no /init after 180 s, or no heartbeat for $stall s)"
            result=2
            break
        fi
        if ((now >= deadline)); then
            result=3
            break
        fi
        sleep 1
    done
    if kill -0 "$qemu_pid" 2>/dev/null; then
        say "saving the monitor's view to $REPORTS/l1-monitor.txt, stopping QEMU (pid $qemu_pid)"
        monitor_dump "$REPORTS/l1-monitor.txt"
        echo quit >"$tmp/monitor.in" || true
        sleep 3
    fi
    wait "$qemu_pid" 2>/dev/null || true
    sleep 1
    stop_qemu
    say "L1: kernel uptime at /init $(cat "$out/l1-ready-uptime" 2>/dev/null || echo "?") s; QEMU ran $(elapsed "$qemu_start") s"
    if [[ -f "$out/exit-status" ]]; then
        return 0 # the job ran to its end: its result stands, whatever it is
    fi
    if ((result == 0)); then
        # QEMU ended without a result: an L1 panic (softlockup_panic), or QEMU failed.
        tail -n 20 "$REPORTS/qemu.log" | grep -v "TCG doesn't support" | sed "s/^/$ME: qemu: /" || true
        result=2
    fi
    return $result
}

deadline=$(($(date +%s) + timeout))
# The VFIO NIC's classes (@LabVfioDevice) get an L1 of their own with the virtual IOMMU and the
# NIC (HOTVISOR_LAB_VFIO=1, lab/l1.sh); the others a plain L1 (why: lab/README.md).
vfio_classes=" $(kvm_test_classes "$ROOT" LabVfioDevice | cut -d' ' -f2 | tr '\n' ' ') "
plain=() vfio=()
for selector in "${selected[@]}"; do
    if [[ "$vfio_classes" == *" $(selector_class "$selector") "* ]]; then vfio+=("$selector"); else plain+=("$selector"); fi
done

# Brings back what an L1 boot left in /out: the reports of the classes that ended, the guests'
# consoles and timings, the launcher's report and output. A class that had failed a test when
# the boot ended before the class did (a wedge, the timeout) keeps that failure in
# TEST-CLASS.unfinished-BOOT.xml, whatever its rerun gives.
boots=0
collect() {
    local unfinished class
    boots=$((boots + 1))
    for unfinished in "$out"/class-reports/UNFINISHED-*.xml; do
        [[ -f "$unfinished" ]] || continue
        class=$(basename "$unfinished" .xml)
        class=${class#UNFINISHED-}
        say "*** $class had failed a test when L1 boot $boots ended; the failure stands: $REPORTS/TEST-$class.unfinished-$boots.xml"
        mv "$unfinished" "$REPORTS/TEST-$class.unfinished-$boots.xml"
    done
    [[ -d "$out/class-reports" ]] && cp -r "$out/class-reports/." "$REPORTS/"
    if [[ -d "$out/vms" ]]; then
        [[ -f "$out/vms/timings.txt" ]] && cat "$out/vms/timings.txt" >>"$REPORTS/timings.tmp" && rm "$out/vms/timings.txt"
        mkdir -p "$REPORTS/vms" && cp -r "$out/vms/." "$REPORTS/vms/"
    fi
    sed -n '/^l1: java starts/,/^l1: java ended/p' "$REPORTS/l1-console.log" | tr -d '\r' >>"$REPORTS/launcher.log" || true
}

# Runs the selectors in L1 boots of one kind until they ran to their end. A boot that wedged
# keeps the classes that ended (their reports are in); the next boot runs the others, and the
# class that was running then again. Sets status: the launcher's exit status, or 1.
wedges=0 status=0
run_in_l1() { # VFIO(0|1) SELECTOR...
    local with_vfio=$1 attempt result selector pending phase=plain
    ((with_vfio == 0)) || phase=vfio
    shift
    pending=("$@")
    HOTVISOR_LAB_VFIO=$with_vfio l1_qemu_command
    l1_add_share job "$job" ro
    l1_add_share out "$out"
    qemu=("${l1_qemu[@]}"
        -chardev "socket,id=mon0,path=$monitor_socket,server=on,wait=off" -mon chardev=mon0
        -chardev "pipe,id=mon1,path=$tmp/monitor" -mon chardev=mon1)
    for ((attempt = 1; ; attempt++)); do
        write_job "${pending[@]}"
        result=0
        run_l1 "$attempt" || result=$?
        collect
        if ((result == 0)); then
            [[ "$(cat "$out/exit-status")" == 0 ]] || status=1
            cp "$REPORTS/l1-console.log" "$REPORTS/l1-console-$phase.log"
            return 0
        fi
        status=1
        if ((result != 2)); then
            say "TIMEOUT after $timeout s; see $REPORTS/l1-console.log and l1-monitor.txt"
            return 1
        fi
        wedges=$((wedges + 1))
        cp "$REPORTS/l1-console.log" "$REPORTS/l1-console-wedged-$wedges.log"
        [[ -f "$REPORTS/l1-monitor.txt" ]] && mv "$REPORTS/l1-monitor.txt" "$REPORTS/l1-monitor-wedged-$wedges.txt"
        say "*** L1 WEDGED ($wedges of at most $attempts): the emulator's nested SVM stalled, not a test"
        say "*** failure; its console is $REPORTS/l1-console-wedged-$wedges.log"
        local left=()
        for selector in "${pending[@]}"; do
            [[ -f "$REPORTS/TEST-$(selector_class "$selector").xml" ]] || left+=("$selector")
        done
        say "*** $((${#pending[@]} - ${#left[@]})) of ${#pending[@]} selected classes ended before; ${#left[@]} run again"
        pending=("${left[@]}")
        if ((${#pending[@]} == 0)); then
            status=0
            return 0
        fi
        if ((wedges >= attempts || $(date +%s) + 120 >= deadline)); then
            say "L1 wedged $wedges times; giving up"
            return 1
        fi
        status=0
    done
}

# Eight: the whole suite (~12 minutes of L1) saw 2 and 4 wedges in its two CI runs of 2026-12-06
# (lab/README.md); a boot after a wedge runs only what is left, so a retry costs a class and a boot.
attempts=${HOTVISOR_LAB_ATTEMPTS:-8}
exit_status=0
: >"$REPORTS/launcher.log"
if ((${#plain[@]} > 0)); then
    say "${#plain[@]} selected classes in a plain L1"
    run_in_l1 0 "${plain[@]}" || exit_status=1
    ((status == 0)) || exit_status=1
fi
if ((${#vfio[@]} > 0 && $(date +%s) + 300 < deadline)); then
    say "${#vfio[@]} selected classes in an L1 with a virtual IOMMU and a NIC for VFIO"
    run_in_l1 1 "${vfio[@]}" || exit_status=1
    ((status == 0)) || exit_status=1
elif ((${#vfio[@]} > 0)); then
    say "no time left for the ${#vfio[@]} classes that need the VFIO NIC"
    exit_status=1
fi
[[ -f "$REPORTS/timings.tmp" ]] && mv "$REPORTS/timings.tmp" "$REPORTS/vms/timings.txt"
summarize "$exit_status"

#!/usr/bin/env bash
# lab/hotvisor-in-l1.sh HOME STATE_DIR [CACHE] — boot the lab's L1 machine running the unpacked
# Hotvisor distribution HOME (its bin/karaf server) in the background; return once Karaf's SSH
# port answers. scripts/run.sh uses it where /dev/kvm is missing or slow (lab/l1.sh kvm_where).
#
# - HOME is shared with L1 over 9p and mounted there at the same absolute path, so every path
#   Karaf and the VMs use (kernel images, data/, etc/, the bundle cache) means the same on both
#   sides; etc/ and data/ stay on this host and outlast L1.
# - Host ports on 127.0.0.1 are forwarded into L1 (QEMU user networking): Karaf's SSH port and
#   JMX ports as etc/ configures them (8101, 1099, 44444), and each VM's QMP TCP port (qmp.tcp)
#   as soon as Karaf logs that it listens there.
# - STATE_DIR gets qemu.pid (stop Hotvisor by stopping Karaf; QEMU powers off when Karaf ends,
#   else kill this PID), l1-console.log (L1's console: Karaf's own output), qemu.log,
#   forwards.log, the QEMU monitor's FIFOs (monitor.in / monitor.out) and out/ (L1's
#   exit-status once Karaf ended: a clean shutdown; heartbeat, rewritten every 5 s while L1 runs).
#
# Fails (status 1, with the last lines of L1's console and of Karaf's log) when QEMU cannot start
# or L1 dies before Karaf's SSH port answers within HOTVISOR_LAB_START_TIMEOUT (300) seconds;
# status 3 when the lab cannot start at all (QEMU is missing and cannot be installed).
set -euo pipefail

readonly ME="hotvisor-in-l1"
source "$(dirname "$0")/l1.sh"

[[ $# -ge 2 && $# -le 3 ]] || die "usage: $0 HOME STATE_DIR [CACHE]"
HOME_DIR=$(cd "$1" && pwd)
mkdir -p "$2"
STATE=$(cd "$2" && pwd)
CACHE=${3:-$HOME/.cache/hotvisor}
readonly HOME_DIR STATE CACHE
[[ -x "$HOME_DIR/bin/karaf" ]] || die "$HOME_DIR is not a Hotvisor distribution (no bin/karaf)"
# The first start's password for user karaf is made and printed here, on this host's terminal
# (scripts/run.sh has already done it: then nothing happens), not by bin/setenv in L1, whose
# output is L1's console log.
sh "$HOME_DIR/bin/hotvisor-first-start" || echo "$ME: warning: no password for user karaf (keys still log in)" >&2

# A Karaf configuration value from etc/PID.cfg, or the default.
etc_value() { # PID KEY DEFAULT
    local value
    value=$(sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p" \
        "$HOME_DIR/etc/$1.cfg" 2>/dev/null | tail -n 1)
    echo "${value:-$3}"
}
ssh_port=$(etc_value org.apache.karaf.shell sshPort 8101)
registry_port=$(etc_value org.apache.karaf.management rmiRegistryPort 1099)
server_port=$(etc_value org.apache.karaf.management rmiServerPort 44444)

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
for port in "$ssh_port" "$registry_port" "$server_port"; do
    port_in_use "$port" && die "port $port on 127.0.0.1 is in use (another Hotvisor or Karaf?): stop it first"
done

kit_prepare "$CACHE" "$STATE/l1"
l1_prepare "$CACHE" "$STATE/l1" || { echo "$ME: the lab cannot start: qemu-system-x86 cannot be installed" >&2; exit 3; }

# The job L1's /init runs: mount HOME's parts where they are on this host, then Karaf in the
# foreground (its output on L1's console); when Karaf ends, /init powers L1 off.
# - HOME with cache=loose (jars are read often and change only between runs); data/ and etc/
#   uncached, so this host sees console logs and L1 sees edited VM definitions at once; data/cache
#   (the OSGi bundle cache: read often, written only by Karaf) cached.
# - JMX: Karaf accepts connections to a loopback-bound RMI server only from local addresses,
#   and forwarded connections come from QEMU's gateway (10.0.2.2): the RMI server listens on L1's
#   NIC instead, and its stubs name 127.0.0.1, where this host's forward is. That NIC is on
#   QEMU's private user network, reached only through the forward from this host's 127.0.0.1,
#   so JMX stays loopback-only as etc/ ships it. SSH (sshHost 127.0.0.1 in etc/) answers the
#   forward through route_localnet (lab/l1-init.sh).
job="$STATE/job"
# An L1 that ended without its job's exit status (killed, or a kernel panic when the emulator
# wedged) may have lost writes to the bundle cache, which it caches: Karaf would hang on it.
if [[ -d "$STATE/out" && ! -f "$STATE/out/exit-status" ]]; then
    echo "$ME: the last L1 did not shut down cleanly: starting with an empty bundle cache (data/cache)"
    rm -rf "$HOME_DIR/data/cache"
fi
rm -rf "$job" "$STATE/out"
mkdir -p "$job" "$STATE/out" "$HOME_DIR/data/cache"
cat >"$job/run.sh" <<EOF
# Written by lab/hotvisor-in-l1.sh for L1's /init.
home=$(printf '%q' "$HOME_DIR")
opts=trans=virtio,version=9p2000.L,msize=524288
mkdir -p "\$home"
mount -t 9p -o \$opts,cache=loose home "\$home" || exit 1
mount -t 9p -o \$opts,cache=none data "\$home/data" || exit 1
mount -t 9p -o \$opts,cache=loose bundles "\$home/data/cache" || exit 1
mount -t 9p -o \$opts,cache=none etc "\$home/etc" || exit 1
cd "\$home"
echo "l1: Karaf starts at \$(cut -d' ' -f1 /proc/uptime) s"
${HOTVISOR_JAVA_OPTS+HOTVISOR_JAVA_OPTS=$(printf '%q' "$HOTVISOR_JAVA_OPTS")} JAVA_HOME=/opt/jre \\
    EXTRA_JAVA_OPTS="-Dorg.apache.karaf.management.rmiServerHost=10.0.2.15 -Djava.rmi.server.hostname=127.0.0.1" \\
    bin/karaf server </dev/null
status=\$?
echo "l1: Karaf ended with status \$status"
exit \$status
EOF

l1_qemu_command ""
l1_add_share job "$job" ro
l1_add_share out "$STATE/out"
l1_add_share home "$HOME_DIR"
l1_add_share data "$HOME_DIR/data"
l1_add_share bundles "$HOME_DIR/data/cache"
l1_add_share etc "$HOME_DIR/etc"
forwards="hostfwd=tcp:127.0.0.1:$ssh_port-127.0.0.1:$ssh_port"
forwards+=",hostfwd=tcp:127.0.0.1:$registry_port-127.0.0.1:$registry_port"
forwards+=",hostfwd=tcp:127.0.0.1:$server_port-10.0.2.15:$server_port"
rm -f "$STATE/monitor.in" "$STATE/monitor.out"
mkfifo "$STATE/monitor.in" "$STATE/monitor.out"
: >"$STATE/l1-console.log"
: >"$STATE/forwards.log"
l1_qemu+=(-netdev "user,id=net0,$forwards" -device virtio-net-pci,netdev=net0
    -chardev "file,id=ser0,path=$STATE/l1-console.log" -serial chardev:ser0
    -chardev "pipe,id=mon0,path=$STATE/monitor" -mon chardev=mon0)

# Its own session: a Ctrl-C on the terminal that started it does not reach QEMU.
setsid "${l1_qemu[@]}" </dev/null >"$STATE/qemu.log" 2>&1 &
qemu_pid=$!
echo "$qemu_pid" >"$STATE/qemu.pid"
started=$(date +%s)

# Monitor answers are drained to a file (a full FIFO would stall the monitor); both helpers end
# with QEMU.
setsid cat "$STATE/monitor.out" >>"$STATE/monitor.log" 2>/dev/null </dev/null &
monitor_reader=$!
# QMP TCP ports: forwarded when Karaf logs "VM NAME: QMP on tcp 127.0.0.1:PORT" (bundle-qmp).
log="$HOME_DIR/data/log/karaf.log"
setsid bash -c '
    tail -n 0 -F --pid="$1" "$2" 2>/dev/null | while IFS= read -r line; do
        [[ "$line" =~ QMP\ on\ tcp\ 127\.0\.0\.1:([0-9]+) ]] || continue
        port=${BASH_REMATCH[1]}
        grep -qx "$port" "$3" && continue
        echo "$port" >>"$3"
        echo "hostfwd_add net0 tcp:127.0.0.1:$port-127.0.0.1:$port" >"$4"
    done' forward-qmp "$qemu_pid" "$log" "$STATE/forwards.log" "$STATE/monitor.in" </dev/null >/dev/null 2>&1 &

say_tail() { # WHAT FILE LINES
    [[ -s "$2" ]] || return 0
    echo "$ME: --- the last lines of $1 ($2) ---" >&2
    tail -n "$3" "$2" | tr -d '\r' | sed 's/^/    /' >&2
}
failed() {
    say_tail "L1's console" "$STATE/l1-console.log" 30
    say_tail "Karaf's log" "$log" 20
    say_tail "QEMU's messages" "$STATE/qemu.log" 10
    kill "$qemu_pid" "$monitor_reader" 2>/dev/null || true
    die "$*"
}

# Karaf's SSH server is up when the forwarded port sends its banner (QEMU accepts the
# connection itself and closes it when nothing listens in L1).
ssh_answers() {
    local banner
    banner=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && head -c 4 <&3' _ "$ssh_port" 2>/dev/null) || true
    [[ "$banner" == SSH- ]]
}
limit=${HOTVISOR_LAB_START_TIMEOUT:-300}
until ssh_answers; do
    kill -0 "$qemu_pid" 2>/dev/null || failed "L1 ended before Karaf's SSH port answered (QEMU pid $qemu_pid)"
    (($(date +%s) - started < limit)) || failed "Karaf's SSH port $ssh_port did not answer within $limit s"
    sleep 1
done
echo "$ME: Karaf's SSH port answers in L1 after $(($(date +%s) - started)) s (QEMU pid $qemu_pid)"

#!/usr/bin/env bash
# scripts/run.sh [--detach | --stop] — build Hotvisor if needed, unpack it into run/ and start it.
#
#   scripts/run.sh            the Karaf shell on this terminal (vm:list; logout or Ctrl-D stops
#                             Hotvisor); the demo VM of etc/io.hotvisor.vm~demo.cfg starts by
#                             itself. Without a terminal, Hotvisor runs until it is stopped.
#   scripts/run.sh --detach   start it in the background; return once its shell answers
#   scripts/run.sh --stop     stop the Hotvisor started from run/ (by its PID)
#   scripts/shell.sh 'CMD'    one shell command (see there)
#
# Where /dev/kvm is missing or slow (lab/kvm-speed measures it), Hotvisor runs inside the
# software lab (lab/hotvisor-in-l1.sh: QEMU emulating a machine with nested KVM), from the same
# run/ directory, with its SSH (8101), JMX (1099, 44444) and QMP TCP ports forwarded to this
# host's 127.0.0.1; run/.../etc and data stay on this host.
#
# Exit status: 0, or 1 when something failed, or 3 when VMs cannot run here at all (no fast
# /dev/kvm and the lab cannot start: QEMU is missing and cannot be installed).
#
# Environment:
#   HOTVISOR_REBUILD       1: rebuild even if the distribution looks up to date; 0: never build
#                          (use assembly/target's archive as it is)
#   HOTVISOR_WHERE         host or lab: run there whatever KVM's speed
#   HOTVISOR_RUN_DIR       another directory than run/ (tests use their own)
#   HOTVISOR_JAVA_OPTS     JVM options (default in bin/setenv: small heap, serial GC, C1 only)
#   HOTVISOR_CACHE         downloads and lab images (default ~/.cache/hotvisor)
#   HOTVISOR_SHELL_TIMEOUT seconds to wait for the shell to answer (default 300)
set -euo pipefail

readonly ME="run.sh"
source "$(dirname "$0")/lib/hotvisor.sh"
cd "$HV_ROOT"
readonly DIST="$HV_ROOT/assembly/target/$HV_NAME.tar.gz"
readonly CACHE=${HOTVISOR_CACHE:-$HOME/.cache/hotvisor}
readonly SHELL_TIMEOUT=${HOTVISOR_SHELL_TIMEOUT:-300}

action=foreground
case "${1:-}" in
    "") ;;
    --detach) action=detach ;;
    --stop) action=stop ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
esac

# --- stop --------------------------------------------------------------------------------------
# Karaf shuts down on request (in the lab, L1 then powers off and QEMU ends); whatever is still
# running after that is ended by its PID. A lab whose Karaf does not answer (still starting) is
# ended at once.
stop_hotvisor() {
    local pid waited
    pid=$(running_pid) || { say "Hotvisor is not running from $RUN_DIR"; rm -f "$STATE_DIR/pid" "$STATE_DIR/qemu.pid"; return 0; }
    say "stopping Hotvisor ($(running_where), pid $pid)"
    if [[ "$(running_where)" == host ]] || ! karaf_shell 'system:shutdown -f' >/dev/null 2>&1; then
        kill -TERM "$pid" 2>/dev/null || true
    fi
    for ((waited = 0; waited < 60; waited++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid did not end within 60 s: killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE_DIR/pid" "$STATE_DIR/qemu.pid"
    say "Hotvisor stopped"
}
if [[ $action == stop ]]; then
    stop_hotvisor
    exit 0
fi

# --- host --------------------------------------------------------------------------------------
scripts/ensure-host-deps.sh gcc make binutils openssh-client

if ! command -v java >/dev/null 2>&1; then
    die "no java on PATH: Hotvisor needs JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
fi
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
if [[ -z "$java_major" || "$java_major" -lt 17 ]]; then
    die "java ${java_major:-?} found: Hotvisor needs JDK 17"
elif [[ "$java_major" -gt 21 ]]; then
    say "warning: java $java_major found; Karaf 4.4 is known to work on 17 (and 21), not on 25"
fi
if [[ -z "${JAVA_HOME:-}" ]]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    export JAVA_HOME
fi

pid=$(running_pid) && die "Hotvisor is already running from $RUN_DIR ($(running_where), pid $pid): scripts/run.sh --stop stops it"

# --- build -------------------------------------------------------------------------------------
# Rebuild when the archive is missing or older than any source of a module that goes into it.
needs_build() {
    [[ "${HOTVISOR_REBUILD:-}" == 1 ]] && return 0
    [[ "${HOTVISOR_REBUILD:-}" == 0 ]] && return 1
    [[ -f "$DIST" ]] || return 0
    local sources=(pom.xml) d
    for d in */; do
        d=${d%/}
        [[ -f "$d/pom.xml" && "$d" != itests && "$d" != *-tests ]] && sources+=("$d")
    done
    [[ -n "$(find "${sources[@]}" \( -name target -o -path "*/src/test" \) -prune -o -type f -newer "$DIST" -print -quit)" ]]
}

if needs_build; then
    say "building Hotvisor (./mvnw -B -q install -DskipTests) ..."
    ./mvnw -B -q install -DskipTests -pl assembly -am
fi
[[ -f "$DIST" ]] || die "the build did not produce $DIST"

# --- unpack ------------------------------------------------------------------------------------
# A fresh copy whenever the archive changed (this resets etc/ and data/ of run/$HV_NAME).
STAMP="$HOME_DIR/.hotvisor-dist-stamp"
if [[ ! -f "$STAMP" || "$DIST" -nt "$STAMP" ]]; then
    say "unpacking $HV_NAME into $RUN_DIR"
    rm -rf "$HOME_DIR"
    mkdir -p "$RUN_DIR"
    tar -xzf "$DIST" -C "$RUN_DIR"
    touch "$STAMP"
fi
# The first start's password for user karaf (bin/hotvisor-first-start; bin/setenv would make it
# as Karaf starts, but then it would be printed into console.log or L1's console): printed here,
# on this terminal, once per unpacked copy. Scripts and tests never use it.
sh "$HOME_DIR/bin/hotvisor-first-start" || say "warning: no password for user karaf (keys still log in)"
# The scripts' key (no password in a script): made once, authorised in every unpacked copy.
if [[ ! -f "$SSH_KEY" ]]; then
    mkdir -p "$(dirname "$SSH_KEY")"
    ssh-keygen -q -t rsa -b 3072 -N '' -C "hotvisor scripts" -f "$SSH_KEY" || die "ssh-keygen failed"
fi
public_key=$(cut -d' ' -f2 "$SSH_KEY.pub")
if ! grep -qF "$public_key" "$HOME_DIR/etc/keys.properties" 2>/dev/null; then
    printf '\n# scripts/run.sh: the key of scripts/shell.sh (run/ssh/id_rsa)\nkaraf=%s,_g_:admingroup\n' \
        "$public_key" >>"$HOME_DIR/etc/keys.properties"
fi

# --- where -------------------------------------------------------------------------------------
source lab/l1.sh
where=${HOTVISOR_WHERE:-}
if [[ -z "$where" ]]; then
    kvm_where "$CACHE"
    where=$kvm_where
    if [[ $where == lab ]]; then
        say "$kvm_why: running Hotvisor inside the software lab (QEMU emulation with nested KVM); guests run slower there"
    fi
fi
[[ $where == host || $where == lab ]] || die "HOTVISOR_WHERE is host or lab, not $where"
if [[ $where == host && ! -e /dev/kvm ]]; then
    say "warning: /dev/kvm is missing: Hotvisor starts, but its VMs (the demo among them) will fail"
fi

# --- start -------------------------------------------------------------------------------------
mkdir -p "$STATE_DIR"
echo "$where" >"$STATE_DIR/where"
rm -f "$STATE_DIR/pid"

if [[ $where == host && $action == foreground ]]; then
    cd "$HOME_DIR"
    say "starting $HOME_DIR (Karaf shell; 'vm:list', 'vm:console demo' (detach: Ctrl-]), 'logout' to stop)"
    if [[ -t 0 ]]; then
        exec bin/karaf
    else
        exec bin/karaf server
    fi
fi

started=$(date +%s)
# From here on, a failed or interrupted start stops what it started (--detach keeps it once up).
trap 'stop_hotvisor' EXIT
trap 'exit 130' INT TERM HUP
if [[ $where == host ]]; then
    # "daemon": bin/karaf execs java, so the PID is Karaf's JVM. Its own session: a Ctrl-C on
    # this terminal does not reach it. The absolute path names the distribution in the process's
    # command line before java replaces the script (running_pid checks that).
    (cd "$HOME_DIR" && exec setsid "$HOME_DIR/bin/karaf" daemon </dev/null >"$STATE_DIR/console.log" 2>&1) &
    echo $! >"$STATE_DIR/pid"
else
    lab/hotvisor-in-l1.sh "$HOME_DIR" "$STATE_DIR" "$CACHE" || exit $? # 3: the lab cannot start here
fi

# The shell answers once Karaf's shell commands and ours are registered.
until karaf_shell 'vm:list' >/dev/null 2>&1; do
    running_pid >/dev/null || die "Hotvisor ended while starting; see $STATE_DIR and $HOME_DIR/data/log/karaf.log"
    if (($(date +%s) - started > SHELL_TIMEOUT)); then
        die "the shell did not answer within $SHELL_TIMEOUT s; see $STATE_DIR and $HOME_DIR/data/log/karaf.log"
    fi
    sleep 1
done
say "Hotvisor runs ($where, pid $(running_pid)); its shell answered after $(($(date +%s) - started)) s"

case $action in
    detach)
        trap - EXIT
        say "scripts/shell.sh 'vm:list' runs a command; ssh -p $(karaf_ssh_port) karaf@localhost a shell (the password printed on the first start, README.md \"Logging in\"); scripts/run.sh --stop stops it"
        ;;
    foreground)
        if [[ -t 0 ]]; then
            say "Karaf shell in the lab ('vm:list', 'vm:console demo' (detach: Ctrl-]), 'logout' to stop)"
            karaf_shell -t || true
        else
            pid=$(running_pid) && while kill -0 "$pid" 2>/dev/null; do sleep 2; done
        fi
        # Still running: the session ended (logout), and the EXIT trap stops Hotvisor. Ended by
        # itself: Karaf's status (system:shutdown in L1 ends it with 0), or a failure.
        if ! running_pid >/dev/null; then
            status=$(cat "$STATE_DIR/out/exit-status" 2>/dev/null) || status=1
            [[ "$status" =~ ^[0-9]+$ ]] || status=1
            [[ "$status" == 0 ]] || say "Hotvisor ended by itself (status ${status}); see $STATE_DIR/l1-console.log"
            exit "$status"
        fi
        ;;
esac

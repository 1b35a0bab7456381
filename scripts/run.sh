#!/usr/bin/env bash
# scripts/run.sh — build Hotvisor if needed, unpack it into run/ and start it in the foreground.
#
# You get the Karaf shell (type vm:list; logout or Ctrl-D stops Hotvisor); the demo VM defined by
# etc/io.hotvisor.vm~demo.cfg starts by itself. Without a terminal Karaf runs as a plain server.
#
# Environment:
#   HOTVISOR_REBUILD=1     rebuild even if the distribution looks up to date
#   HOTVISOR_JAVA_OPTS     JVM options (default in bin/setenv: small heap, serial GC, C1 only)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
ME=run.sh

say() { echo "$ME: $*" >&2; }
die() { say "$*"; exit 1; }

VERSION=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)
NAME="hotvisor-$VERSION"
DIST="$ROOT/assembly/target/$NAME.tar.gz"
RUN_DIR="$ROOT/run"
HOME_DIR="$RUN_DIR/$NAME"

# --- host --------------------------------------------------------------------------------------
scripts/ensure-host-deps.sh gcc make binutils

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

if [[ ! -e /dev/kvm ]]; then
    cat >&2 <<'EOF'
run.sh: ************************************************************************************
run.sh: /dev/kvm is missing: Hotvisor starts, but it cannot run virtual machines (the demo VM
run.sh: will fail). Enable KVM (kvm_intel / kvm_amd, or nested virtualisation in a VM).
run.sh: ************************************************************************************
EOF
elif [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
    say "warning: /dev/kvm is not readable and writable by $(id -un): VMs will fail (add yourself to group kvm)"
fi

# --- build -------------------------------------------------------------------------------------
# Rebuild when the archive is missing or older than any source of a module that goes into it.
needs_build() {
    [[ "${HOTVISOR_REBUILD:-}" == 1 ]] && return 0
    [[ -f "$DIST" ]] || return 0
    local sources=(pom.xml) d
    for d in */; do
        d=${d%/}
        [[ -f "$d/pom.xml" && "$d" != itests ]] && sources+=("$d")
    done
    [[ -n "$(find "${sources[@]}" -name target -prune -o -type f -newer "$DIST" -print -quit)" ]]
}

if needs_build; then
    say "building Hotvisor (./mvnw -B -q install -DskipTests) ..."
    ./mvnw -B -q install -DskipTests -pl assembly -am
fi
[[ -f "$DIST" ]] || die "the build did not produce $DIST"

# --- unpack ------------------------------------------------------------------------------------
# A fresh copy whenever the archive changed (this resets etc/ and data/ of run/$NAME).
STAMP="$HOME_DIR/.hotvisor-dist-stamp"
if [[ ! -f "$STAMP" || "$DIST" -nt "$STAMP" ]]; then
    if [[ -f "$HOME_DIR/karaf.pid" ]] && kill -0 "$(cat "$HOME_DIR/karaf.pid")" 2>/dev/null; then
        die "Hotvisor from $HOME_DIR is still running (pid $(cat "$HOME_DIR/karaf.pid")): stop it first"
    fi
    say "unpacking $NAME into run/"
    rm -rf "$HOME_DIR"
    mkdir -p "$RUN_DIR"
    tar -xzf "$DIST" -C "$RUN_DIR"
    touch "$STAMP"
fi

# --- start -------------------------------------------------------------------------------------
cd "$HOME_DIR"
say "starting $HOME_DIR (Karaf shell; 'vm:list', 'vm:console demo' (detach: Ctrl-]), 'logout' to stop)"
if [[ -t 0 ]]; then
    exec bin/karaf
else
    exec bin/karaf server
fi

# Shared by scripts/run.sh and scripts/shell.sh (source it after setting ME): where the unpacked
# distribution and the state of a running Hotvisor live, and how to reach its shell.
#
#   run/hotvisor-VERSION/     the distribution scripts/run.sh unpacked (HOME_DIR)
#   run/ssh/id_rsa            the key scripts use for Karaf's shell (made once; its public half is
#                             added to etc/keys.properties of every unpacked copy)
#   run/state/                the running Hotvisor: where (host or lab), pid (Karaf's JVM started
#                             in the background on the host) or qemu.pid (the lab's QEMU),
#                             console.log or l1-console.log

HV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HV_VERSION=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' "$HV_ROOT/pom.xml")
HV_NAME="hotvisor-$HV_VERSION"
RUN_DIR=${HOTVISOR_RUN_DIR:-$HV_ROOT/run}
HOME_DIR="$RUN_DIR/$HV_NAME"
STATE_DIR="$RUN_DIR/state"
SSH_KEY="$RUN_DIR/ssh/id_rsa"

say() { echo "$ME: $*" >&2 || true; } # the terminal may be gone (SIGHUP)
die() { say "$*"; exit 1; }

# The PID of the running Hotvisor (Karaf's JVM on the host, or the lab's QEMU), if it runs. A
# Karaf started in the foreground on the host is known by the karaf.pid file it writes itself.
# A PID counts only while its process names this distribution (karaf.home, or the lab's
# shares): a stale file whose PID was reused never points at another process.
running_pid() {
    local file pid
    for file in "$STATE_DIR/pid" "$STATE_DIR/qemu.pid" "$HOME_DIR/karaf.pid"; do
        pid=$(cat "$file" 2>/dev/null) || continue
        [[ "$pid" =~ ^[0-9]+$ ]] || continue
        if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$HOME_DIR"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# host or lab, for the Hotvisor that runs (or ran) from RUN_DIR.
running_where() {
    cat "$STATE_DIR/where" 2>/dev/null || echo host
}

karaf_ssh_port() {
    local port
    port=$(sed -n 's/^[[:space:]]*sshPort[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
        "$HOME_DIR/etc/org.apache.karaf.shell.cfg" 2>/dev/null | tail -n 1)
    echo "${port:-8101}"
}

# Karaf's shell over SSH (user karaf, SSH_KEY): one command, whose status it returns, or with
# SSH options such as -t and no command, a login. OpenSSH's "Connection to ... closed by remote
# host." (Karaf closes the connection as the command ends) is not the command's output: dropped.
karaf_shell() { # [SSH_OPTION...] [COMMAND]
    local ssh=(ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
        -o ConnectTimeout=10 -i "$SSH_KEY" -p "$(karaf_ssh_port)") errors status=0
    while [[ "${1:-}" == -* ]]; do
        ssh+=("$1")
        shift
    done
    if [[ $# -eq 0 ]]; then
        "${ssh[@]}" karaf@127.0.0.1
        return
    fi
    errors=$(mktemp)
    "${ssh[@]}" karaf@127.0.0.1 "$@" 2>"$errors" || status=$?
    grep -v '^Connection to .* closed by remote host\.' "$errors" >&2 || true
    rm -f "$errors"
    return $status
}

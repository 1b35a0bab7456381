#!/usr/bin/env bash
# scripts/shell.sh 'COMMAND' — run one Karaf shell command in the Hotvisor that scripts/run.sh
# started (on this host or in the lab), print its output and exit with its status: non-zero
# when the command failed. E.g. scripts/shell.sh 'vm:list'.
# scripts/shell.sh — without a command: a Karaf shell session (e.g. for a Hotvisor started with
# --detach); 'logout' ends the session, not Hotvisor.
#
# It logs in over SSH (127.0.0.1, Karaf's sshPort, user karaf) with the key scripts/run.sh made
# (run/ssh/id_rsa). HOTVISOR_RUN_DIR names another run directory than run/.
set -euo pipefail

readonly ME="shell.sh"
source "$(dirname "$0")/lib/hotvisor.sh"

running_pid >/dev/null || die "Hotvisor is not running from $RUN_DIR (scripts/run.sh --detach starts it)"
[[ -f "$SSH_KEY" ]] || die "$SSH_KEY is missing (scripts/run.sh makes it)"
if [[ $# -eq 0 ]]; then
    # A terminal for the session even when this one's input is not (a script typing keys).
    if [[ -t 0 ]]; then karaf_shell -t; else karaf_shell -tt; fi
    exit
fi
[[ -n "$1" ]] || die "usage: $0 ['COMMAND'] (a Karaf shell command, e.g. 'vm:list')"
karaf_shell "$*"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/15-sandbox.sh - The sandbox of a running passt and pasta, from /proc
#
# passt in the background (-P, no -f):
# - seccomp filter on (Seccomp: 2), no new privileges, no capabilities left
#   (effective, permitted, bounding set);
# - user, mount, IPC, UTS and PID namespaces of its own (it is PID 1 in the
#   last one), the network namespace of the test;
# - its root is an empty directory; the PID file holds the PID the test sees;
# - the log names the Landlock ABI and the number of system calls allowed;
# - still serves (ARP and ping through tapclient), and on SIGTERM removes
#   its socket and PID file from inside the sandbox.
# The resident memory of each idle daemon is logged (not checked).
# passt in the background logging to syslog (nothing listens): serves, and
# exits cleanly (no message path hits the filter).
# passt in the foreground (-f): the same, but for the PID namespace.
# pasta (pasta_start): seccomp on, the user namespace of its command, mount,
# IPC and UTS namespaces of its own, an empty root, no capability but
# CAP_SYS_ADMIN and CAP_NET_BIND_SERVICE there; traffic still goes through.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
need_daemon
need_tapclient
need_cmd nsenter

SOCK="$TEST_TMP/passt.sock"
PIDFILE="$TEST_TMP/passt.pid"
MAC=02:00:00:00:00:01
SYS_ADMIN=$((1 << 21))
NET_BIND=$((1 << 10))

# status_field() - A field of /proc/PID/status
# $1: PID, $2: field name
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# caps() - A capability set of a process, as a decimal number
# $1: PID, $2: CapEff, CapPrm or CapBnd
caps() {
	printf '%d' "0x$(status_field "$1" "$2")"
}

# ns_differs() - Is namespace $2 of PID $1 not the test's own?
ns_differs() {
	[ "$(readlink "/proc/$1/ns/$2")" != "$(readlink "/proc/self/ns/$2")" ]
}

# root_empty() - Is the root directory of PID $1 empty?
root_empty() {
	[ -z "$(ls -A "/proc/$1/root/")" ]
}

# check_sandbox() - What every daemon has: filter, namespaces, empty root
# $1: PID, $2: name for messages
check_sandbox() {
	# The PID file is written just before the sandbox is complete
	wait_for 5 sh -c "grep -q '^Seccomp:.*2' /proc/$1/status" ||
		fail "$2: no seccomp filter after 5 s"
	check_eq "$(status_field "$1" Seccomp)" 2 "$2: seccomp filter mode"
	check_eq "$(status_field "$1" NoNewPrivs)" 1 "$2: no new privileges"
	for _n in mnt ipc uts; do
		check "$2: $_n namespace of its own" ns_differs "$1" $_n
	done
	check_not "$2: same network namespace as the test" ns_differs "$1" net
	check "$2: empty root directory" root_empty "$1"
}

# ping_through() - ARP and ping the gateway through passt's socket
ping_through() {
	cat >"$TEST_TMP/script" <<EOF
arp-request $MAC $HOST4 $GW4
expect arp-reply $GW4 save-mac GW
ping4 $MAC @GW $HOST4 $GW4 0x1234 1 56
expect echo4-reply $GW4 0x1234 1 56
EOF
	"$TAPCLIENT" "$SOCK" "$TEST_TMP/script" >"$TEST_TMP/tapclient.log" 2>&1
}

log "== passt in the background"
as_user "$PASST" -d -l "$TEST_TMP/passt.log" -s "$SOCK" -P "$PIDFILE" \
	--dns "$DNS4" || fail "passt did not start"
pid=$(cat "$PIDFILE")
ns_track_pid "$pid"
check "PID file names a running process" pid_alive "$pid"
check_sandbox "$pid" passt
check "passt: user namespace of its own" ns_differs "$pid" user
check "passt: PID namespace of its own" ns_differs "$pid" pid
check_eq "$(status_field "$pid" NSpid)" "$(printf '%s\t1' "$pid")" \
	"passt: PID $pid outside, 1 inside"
check_eq "$(caps "$pid" CapEff)" 0 "passt: no effective capabilities"
check_eq "$(caps "$pid" CapPrm)" 0 "passt: no permitted capabilities"
check_eq "$(caps "$pid" CapBnd)" 0 "passt: empty bounding set"
check "passt: log names Landlock" grep -q "Landlock (ABI [0-9]*)" \
	"$TEST_TMP/passt.log"
check "passt: log names the number of calls allowed" \
	grep -q "passt sandboxed, [0-9]* system calls allowed" \
	"$TEST_TMP/passt.log"
check "ARP and ping through the sandboxed passt" ping_through
log "passt idle: VmRSS $(status_field "$pid" VmRSS), VmHWM $(status_field "$pid" VmHWM)"
kill -TERM "$pid"
pid_wait_gone "$pid" 5 || fail "passt did not exit on SIGTERM"
check_not "passt removed its socket" test -e "$SOCK"
check_not "passt removed its PID file" test -e "$PIDFILE"
check_not "no refused system call in the log" \
	grep -q "not allowed by our seccomp filter" "$TEST_TMP/passt.log"

log "== passt in the background, logging to syslog (none listening)"
as_user "$PASST" -s "$SOCK" -P "$PIDFILE" --dns "$DNS4" ||
	fail "passt did not start"
pid=$(cat "$PIDFILE")
ns_track_pid "$pid"
wait_for 5 sh -c "grep -q '^Seccomp:.*2' /proc/$pid/status" ||
	fail "passt (syslog): no seccomp filter after 5 s"
check "ARP and ping through passt logging to syslog" ping_through
check "passt (syslog) still running after traffic" pid_alive "$pid"
kill -TERM "$pid"
pid_wait_gone "$pid" 5 || fail "passt (syslog) did not exit on SIGTERM"
check_not "passt (syslog) removed its socket" test -e "$SOCK"

log "== passt in the foreground"
bg_start passtfg as_user "$PASST" -f -d -s "$SOCK" --dns "$DNS4"
wait_for 10 test -S "$SOCK" || fail "passt -f did not create $SOCK"
wait_for 5 grep -q "system calls allowed" "$TEST_TMP/passtfg.log" ||
	fail "passt -f did not sandbox itself"
pid=$(bg_pid passtfg)
check_sandbox "$pid" "passt -f"
check "passt -f: user namespace of its own" ns_differs "$pid" user
check_eq "$(caps "$pid" CapEff)" 0 "passt -f: no effective capabilities"
check "ARP and ping through passt -f" ping_through
bg_stop passtfg

log "== pasta"
pasta_start pasta --config-net -d --dns "$DNS4" -t 9000
pid=$(bg_pid pasta)
wait_for 5 grep -q "system calls allowed" "$TEST_TMP/pasta.log" ||
	fail "pasta did not sandbox itself"
check_sandbox "$pid" pasta
check_eq "$(readlink "/proc/$pid/ns/user")" \
	"$(readlink "/proc/$NS_PID/ns/user")" \
	"pasta: in the user namespace of its command"
eff=$(caps "$pid" CapEff)
check_eq $((eff & ~(SYS_ADMIN | NET_BIND))) 0 \
	"pasta: no capability but CAP_SYS_ADMIN and CAP_NET_BIND_SERVICE"
check_eq $((eff & SYS_ADMIN)) $SYS_ADMIN "pasta: CAP_SYS_ADMIN kept"
check "ping from pasta's namespace to the remote" \
	in_ns ping -c 1 -W 5 "$FAR4"
check "pasta still alive" bg_alive pasta
log "pasta idle: VmRSS $(status_field "$pid" VmRSS), VmHWM $(status_field "$pid" VmHWM)"
pasta_stop pasta
check_not "no refused system call in pasta's log" \
	grep -q "not allowed by our seccomp filter" "$TEST_TMP/pasta.log"

log "PASS"

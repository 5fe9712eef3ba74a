# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/pasta_ns.sh - Keep a pasta namespace up and run commands in it
#
# Source after ns.sh and ns_setup (POSIX sh):
#
#	. "$TOP/test/lib/pasta_ns.sh"
#	pasta_start pasta --config-net --dns "$DNS4" -t 8080
#	pasta_start_nofile 512 pasta ...	# with few descriptors
#	in_ns ip addr			# runs as the namespace's root
#	in_ns_bg srv python3 ...	# background, like bg_start
#	pasta_stop pasta
#
# pasta runs in the foreground (-f) as the unprivileged test uid, with a
# "sleep" as its command that holds the namespace; in_ns enters that
# command's user and network namespaces with nsenter, as that same uid (the
# namespace's owner), so any number of steps, servers and clients can run
# there one after the other, each bounded by its own timeout.

# TCPTOOL, check_ok and the transfers (XFER_AT=in_ns) are in tcpxfer.sh

. "$TOP/test/lib/tcpxfer.sh"
NS_PID=""

# _pasta_holder() - Print the PID of the "sleep" pasta runs, once it runs
# $1: PID of pasta
_pasta_holder() {
	for _h in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		[ "$(cat "/proc/$_h/comm" 2>/dev/null)" = sleep ] || continue
		echo "$_h"
		return 0
	done
	return 1
}

# pasta_start() - Start pasta in the background with a namespace to enter
# $1: name (for bg_pid, bg_log: $TEST_TMP/NAME.log), rest: pasta options
# Sets NS_PID for in_ns; fails the test if the namespace isn't up in 10 s
pasta_start() {
	_pn="$1"; shift
	bg_start "$_pn" as_user "$PASTA" -f "$@" -- sleep 100000
	_pp=$(bg_pid "$_pn")
	wait_for 10 _pasta_holder "$_pp" ||
		fail "pasta ($_pn) did not start its command: $(bg_log "$_pn")"
	NS_PID=$(_pasta_holder "$_pp")
	# Addresses are copied before the command is released; wait anyway,
	# and for IPv6 to leave the tentative state if DAD runs
	wait_for 10 in_ns sh -c 'ip -o addr show scope global | grep -q . &&
		[ -z "$(ip -6 addr show tentative)" ]' ||
		fail "pasta ($_pn): no global address in the namespace"
}

# pasta_start_nofile() - pasta_start with a limit on open files, soft and
# hard (pasta raises its soft limit to the hard one), set with prlimit
# before pasta runs: the test may not change another uid's limits
# $1: limit, rest: as pasta_start
pasta_start_nofile() {
	_lim=$1; shift
	printf '#!/bin/sh\nexec prlimit --nofile=%s:%s %s "$@"\n' \
		"$_lim" "$_lim" "$PASTA" >"$TEST_TMP/bin/pasta-nofile"
	chmod 0755 "$TEST_TMP/bin/pasta-nofile"
	_real=$PASTA
	PASTA="$TEST_TMP/bin/pasta-nofile"
	pasta_start "$@"
	PASTA=$_real
}

# pasta_stop() - Stop pasta by PID, fail if it was already gone
# $1: name given to pasta_start
pasta_stop() {
	bg_alive "$1" || fail "pasta ($1) is not running any more"
	bg_stop "$1"
	NS_PID=""
}

# in_ns() - Run a command in pasta's namespace (user + network)
in_ns() {
	as_user nsenter -t "$NS_PID" -U -n --preserve-credentials "$@"
}

# in_ns_bg() - Start a background process in pasta's namespace
# $1: name, rest: command (as bg_start)
in_ns_bg() {
	_bn="$1"; shift
	bg_start "$_bn" as_user nsenter -t "$NS_PID" -U -n \
		--preserve-credentials "$@"
}

# ns_port_bound() - Is a TCP port listening in pasta's namespace?
# $1: port
ns_port_bound() {
	_hx=$(printf '%04X' "$1")
	in_ns cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p="$_hx" '$4 == "0A" { split($2, a, ":");
			if (a[2] == p) f = 1 } END { exit !f }'
}

# ns_wait_port() - Wait until a TCP port listens in pasta's namespace
# $1: port, $2: timeout in seconds (default 5)
ns_wait_port() {
	wait_for "${2:-5}" ns_port_bound "$1"
}

# daemon_alive() - Fail unless the named pasta still runs
daemon_alive() {
	bg_alive "$1" || fail "pasta ($1) died: $(bg_log "$1" | tail -n 20)"
	log "ok: pasta ($1) alive"
}

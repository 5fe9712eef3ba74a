# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/guest/guest-lib.sh - Helpers for guest scenarios (busybox sh), sourced
# by /init before a scenario runs (installed as /lib/guest-lib.sh)
#
# Results are printed as "GUEST-RESULT: PASS|FAIL|SKIP NAME [REASON]" and
# recorded in /tmp/guest-results, which /init counts.

# busybox-static's sh runs its own applets before looking at PATH
# (FEATURE_SH_STANDALONE): make "ip" the real iproute2 one. In "sh -c" (a new
# shell, without these functions) write /usr/sbin/ip.
ip() {
	/usr/sbin/ip "$@"
}

# Addresses of the test's namespaces (see run.sh): the guest gets the
# host's address, the host's gateway is the remote namespace.
HOST4=198.51.100.1
GW4=198.51.100.2
REMOTE4=203.0.113.1
HOST6=2001:db8:1::1
GW6=2001:db8:1::2
REMOTE6=2001:db8:2::1

# _result() - Print and record one result
# $1: PASS, FAIL or SKIP, $2: name, rest: reason
_result() {
	_r="$1"
	_n="$2"
	shift 2
	echo "GUEST-RESULT: $_r $_n${*:+ $*}"
	echo "$_r $_n${*:+ $*}" >>/tmp/guest-results
}

# pass() - Report check $1 as passed
pass() {
	_result PASS "$1"
}

# fail() - Report check $1 as failed, rest: reason
fail() {
	_n="$1"
	shift
	_result FAIL "$_n" "$*"
}

# skip() - Report check $1 as skipped, rest: reason
skip() {
	_n="$1"
	shift
	_result SKIP "$_n" "$*"
}

# info() - Print a line that the host shows in its log
info() {
	echo "GUEST-INFO: $*"
}

# check() - Run a command, report it as check $1
# $1: name, rest: command. The command's last output lines are the reason.
check() {
	_n="$1"
	shift
	if "$@" >/tmp/check.out 2>&1; then
		pass "$_n"
	else
		fail "$_n" "'$*' failed: $(tail -n 3 /tmp/check.out | tr '\n' ' ')"
	fi
}

# wait_until() - Retry a command every 0.2 s until it succeeds
# $1: time limit in seconds (counted from the start, whatever the command
# takes), rest: command. Returns 0 once the command succeeded, 1 on timeout.
wait_until() {
	_end=$(($(cut -d. -f1 /proc/uptime) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(cut -d. -f1 /proc/uptime)" -ge "$_end" ] && return 1
		sleep 0.2
	done
	return 0
}

# host_sync() - Ask the host (run.sh) to do something, wait until it is done
# $1: tag (the host's scenario hook, scenarios/NAME.host, decides what it
# means), $2: time limit in seconds (default 30).
# Returns 0 on "ACK TAG", 2 on "NAK TAG" (the hook failed), 1 on timeout.
host_sync() {
	_tag="$1"
	_limit=${2:-30}
	echo "GUEST-SYNC $_tag"
	[ -c /dev/ttyS1 ] || return 1
	while IFS= read -r -t "$_limit" _line </dev/ttyS1; do
		_line=$(echo "$_line" | tr -d '\r')
		[ "$_line" = "ACK $_tag" ] && return 0
		[ "$_line" = "NAK $_tag" ] && return 2
	done
	return 1
}

# has_addr4() - Does eth0 have IPv4 address $1?
has_addr4() {
	ip -4 -o addr show dev eth0 | grep -q " $1/"
}

# global_addr6() - Print eth0's global, non-tentative IPv6 addresses
global_addr6() {
	ip -6 -o addr show dev eth0 scope global -tentative |
		sed -n 's/.* inet6 \([0-9a-f:]*\)\/.*/\1/p'
}

# _has_global6() - Does eth0 have a global, non-tentative IPv6 address?
_has_global6() {
	[ -n "$(global_addr6)" ]
}

# _has_addr6() - Does eth0 have IPv6 address $1 (not tentative)?
_has_addr6() {
	global_addr6 | grep -qx "$1"
}

# net_v4() - Configure IPv4 on eth0: DHCP, or static if that fails
# Sets NET4 to "dhcp" or "static".
net_v4() {
	if udhcpc -i eth0 -n -q -f -t 3 -T 1 -O mtu \
		  -s /usr/share/udhcpc/default.script >/tmp/udhcpc.out 2>&1; then
		NET4=dhcp
		info "IPv4 from DHCP: $(cat /tmp/udhcpc.lease 2>/dev/null)"
	else
		NET4=static
		info "DHCP failed ($(tail -n 1 /tmp/udhcpc.out)): static $HOST4/24 via $GW4"
		ip addr add "$HOST4/24" dev eth0
		ip route replace default via "$GW4" dev eth0
	fi
}

# net_v6() - Configure IPv6 on eth0: SLAAC, DHCPv6, or static
# $1: seconds to wait for SLAAC (default 5). Sets NET6 to "slaac",
# "dhcpv6", "slaac+dhcpv6" or "static".
net_v6() {
	NET6=""
	if wait_until "${1:-5}" _has_global6; then
		NET6=slaac
		info "IPv6 from SLAAC: $(global_addr6 | tr '\n' ' ')"
	fi
	if command -v dhcpcd >/dev/null; then
		if timeout 15 dhcpcd -6 -1 -t 8 -B --noipv6rs -C resolv.conf \
			  -c /bin/true eth0 >/tmp/dhcpcd.out 2>&1 &&
		   wait_until 3 _has_addr6 "$HOST6"; then
			NET6=${NET6:+$NET6+}dhcpv6
			info "IPv6 from DHCPv6: $(global_addr6 | tr '\n' ' ')"
		else
			info "DHCPv6 failed: $(tail -n 2 /tmp/dhcpcd.out | tr '\n' ' ')"
		fi
	fi
	if [ -z "$NET6" ]; then
		NET6=static
		info "no SLAAC, no DHCPv6: static $HOST6/64 via $GW6"
		ip -6 addr add "$HOST6/64" dev eth0 nodad
	fi
	if ! ip -6 route show default | grep -q .; then
		ip -6 route replace default via "$GW6" dev eth0
	fi
}

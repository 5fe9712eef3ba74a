# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/bridge.sh - passt with the kernel's own stack as its guest
#
# Source after ns.sh and ns_setup (POSIX sh), and call need_daemon and
# need_tapbridge:
#
#	. "$TOP/test/lib/bridge.sh"
#	bridge_start passt 65520 -t 5203	# passt, MTU, more passt options
#	in_guest ip addr			# as root in the guest namespace
#	in_guest_bg srv python3 ...		# background, like bg_start
#	bridge_stop passt
#
# passt runs in the test's host namespace as the unprivileged test uid, on
# the socket $TEST_TMP/NAME.sock. The guest is a network namespace of its
# own ($GUEST_NS), where test/frame/tapbridge creates a tap device and relays
# its frames to passt's socket, as qemu would for a virtio-net guest. The
# tap gets the addresses passt would hand out by DHCP, DHCPv6 or SLAAC here,
# the host's: $HOST4/24 via $GW4 and $HOST6/64 via $GW6, configured
# statically (no router advertisements taken), and the given MTU.

GUEST_NS=guest
GUEST_IF=tap0

# _guest_ns() - Create the guest namespace once: loopback, no RA, no DAD
_guest_ns() {
	[ -e "/run/netns/$GUEST_NS" ] && return 0
	ip netns add "$GUEST_NS" || fail "cannot create the guest netns"
	ip -n "$GUEST_NS" link set lo up
	for _k in all default; do
		in_guest sh -c "echo 0 > /proc/sys/net/ipv6/conf/$_k/accept_ra
			echo 0 > /proc/sys/net/ipv6/conf/$_k/accept_dad
			echo 0 > /proc/sys/net/ipv6/conf/$_k/autoconf" ||
			fail "cannot configure IPv6 in the guest netns"
	done
}

# in_guest() - Run a command in the guest namespace
in_guest() {
	ip netns exec "$GUEST_NS" "$@"
}

# in_guest_bg() - Start a background process in the guest namespace
# $1: name, rest: command (as bg_start)
in_guest_bg() {
	_gn="$1"; shift
	bg_start "$_gn" ip netns exec "$GUEST_NS" "$@"
}

# bridge_start() - Start passt, and tapbridge as its guest, configured
# $1: name (for bg_pid, bg_log; NAME-bridge is tapbridge), $2: MTU,
# rest: more passt options
bridge_start() {
	_bn="$1" _bm="$2"; shift 2
	_bs="$TEST_TMP/$_bn.sock"
	_guest_ns
	bg_start "$_bn" as_user "$PASST" -f -s "$_bs" -m "$_bm" \
		--dns "$DNS4" "$@"
	wait_for 10 test -S "$_bs" || fail "passt ($_bn) did not create $_bs"
	in_guest_bg "$_bn-bridge" "$TAPBRIDGE" -i "$GUEST_IF" "$_bs"
	wait_for 5 ip -n "$GUEST_NS" link show "$GUEST_IF" ||
		fail "tapbridge ($_bn) did not create its tap device"
	ip -n "$GUEST_NS" link set "$GUEST_IF" mtu "$_bm" txqueuelen 10000 up &&
	ip -n "$GUEST_NS" addr add "$HOST4/$HOST4_PLEN" dev "$GUEST_IF" &&
	ip -n "$GUEST_NS" -6 addr add "$HOST6/$HOST6_PLEN" dev "$GUEST_IF" \
		nodad &&
	ip -n "$GUEST_NS" route add default via "$GW4" &&
	ip -n "$GUEST_NS" -6 route add default via "$GW6" ||
		fail "cannot configure the guest's $GUEST_IF"
	wait_for 10 in_guest ping -c 1 -W 1 "$GW4" ||
		fail "guest ($_bn): no answer from $GW4 through passt"
	wait_for 10 in_guest ping -c 1 -W 1 "$GW6" ||
		fail "guest ($_bn): no answer from $GW6 through passt"
}

# bridge_stop() - Stop tapbridge, then passt; fail if passt had died
# $1: name given to bridge_start
bridge_stop() {
	bg_alive "$1" || fail "passt ($1) is not running any more"
	bg_stop "$1-bridge"
	bg_stop "$1"
}

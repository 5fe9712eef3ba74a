#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/00-lib-selftest.sh - The namespace layout of test/lib/ns.sh, alone
#
# No daemon: checks that the library builds what TESTING.md asks for, so that
# a failure of a daemon test is never a failure of the layout.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"

need_cmd ping socat jq sha256sum

# Isolation
check_not "test netns differs from the outer netns" \
	[ "$(readlink /proc/self/ns/net)" = "$NS_OUTER_NET" ]
check_not "test netns differs from init's netns" \
	[ "$(readlink /proc/self/ns/net)" = "$NS_INIT_NET" ]
check_eq "$$" 1 "test shell is PID 1 of its own PID namespace"
check_not "remote netns differs from the host netns" [ \
	"$(run_remote readlink /proc/self/ns/net)" = \
	"$(readlink /proc/self/ns/net)" ]

# Addresses and routes
addrs=$(ip -j addr show dev "$HOST_IF" |
	jq -r '.[0].addr_info[] | select(.scope == "global") |
	       "\(.local)/\(.prefixlen)"' | sort | tr '\n' ' ')
check_eq "$addrs" "198.51.100.1/24 2001:db8:1::1/64 " "host addresses"
check_eq "$(ip -j route show default | jq -r '.[0].gateway')" "$GW4" \
	"host IPv4 default gateway"
check_eq "$(ip -j -6 route show default | jq -r '.[0].gateway')" "$GW6" \
	"host IPv6 default gateway"
raddrs=$(run_remote ip -j addr show |
	jq -r '.[].addr_info[] | select(.scope == "global") |
	       "\(.local)/\(.prefixlen)"' | sort | tr '\n' ' ')
check_eq "$raddrs" \
	"198.51.100.2/24 2001:db8:1::2/64 2001:db8:2::1/64 203.0.113.1/24 " \
	"remote addresses"

# Reachability from the host namespace, as root (raw sockets)
for a in "$GW4" "$FAR4" "$GW6" "$FAR6"; do
	check "ping $a from host ns" ping -c 1 -W 2 "$a"
done

# ping sockets for the unprivileged uid
check_eq "$(tr -s '\t ' ' ' </proc/sys/net/ipv4/ping_group_range)" \
	"0 2147483647" "ping_group_range"
check "unprivileged ping $GW4 (ping socket)" as_user ping -c 1 -W 2 "$GW4"
check "unprivileged ping $FAR6 (ping socket)" as_user ping -c 1 -W 2 "$FAR6"

# Private resolver configuration and tun node
check_eq "$(cat /etc/resolv.conf)" "nameserver $DNS4" "/etc/resolv.conf"
check_eq "$(stat -L -c '%a %t:%T %F' /dev/net/tun)" \
	"666 a:c8 character special file" "/dev/net/tun"

# The unprivileged uid
check_eq "$(as_user id -u)" "$TEST_UID" "as_user uid"
check_eq "$(as_user sh -c 'grep ^CapEff /proc/self/status' | tr -d '\t')" \
	"CapEff:0000000000000000" "as_user has no capabilities"
check "TEST_TMP writable by the test uid" as_user touch "$TEST_TMP/x"
check "unprivileged uid can make user+net namespaces" \
	as_user unshare -Urn true

# Background processes, ports, data through the veth
make_file "$TEST_TMP/in" 1048576
bg_start sink run_remote socat -u "TCP-LISTEN:10001,bind=$GW4" \
	"OPEN:$TEST_TMP/out,creat,trunc"
check "wait_port -r sees the remote listener" wait_port -r tcp 10001 5
check_not "wait_port does not see it in the host netns" wait_port tcp 10001 1
check "send 1 MiB to remote" \
	socat -u "OPEN:$TEST_TMP/in" "TCP:$GW4:10001"
bg_wait sink 5 || fail "sink did not finish"
check_eq "$(sha256 "$TEST_TMP/out")" "$(sha256 "$TEST_TMP/in")" \
	"received data"

bg_start sleeper sleep 100
p=$(bg_pid sleeper)
check "bg_alive" bg_alive sleeper
bg_stop sleeper
check_eq "$?" 143 "bg_stop status (SIGTERM)"
check_not "bg_stop stopped it" pid_alive "$p"

# No route out: the machine's uplink is unreachable from here
check_not "nothing answers beyond the remote namespace (2001:db8:ffff::1)" \
	ping -c 1 -W 1 2001:db8:ffff::1

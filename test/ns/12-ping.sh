#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/12-ping.sh - ICMP and ICMPv6 echo from pasta's namespace
#
# Inside the namespace (root of its own user namespace, so ping has raw
# sockets), iputils ping to the gateway and to the far addresses behind it,
# over IPv4 and IPv6: every request must be answered.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd ping

COUNT=3
out="$TEST_TMP/out"
mkdir -p "$out" && chown "$TEST_UID:$TEST_GID" "$out"

as_user "$PASTA" --config-net -d --dns "$DNS4" -- sh -c "
	for a in $GW4 $FAR4 $GW6 $FAR6; do
		ping -c $COUNT -i 0.2 -W 2 \$a >$out/ping-\$a.txt 2>&1
		echo \$? >$out/rc-\$a
	done
" >"$TEST_TMP/pasta.log" 2>&1
check_eq "$?" 0 "pasta exit status"

for a in "$GW4" "$FAR4" "$GW6" "$FAR6"; do
	cat "$out/ping-$a.txt"
	check_eq "$(cat "$out/rc-$a")" 0 "ping $a exit status"
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out/ping-$a.txt")
	check_eq "$recv" "$COUNT" "echo replies from $a"
	check "replies come from $a" grep -q "bytes from $a: icmp_seq=" \
		"$out/ping-$a.txt"
done

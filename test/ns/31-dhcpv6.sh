#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/31-dhcpv6.sh - A DHCPv6 client in pasta's namespace
#
# pasta without --config-net; ISC dhclient -6 in the namespace goes through
# SOLICIT/ADVERTISE/REQUEST/REPLY and must get exactly the host's address
# (or the one given with -a), the resolver given with --dns and the search
# list given with -S. Started again with its lease, it CONFIRMs it; asked to
# release, it gets a REPLY; in stateless mode (-S) an INFORMATION-REQUEST
# gets the resolvers. dhcpcd, if installed, gets the same address. With
# --no-dhcpv6 nobody answers.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd dhclient

out="$TEST_TMP/out"
mkdir -p "$out" && chown "$TEST_UID:$TEST_GID" "$out"

# dhclient's state directories, private to the test and writable by the
# unprivileged uid (root in its own user namespace)
for d in /var/lib/dhcp /var/lib/dhcpcd /run/dhcpcd; do
	[ -d "$d" ] || continue
	mount -t tmpfs -o "mode=0755,uid=$TEST_UID,gid=$TEST_GID" tmpfs "$d" ||
		fail "cannot mount tmpfs on $d"
done

# dhclient hook: append what it was told, one line per event (dhclient
# clears the environment: dh6() moves the file away after each run)
cat >"$TEST_TMP/dh6.sh" <<EOF
#!/bin/sh
echo "\$reason addr=\$new_ip6_address/\$new_ip6_prefixlen" \
     "dns=\$new_dhcp6_name_servers search=\$new_dhcp6_domain_search" \
     >>"$out/events"
case "\$reason" in
BOUND6|REBOOT6)
	ip -6 addr replace "\$new_ip6_address/\$new_ip6_prefixlen" \
		dev "\$interface" nodad ;;
esac
exit 0
EOF
chmod 0755 "$TEST_TMP/dh6.sh"

# prelude - Commands run first in the namespace: no DAD wait, links up,
# wait for the link-local address dhclient binds to
prelude="
	echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
	echo 0 >/proc/sys/net/ipv6/conf/$HOST_IF/accept_dad
	ip link set lo up
	ip link set $HOST_IF up
	for i in 1 2 3 4 5 6 7 8 9 10; do
		ip -6 addr show dev $HOST_IF scope link |
			grep -q 'inet6 fe80' &&
		! ip -6 addr show dev $HOST_IF | grep -q tentative && break
		sleep 0.2
	done
"

# dh6run.sh NAME [OPTION]... - Run dhclient -6 in the namespace until it
# reports a result (or 5 s pass), then stop it. Its log goes to NAME.log,
# its script's events to NAME.events (dhclient clears the environment, so
# the script always writes to the same file).
cat >"$TEST_TMP/dh6run.sh" <<EOF
#!/bin/sh
r=\$1; shift
rm -f "$out/events"
dhclient -6 -d -1 -v "\$@" -lf "$out/dh6.leases" -pf "$out/\$r.pid" \\
	-sf "$TEST_TMP/dh6.sh" $HOST_IF >"$out/\$r.log" 2>&1 &
pid=\$!
i=0
while [ \$i -lt 50 ]; do
	grep -qE '^(BOUND6|REBOOT6|RENEW6|RELEASE6|FAIL6)' "$out/events" \\
		2>/dev/null && break
	kill -0 \$pid 2>/dev/null || break
	sleep 0.1
	i=\$((i + 1))
done
kill \$pid 2>/dev/null
wait \$pid
cp "$out/events" "$out/\$r.events" 2>/dev/null
exit 0
EOF
chmod 0755 "$TEST_TMP/dh6run.sh"

# dh6() - Command line for one dhclient run, see dh6run.sh
dh6() {
	echo "$TEST_TMP/dh6run.sh $*"
}

# event() - The line of a run's events for a reason
# $1: name of the run, $2: reason
event() {
	grep "^$2 " "$out/$1.events" 2>/dev/null | tail -n 1
}

log "stateful: solicit, request, confirm, release; stateless"
as_user "$PASTA" -f -d --dns "$DNS4" --dns "$GW6" --dhcp-dns --dhcp-search \
	-S "example.org test.example" -- sh -c "
	$prelude
	$(dh6 sol)
	ip -6 addr show dev $HOST_IF >$out/sol.addr
	$(dh6 confirm)
	$(dh6 release -r)
	$(dh6 info -S)
" >"$TEST_TMP/pasta-stateful.log" 2>&1
check_eq "$?" 0 "pasta exit status"

check_eq "$(event sol BOUND6)" \
	"BOUND6 addr=$HOST6/128 dns=$GW6 search=example.org. test.example." \
	"lease: address, resolver, search list"
check "address configured" grep -q "inet6 $HOST6/128" "$out/sol.addr"
check "ADVERTISE taken, REQUEST answered" \
	grep -q "RCV: Reply message" "$out/sol.log"

check "restart: CONFIRM sent" grep -q "XMT: Confirm" "$out/confirm.log"
check "restart: CONFIRM succeeded" \
	grep -q 'status code Success' "$out/confirm.log"
confirmed=$(grep -E '^(BOUND6|REBOOT6) ' "$out/confirm.events" |
	cut -d' ' -f2)
check_eq "$confirmed" "addr=$HOST6/128" "restart: address confirmed"

check "release: RELEASE sent" grep -q "XMT: Release" "$out/release.log"

check "stateless: INFORMATION-REQUEST sent" \
	grep -q "XMT: Info-Request" "$out/info.log"
check_eq "$(event info RENEW6 | cut -d' ' -f3-)" \
	"dns=$GW6 search=example.org. test.example." \
	"stateless: resolver and search list"

log "-a: another address"
as_user "$PASTA" -f -d -a 2001:db8:5::10 --dns "$DNS4" -- sh -c "
	$prelude
	rm -f $out/dh6.leases
	$(dh6 addr)
" >"$TEST_TMP/pasta-addr.log" 2>&1
check_eq "$(event addr BOUND6)" \
	"BOUND6 addr=2001:db8:5::10/128 dns= search=" \
	"-a: address given, pasta's default of no resolvers"

log "--no-dhcpv6"
as_user "$PASTA" -f -d --dns "$DNS4" --no-dhcpv6 -- sh -c "
	$prelude
	rm -f $out/dh6.leases
	$(dh6 none)
" >"$TEST_TMP/pasta-none.log" 2>&1
check_not "--no-dhcpv6: no lease" [ -n "$(event none BOUND6)" ]
check_not "--no-dhcpv6: no ADVERTISE" grep -q "RCV: Advertise" "$out/none.log"

if command -v dhcpcd >/dev/null 2>&1; then
	log "dhcpcd"
	as_user "$PASTA" -f -d --dns "$DNS4" -- sh -c "
		$prelude
		timeout 15 dhcpcd -6 -B -1 -t 10 -f /dev/null -c /bin/true \
			$HOST_IF >$out/dhcpcd.log 2>&1
		echo \$? >$out/dhcpcd.rc
		ip -6 addr show dev $HOST_IF >$out/dhcpcd.addr
	" >"$TEST_TMP/pasta-dhcpcd.log" 2>&1
	check_eq "$(cat "$out/dhcpcd.rc")" 0 "dhcpcd: exit status"
	check "dhcpcd: address configured" \
		grep -q "inet6 $HOST6/128" "$out/dhcpcd.addr"
fi

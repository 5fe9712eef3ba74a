#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/30-dhcp.sh - A DHCP client in pasta's namespace configures it
#
# pasta without --config-net: the namespace starts with a bare tap device,
# and busybox udhcpc inside it asks our DHCP server. The lease must carry
# exactly what the options say: by default the host's address, prefix and
# gateway; with -a/-n/-g/-D/-S/-m/-H the given values. With the lease
# applied, the gateway and a far host answer pings. Then: option 121 when
# asked for, or when the gateway is off the subnet; no resolvers or search
# domains unless --dhcp-dns/--dhcp-search (pasta's default); and --no-dhcp
# gets no answer at all. ISC dhclient and dhcpcd, if installed, get the
# same lease.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd busybox

out="$TEST_TMP/out"
mkdir -p "$out" && chown "$TEST_UID:$TEST_GID" "$out"

# udhcpc hook: record the lease, and apply it if asked to
cat >"$TEST_TMP/udhcpc.sh" <<'EOF'
#!/bin/sh
[ "$1" = bound ] || exit 0
{
	echo "ip=$ip"
	echo "subnet=$subnet"
	echo "router=$router"
	echo "dns=$dns"
	echo "domain=$domain"
	echo "search=$search"
	echo "mtu=$mtu"
	echo "hostname=$hostname"
	echo "staticroutes=$staticroutes"
	echo "serverid=$serverid"
	echo "lease=$lease"
} >"$LEASE_FILE"
if [ -n "$APPLY" ]; then
	ip addr add "$ip/$mask" dev "$interface"
	[ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
	ip route add default via "$router" dev "$interface"
fi
exit 0
EOF
chmod 0755 "$TEST_TMP/udhcpc.sh"

# lease_of() - Run pasta with options, udhcpc in the namespace
# $1: name of the run, $2: extra udhcpc options, rest: pasta options
# The lease goes to $out/NAME.lease, the exit status of udhcpc to $out/NAME.rc
lease_of() {
	_n="$1"; _u="$2"; shift 2
	as_user "$PASTA" -f -d "$@" -- sh -c "
		ip link set lo up
		ip link set $HOST_IF up
		LEASE_FILE=$out/$_n.lease busybox udhcpc -i $HOST_IF -n -q -f \
			-t 4 -T 1 -s $TEST_TMP/udhcpc.sh $_u
		echo \$? >$out/$_n.rc
	" >"$TEST_TMP/pasta-$_n.log" 2>&1
	check_eq "$?" 0 "$_n: pasta exit status"
}

# field() - A value from a recorded lease
# $1: name of the run, $2: variable
field() {
	sed -n "s/^$2=//p" "$out/$1.lease"
}

# Defaults: the host's address and gateway, given resolver and domains,
# and with the lease applied, the link works
log "defaults, lease applied"
as_user "$PASTA" -f -d --dns "$DNS4" --dhcp-dns --dhcp-search \
	-S "example.org test.example" -- sh -c "
	ip link set lo up
	ip link set $HOST_IF up
	APPLY=1 LEASE_FILE=$out/default.lease busybox udhcpc -i $HOST_IF -n -q \
		-f -t 4 -T 1 -s $TEST_TMP/udhcpc.sh
	echo \$? >$out/default.rc
	ip -4 addr show dev $HOST_IF >$out/default.addr
	for a in $GW4 $FAR4; do
		ping -c 2 -i 0.2 -W 2 \$a >$out/ping-\$a.txt 2>&1
		echo \$? >$out/ping-\$a.rc
	done
" >"$TEST_TMP/pasta-default.log" 2>&1
check_eq "$?" 0 "default: pasta exit status"
check_eq "$(cat "$out/default.rc")" 0 "default: udhcpc got a lease"
check_eq "$(field default ip)" "$HOST4" "default: address"
check_eq "$(field default subnet)" 255.255.255.0 "default: subnet mask"
check_eq "$(field default router)" "$GW4" "default: router"
check_eq "$(field default serverid)" "$GW4" "default: server identifier"
check_eq "$(field default dns)" "$DNS4" "default: DNS"
check_eq "$(field default search)" "example.org test.example" \
	"default: search list"
check_eq "$(field default domain)" example.org "default: domain"
check_eq "$(field default mtu)" 65520 "default: MTU"
check_eq "$(field default lease)" 4294967295 "default: lease time"
check_eq "$(field default hostname)" "" "default: no hostname"
check "default: address on the tap" \
	grep -q "inet $HOST4/$HOST4_PLEN" "$out/default.addr"
for a in "$GW4" "$FAR4"; do
	check_eq "$(cat "$out/ping-$a.rc")" 0 "default: ping $a over the lease"
done

# Every parameter given on the command line
log "overrides"
lease_of over "" -a 203.0.113.10 -n 16 -g 203.0.113.254 -D "$DNS4" -D "$FAR4" \
	-S corp.test -m 1400 -H guesthost --dhcp-dns --dhcp-search
check_eq "$(cat "$out/over.rc")" 0 "overrides: udhcpc got a lease"
check_eq "$(field over ip)" 203.0.113.10 "overrides: address"
check_eq "$(field over subnet)" 255.255.0.0 "overrides: subnet mask"
check_eq "$(field over router)" 203.0.113.254 "overrides: router"
check_eq "$(field over dns)" "$DNS4 $FAR4" "overrides: DNS"
check_eq "$(field over search)" corp.test "overrides: search list"
check_eq "$(field over mtu)" 1400 "overrides: MTU"
check_eq "$(field over hostname)" guesthost "overrides: hostname"

# Classless static routes: asked for, and for an off-subnet gateway
log "option 121"
lease_of routes "-O staticroutes" --dns "$DNS4"
check_eq "$(field routes staticroutes)" "0.0.0.0/0 $GW4" \
	"121 asked for: default route"
lease_of offlink "" -a 203.0.113.10 -n 24 -g "$GW4" --dns "$DNS4"
check_eq "$(field offlink staticroutes)" \
	"$GW4/32 0.0.0.0 0.0.0.0/0 $GW4" "off-subnet gateway: host route first"

# pasta's default: no resolvers, no search domains advertised
log "pasta defaults for DNS"
lease_of nodns "" --dns "$DNS4" -S example.org
check_eq "$(cat "$out/nodns.rc")" 0 "no DNS: udhcpc got a lease"
check_eq "$(field nodns dns)" "" "no DNS: no resolvers"
check_eq "$(field nodns search)" "" "no DNS: no search list"
check_eq "$(field nodns ip)" "$HOST4" "no DNS: address"

# --no-dhcp: nobody answers
log "--no-dhcp"
lease_of nodhcp "" --dns "$DNS4" --no-dhcp
check_not "--no-dhcp: udhcpc got no lease" \
	[ "$(cat "$out/nodhcp.rc")" = 0 ]
check_not "--no-dhcp: no lease recorded" [ -s "$out/nodhcp.lease" ]

# ISC dhclient and dhcpcd, where installed: the same lease
if command -v dhclient >/dev/null 2>&1; then
	log "ISC dhclient"
	for d in /var/lib/dhcp /var/lib/dhcpcd /run/dhcpcd; do
		[ -d "$d" ] || continue
		mount -t tmpfs -o "mode=0755,uid=$TEST_UID,gid=$TEST_GID" \
			tmpfs "$d" || fail "cannot mount tmpfs on $d"
	done
	cat >"$TEST_TMP/dh4.sh" <<EOF2
#!/bin/sh
[ "\$reason" = BOUND ] || exit 0
echo "ip=\$new_ip_address mask=\$new_subnet_mask router=\$new_routers" \
     "dns=\$new_domain_name_servers search=\$new_domain_search" \
     "lease=\$new_dhcp_lease_time" \
     "routes=\$new_rfc3442_classless_static_routes" \
     >"$out/dhclient.lease"
exit 0
EOF2
	chmod 0755 "$TEST_TMP/dh4.sh"
	as_user "$PASTA" -f -d --dns "$DNS4" --dhcp-dns --dhcp-search \
		-S "example.org test.example" -- sh -c "
		ip link set lo up
		ip link set $HOST_IF up
		dhclient -4 -d -1 -v -lf $out/dh4.leases -pf $out/dh4.pid \
			-sf $TEST_TMP/dh4.sh $HOST_IF >$out/dhclient.log 2>&1 &
		for i in \$(seq 1 50); do
			[ -s $out/dhclient.lease ] && break
			sleep 0.1
		done
		kill \$! 2>/dev/null
		if command -v dhcpcd >/dev/null 2>&1; then
			timeout 15 dhcpcd -4 -B -1 -t 10 -f /dev/null \
				-c /bin/true --noarp $HOST_IF \
				>$out/dhcpcd.log 2>&1
			echo \$? >$out/dhcpcd.rc
			ip -4 addr show dev $HOST_IF >$out/dhcpcd.addr
		fi
		true
	" >"$TEST_TMP/pasta-dhclient.log" 2>&1
	exp="ip=$HOST4 mask=255.255.255.0 router=$GW4 dns=$DNS4"
	exp="$exp search=example.org. test.example. lease=4294967295"
	exp="$exp routes=0 $(echo "$GW4" | tr . ' ')"
	check_eq "$(cat "$out/dhclient.lease" 2>/dev/null)" "$exp" \
		"dhclient: lease"
	if [ -f "$out/dhcpcd.rc" ]; then
		check_eq "$(cat "$out/dhcpcd.rc")" 0 "dhcpcd: exit status"
		check "dhcpcd: address configured" \
			grep -q "inet $HOST4/$HOST4_PLEN" "$out/dhcpcd.addr"
	fi
fi

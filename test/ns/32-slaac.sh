#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/32-slaac.sh - Router advertisements and neighbour discovery
#
# pasta without --config-net: the namespace's kernel solicits a router, and
# from our advertisement it must autoconfigure an address in the host's
# /64, a default route via our link-local address, and the MTU given with
# -m. Its duplicate address detection must succeed (we never claim its
# addresses), and its neighbour solicitations, for the router and for any
# address of the prefix, get our MAC address. The advertisement seen on the
# wire (pasta's --pcap) carries the resolver and search list (RFC 8106).
# With --no-ra no advertisement is sent and no address appears.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd python3 ping

out="$TEST_TMP/out"
mkdir -p "$out" && chown "$TEST_UID:$TEST_GID" "$out"
PEER6=2001:db8:1::77
OUR_MAC=9a:55:9a:55:9a:55

# ra_dump() - Print the options of the last router advertisement in a pcap
# $1: pcap file written by pasta
ra_dump() {
	python3 - "$1" <<'EOF'
import socket, struct, sys

data = open(sys.argv[1], 'rb').read()
end = '<' if data[:4] == b'\xd4\xc3\xb2\xa1' else '>'
off, last, count = 24, None, 0
while off + 16 <= len(data):
    caplen = struct.unpack(end + 'I', data[off + 8:off + 12])[0]
    f = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if len(f) > 62 and f[12:14] == b'\x86\xdd' and f[20] == 58 and \
       f[54] == 134:
        last = f
        count += 1
if not last:
    print('none')
    sys.exit(0)
ra = last[54:]
res = ['count=%d' % count, 'hlim=%d' % last[21],
       'src=' + socket.inet_ntop(socket.AF_INET6, last[22:38]),
       'flags=%02x' % ra[5], 'lifetime=%d' % struct.unpack('!H', ra[6:8])]
o = 16
while o + 2 <= len(ra) and ra[o + 1]:
    t, l = ra[o], ra[o + 1] * 8
    b = ra[o:o + l]
    if t == 1:
        res.append('slla=' + ':'.join('%02x' % x for x in b[2:8]))
    elif t == 3:
        res.append('prefix=%s/%d,flags=%02x,valid=%d,pref=%d' % (
            socket.inet_ntop(socket.AF_INET6, b[16:32]), b[2], b[3],
            struct.unpack('!I', b[4:8])[0], struct.unpack('!I', b[8:12])[0]))
    elif t == 5:
        res.append('mtu=%d' % struct.unpack('!I', b[4:8]))
    elif t == 25:
        res.append('rdnss=' + ','.join(socket.inet_ntop(socket.AF_INET6,
                   b[i:i + 16]) for i in range(8, l, 16)))
    elif t == 31:
        names, p = [], 8
        while p < l and b[p]:
            labels = []
            while b[p]:
                labels.append(b[p + 1:p + 1 + b[p]].decode())
                p += 1 + b[p]
            names.append('.'.join(labels))
            p += 1
        res.append('dnssl=' + ','.join(names))
    o += l
print(' '.join(res))
EOF
}

# Wait for a global address from SLAAC, then look around
slaac_cmd="
	ip link set lo up
	ip link set $HOST_IF up
	for i in \$(seq 1 50); do
		ip -6 addr show dev $HOST_IF scope global | grep -q 'inet6' &&
		! ip -6 addr show dev $HOST_IF | grep -q tentative && break
		sleep 0.1
	done
	ip -6 addr show dev $HOST_IF >$out/\$RUN.addr
	ip -6 route show >$out/\$RUN.route
	cat /proc/sys/net/ipv6/conf/$HOST_IF/mtu >$out/\$RUN.mtu
"

log "advertisement, SLAAC, neighbours"
as_user "$PASTA" -f -d -m 1400 --dns "$DNS4" --dns "$GW6" --dhcp-dns \
	--dhcp-search -S "example.org test.example" -p "$out/ra.pcap" \
	-- sh -c "
	RUN=slaac
	$slaac_cmd
	ping -6 -c 2 -i 0.2 -W 2 $GW6 >$out/ping-gw.txt 2>&1
	echo \$? >$out/ping-gw.rc
	ping -6 -c 1 -W 1 $PEER6 >/dev/null 2>&1
	ip -6 neigh show dev $HOST_IF >$out/neigh
" >"$TEST_TMP/pasta-slaac.log" 2>&1
check_eq "$?" 0 "pasta exit status"

cat "$out/slaac.addr" "$out/slaac.route" "$out/neigh"
check "SLAAC address in 2001:db8:1::/64" \
	grep -Eq 'inet6 2001:db8:1:0:[0-9a-f:]+/64 scope global' \
	"$out/slaac.addr"
check_not "no address failed DAD" grep -q dadfailed "$out/slaac.addr"
check "default route from the advertisement" \
	grep -Eq '^default via fe80::[0-9a-f:]+ dev '"$HOST_IF"' proto ra' \
	"$out/slaac.route"
check_eq "$(cat "$out/slaac.mtu")" 1400 "MTU from the advertisement"
check_eq "$(cat "$out/ping-gw.rc")" 0 "ping $GW6 via the advertised router"
router=$(sed -n 's/^default via \([^ ]*\) .*/\1/p' "$out/slaac.route")
check "router's neighbour entry: our MAC, router flag" \
	grep -Eq "^$router lladdr $OUR_MAC router" "$out/neigh"
check "on-link peer's neighbour entry: our MAC" \
	grep -Eq "^$PEER6 lladdr $OUR_MAC" "$out/neigh"

ra=$(ra_dump "$out/ra.pcap")
log "advertisement: $ra"
for f in hlim=255 "src=$router" flags=c0 lifetime=65535 "slla=$OUR_MAC" \
	 "prefix=2001:db8:1::/64,flags=c0,valid=4294967295,pref=4294967295" \
	 mtu=1400 "rdnss=$GW6" "dnssl=example.org,test.example"; do
	check "advertisement has $f" \
		sh -c "echo ' $ra ' | grep -q -- ' $f '"
done

log "--no-ra"
as_user "$PASTA" -f -d --dns "$DNS4" --no-ra -p "$out/nora.pcap" -- sh -c "
	RUN=nora
	$slaac_cmd
	sleep 1
	ip -6 addr show dev $HOST_IF >$out/nora.addr
" >"$TEST_TMP/pasta-nora.log" 2>&1
check_eq "$?" 0 "--no-ra: pasta exit status"
check_not "--no-ra: no global address" grep -q 'scope global' "$out/nora.addr"
check_eq "$(ra_dump "$out/nora.pcap")" none "--no-ra: no advertisement"

# SPDX-License-Identifier: GPL-2.0-or-later
#
# forward - Ports of the host forwarded to the guest (passt -t, -u; see
# forward.host): servers here, clients on the host side, in the remote
# namespace and on the host's loopback, asked for with host_sync
#
#   TCP 22	echo		(host port 10022)
#   TCP 5212	answers with the peer address socat saw
#   UDP 5353	echo		(host port 10053)
#   UDP 5354	answers with the peer address socat saw

net_v4
# One global IPv6 address, the one passt assigns: with a SLAAC address too,
# the UDP servers (unbound sockets) would answer a datagram sent to
# 2001:db8:1::1 from the other address, which the client does not expect
echo 0 >/proc/sys/net/ipv6/conf/eth0/autoconf
ip -6 addr flush dev eth0 scope global
ip -6 addr add "$HOST6/64" dev eth0 nodad 2>/dev/null
ip -6 route replace default via "$GW6" dev eth0 2>/dev/null

# listening() - Is this TCP or UDP port bound (any address)?
# $1: tcp or udp, $2: port
listening() {
	_hex=$(printf ':%04X ' "$2")
	cat /proc/net/"$1" /proc/net/"$1"6 2>/dev/null |
		awk '{ print $2 " " }' | grep -q "$_hex"
}

socat TCP6-LISTEN:22,reuseaddr,fork,ipv6only=0 EXEC:cat \
	>/tmp/srv-22.log 2>&1 &
socat -t 5 TCP6-LISTEN:5212,reuseaddr,fork,ipv6only=0 \
	'SYSTEM:echo $SOCAT_PEERADDR' >/tmp/srv-5212.log 2>&1 &
socat -T 3 UDP6-RECVFROM:5353,fork,ipv6only=0 EXEC:cat \
	>/tmp/srv-5353.log 2>&1 &
socat -T 3 UDP6-RECVFROM:5354,fork,ipv6only=0 \
	'SYSTEM:head -c 1 >/dev/null; echo $SOCAT_PEERADDR' \
	>/tmp/srv-5354.log 2>&1 &

for p in tcp:22 tcp:5212 udp:5353 udp:5354; do
	if ! wait_until 10 listening "${p%:*}" "${p#*:}"; then
		fail forward-servers "no server on $p: $(cat /tmp/srv-*.log)"
		exit 0
	fi
done

for tag in tcp-remote4 tcp-remote6 tcp-lo4 tcp-lo6 \
	   udp-remote4 udp-remote6 udp-lo4 udp-lo6; do
	host_sync "$tag" 120
	case $? in
	0)	pass "fwd-$tag" ;;
	2)	fail "fwd-$tag" "host-side checks failed (see '# host check" \
			"failed' lines of the host's log)" ;;
	*)	fail "fwd-$tag" "no answer from the host within 120 s" ;;
	esac
done

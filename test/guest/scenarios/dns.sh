# SPDX-License-Identifier: GPL-2.0-or-later
#
# dns - DNS forwarding (passt --dns-forward, see dns.host): queries to
# 198.51.100.53 and 2001:db8:1::53 reach the resolver in the remote
# namespace, over UDP (busybox nslookup, and a raw query with socat) and TCP
# (a raw query with socat), and the fixed answers come back from the
# forwarding address

FWD4=198.51.100.53
FWD6=2001:db8:1::53
ANS4=203.0.113.77
ANS6=2001:db8:2::77

net_v4
echo 0 >/proc/sys/net/ipv6/conf/eth0/autoconf
ip -6 addr flush dev eth0 scope global
ip -6 addr add "$HOST6/64" dev eth0 nodad 2>/dev/null
ip -6 route replace default via "$GW6" dev eth0 2>/dev/null

# query() - Print an A query for passt.test, ID 0xbeef, recursion desired
query() {
	printf '\276\357\001\000\000\001\000\000\000\000\000\000'
	printf '\005passt\004test\000\000\001\000\001'
}

# hex() - Standard input as one line of hexadecimal digits
hex() {
	od -An -v -tx1 | tr -d ' \n'
}

# The answer: same ID, response + recursion available, one question, one
# answer, the question again, then the A record: 203.0.113.77, TTL 60
QUESTION=$(query | hex | cut -c25-)
R_HEX="beef81800001000100000000${QUESTION}c00c000100010000003c0004cb00714d"

# raw() - One raw query with socat, check the whole answer
# $1: check name, $2: udp or tcp, $3: socat address
raw() {
	if [ "$2" = tcp ]; then
		_want="002c$R_HEX"
		_got=$( (printf '\000\034'; query) |
			timeout 15 socat -t 10 -T 10 - "$3" 2>/tmp/socat.err | hex)
	else
		_want=$R_HEX
		# UDP has no end: socat waits all of -t after sending
		_got=$(query | timeout 15 socat -t 2 -T 2 - "$3" \
			2>/tmp/socat.err | hex)
	fi
	if [ "$_got" = "$_want" ]; then
		pass "$1"
	else
		fail "$1" "answer '$_got', expected '$_want'" \
			"$(tail -n 1 /tmp/socat.err)"
	fi
}

# lookup() - busybox nslookup (UDP): both answers must be there
# $1: check name, $2: server
lookup() {
	_out=$(timeout 20 nslookup passt.test "$2" 2>&1)
	if echo "$_out" | grep -q "Address:* *$ANS4\$" &&
	   echo "$_out" | grep -q "Address:* *$ANS6\$"; then
		pass "$1"
	else
		fail "$1" "nslookup passt.test $2: $(echo "$_out" | tr '\n' ' ')"
	fi
}

lookup dns4-nslookup-udp "$FWD4"
lookup dns6-nslookup-udp "$FWD6"
raw dns4-raw-udp udp "UDP4:$FWD4:53"
raw dns6-raw-udp udp "UDP6:[$FWD6]:53"
raw dns4-raw-tcp tcp "TCP4:$FWD4:53"
raw dns6-raw-tcp tcp "TCP6:[$FWD6]:53"
info "neighbours: $(ip neigh show dev eth0 | tr '\n' ';')"

# SPDX-License-Identifier: GPL-2.0-or-later
#
# udp - UDP through passt to an echo server in the remote namespace
# (udp.host), IPv4 and IPv6: a plain echo with socat, a zero-length
# datagram, the largest datagram the MTU carries unfragmented (and one byte
# more must need fragments), datagrams larger than the MTU up to the largest
# there is (65507 bytes over IPv4, 65527 over IPv6), which the guest and
# passt fragment and reassemble, and 200 numbered datagrams in one burst, all
# back, intact, once. udptool (built by udp.host) is fetched over TCP.
#
# Variables (run.sh --var NAME=VALUE): UDP_SEQ (datagrams in the burst,
# default 200)

SEQ=${UDP_SEQ:-200}
PORT=5005
T=/tmp/udptool

# A burst of replies must fit in the receiving socket (udptool asks for 4
# MiB): otherwise the guest itself drops them (Udp RcvbufErrors)
echo 8388608 >/proc/sys/net/core/rmem_max

net_v4
ip -6 addr add "$HOST6/64" dev eth0 nodad 2>/dev/null
ip -6 route replace default via "$GW6" dev eth0 2>/dev/null

# udp_errs() - The guest's UDP receive errors: "InErrors RcvbufErrors"
udp_errs() {
	awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) n[$i] = i; h = 1 }
		else print $n["InErrors"], $n["RcvbufErrors"] }' /proc/net/snmp
}

# tool() - Run udptool, report its result line as check $1
# $1: check name, rest: udptool arguments
tool() {
	_n=$1
	shift
	_e0=$(udp_errs)
	_out=$(timeout 30 "$T" "$@" 2>&1)
	_st=$?
	case "$_out" in
	ok*)	pass "$_n"
		info "$_n: ${_out#ok }" ;;
	*)	fail "$_n" "udptool $* (status $_st): $_out; guest Udp" \
			"InErrors RcvbufErrors before: $_e0, after: $(udp_errs)" ;;
	esac
}

# socat_echo() - One line through socat, echoed back
# $1: check name, $2: socat address
socat_echo() {
	_msg="hello over $2"
	_got=$(echo "$_msg" | timeout 10 socat -T 3 - "$2" 2>&1)
	if [ "$_got" = "$_msg" ]; then
		pass "$1"
	else
		fail "$1" "sent '$_msg', got '$_got'"
	fi
}

if ! wait_until 15 sh -c "timeout 10 socat -u -T 5 TCP4:$REMOTE4:5099 \
	CREATE:$T.tmp,perm=0755 && [ -s $T.tmp ] && mv $T.tmp $T"; then
	fail udp-tool "cannot fetch udptool from $REMOTE4:5099"
	exit 0
fi
info "udptool: $(wc -c <"$T") bytes"

MTU=$(cat /sys/class/net/eth0/mtu)
MAX4=$((MTU - 20 - 8))
MAX6=$((MTU - 40 - 8))
[ "$MAX4" -gt 65507 ] && MAX4=65507
info "eth0 mtu $MTU: largest unfragmented UDP payload $MAX4 (IPv4)," \
     "$MAX6 (IPv6)"

socat_echo udp4-socat "UDP4:$REMOTE4:$PORT"
socat_echo udp6-socat "UDP6:[$REMOTE6]:$PORT"
tool udp4-echo echo "$REMOTE4" "$PORT" 1000
tool udp6-echo echo "$REMOTE6" "$PORT" 1000
tool udp4-zero-length echo "$REMOTE4" "$PORT" 0
tool udp6-zero-length echo "$REMOTE6" "$PORT" 0
tool udp4-max-unfragmented echo "$REMOTE4" "$PORT" "$MAX4"
tool udp6-max-unfragmented echo "$REMOTE6" "$PORT" "$MAX6"
if [ "$MAX4" -lt 65507 ]; then
	tool udp4-max-plus-one toobig "$REMOTE4" "$PORT" $((MAX4 + 1))
fi
tool udp6-max-plus-one toobig "$REMOTE6" "$PORT" $((MAX6 + 1))
# Larger than the MTU: the guest sends fragments, passt puts the datagram
# together again, and the echo comes back to the guest as fragments
if [ "$MAX4" -lt 65507 ]; then
	tool udp4-fragmented fragecho "$REMOTE4" "$PORT" $((MAX4 + 8))
fi
tool udp6-fragmented fragecho "$REMOTE6" "$PORT" $((MAX6 + 8))
tool udp4-largest fragecho "$REMOTE4" "$PORT" 65507
tool udp6-largest fragecho "$REMOTE6" "$PORT" 65527
tool udp4-seq"$SEQ" seq "$REMOTE4" "$PORT" "$SEQ"
tool udp6-seq"$SEQ" seq "$REMOTE6" "$PORT" "$SEQ"

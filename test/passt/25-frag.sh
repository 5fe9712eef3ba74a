#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/passt/25-frag.sh - IP fragments from the guest on passt's socket
#
# The frame-level client sends ICMP echo requests to the far addresses as IP
# fragments: in order, reversed, shuffled, with duplicates, two datagrams
# interleaved, up to 65000 bytes; passt must reassemble them and the replies (payload checked) come
# back. Fragments that must not make a datagram (overlapping, a non-last one
# not a multiple of 8 bytes, one missing) get no reply, ever (their ICMP IDs
# are forbidden), and good requests after them still work. TCP too: a
# connection whose SYN and data come in fragments. Then with -m 1500, a
# reply larger than the MTU comes to the guest as fragments.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_tapclient

SOCK="$TEST_TMP/passt.sock"
MAC=02:00:00:00:00:01
BAD4=0xbad4
BAD6=0xbad6
S="$TEST_TMP/script"

bg_start srv4 run_remote python3 "$TOP/test/lib/tcptool.py" srv-echo "$FAR4" 7000
bg_start srv6 run_remote python3 "$TOP/test/lib/tcptool.py" srv-echo "$FAR6" 7000
wait_port -r tcp 7000 5 || fail "remote TCP echo servers not up"
bg_start passt as_user "$PASST" -f -d -s "$SOCK" --dns "$DNS4"
wait_for 10 test -S "$SOCK" || fail "passt did not create $SOCK"

# orders() - Echo requests as fragments: in order, reversed, shuffled, with
# duplicates, two datagrams interleaved, then one of 65000 bytes; each reply
# expected
# $1: 4 or 6, $2: fragment size, $3: gateway MAC, $4: source, $5: destination,
# $6: ICMP ID
orders() {
	_p="ping$1 $MAC $3 $4 $5 $6"
	_e="expect echo$1-reply $5 $6"
	echo "echo == IPv$1: in order, reversed, shuffled, duplicates"
	_seq=0
	for _o in "" rev "1 2 0" "2 0 1" "2 0 2 1 0" "0 0 2 1 2"; do
		_seq=$((_seq + 1))
		printf '%s\n' "frag $2 $_o" "$_p $_seq 3000" "$_e $_seq 3000"
	done
	echo "echo == IPv$1: two datagrams, fragments interleaved"
	printf '%s\n' "frag $2 0" "$_p 20 3000" "frag $2 2" "$_p 21 3000" \
		"frag $2 2 1" "$_p 20 3000" "frag $2 0 1" "$_p 21 3000" \
		"$_e 20 3000" "$_e 21 3000"
	echo "echo == IPv$1: 65000 bytes, reversed"
	printf '%s\n' "frag $2 rev" "$_p 99 65000" \
		"expect -t 5000 echo$1-reply $5 $6 99 65000"
}

# drops() - Fragments that make no datagram: overlapping (the same request
# cut in two sizes), non-last ones not a multiple of 8 bytes, one missing;
# then a good request is still answered
# $1 to $5: as orders(), $6: ICMP ID (forbidden), $7: ICMP ID of a good one
drops() {
	_p="ping$1 $MAC $3 $4 $5 $6"
	echo "echo == IPv$1: overlap, bad size, missing fragment"
	printf '%s\n' "frag $2 0" "$_p 7 3000" "frag 1024 1 2" "$_p 7 3000" \
		"frag $2 1 2" "$_p 7 3000" \
		"frag 1001" "$_p 8 3000" \
		"frag $2 0 2" "$_p 9 3000" \
		"ping$1 $MAC $3 $4 $5 $7 30 100" \
		"expect echo$1-reply $5 $7 30 100"
}

# tcp_frag() - A TCP connection to the remote echo server whose SYN and data
# segment come as fragments; the echo must come back
# $1: connection name, $2: gateway MAC, $3: source, $4: destination,
# $5: source port
tcp_frag() {
	printf '%s\n' "echo == TCP: fragmented SYN and data, $4" \
		"tcp-conn $1 $MAC $2 $3 $4 $5 7000" "set $1_i 1000" \
		"frag 8 3 1 0 2" \
		"send-tcp $1 flags S seq $1_i win 65535 mss 1460 ws 7 sackok" \
		"expect tcp $1 flags SA ack $1_i+1 save-seq $1_r" \
		"send-tcp $1 seq $1_i+1 ack $1_r+1 win 65535" \
		"frag 512 rev" \
		"send-tcp $1 flags PA seq $1_i+1 ack $1_r+1 pat 1400 0" \
		"tcp-recv $1 $1_r+1 pat 1400 0 ack $1_i+1401 mss 1460" \
		"send-tcp $1 flags R seq $1_i+1401"
}

printf 'forbid-echo-id %s\n' $BAD4 $BAD6 >"$S"
tap_script_neigh $MAC >>"$S"
{
	orders 4 1480 @GW "$HOST4" "$FAR4" 0x1234
	orders 6 1448 @GW6 "$HOST6" "$FAR6" 0x2345
	drops 4 1480 @GW "$HOST4" "$FAR4" $BAD4 0x1234
	drops 6 1448 @GW6 "$HOST6" "$FAR6" $BAD6 0x2345
	tcp_frag t4 @GW "$HOST4" "$FAR4" 40001
	tcp_frag t6 @GW6 "$HOST6" "$FAR6" 40002
	echo "drain 500"
} >>"$S"

log "running tapclient: fragmented echo requests"
"$TAPCLIENT" -t 3000 "$SOCK" "$S" >"$TEST_TMP/tapclient.log" 2>&1
rc=$?
tail -n 20 "$TEST_TMP/tapclient.log"
check_eq "$rc" 0 "tapclient exit status (fragments to passt)"
check "passt alive after fragments" bg_alive passt
bg_stop passt

# MTU 1500: a 3000-byte reply leaves as three IPv4 fragments (1480, 1480
# and 68 bytes of ICMP), not as one frame
bg_start passt1500 as_user "$PASST" -f -d -s "$SOCK" --dns "$DNS4" -m 1500
wait_for 10 test -S "$SOCK" || fail "passt -m 1500 did not create $SOCK"
cat >"$S" <<EOF
arp-request $MAC $HOST4 $GW4
expect arp-reply $GW4 save-mac GW
drain 300
frag 1480
ping4 $MAC @GW $HOST4 $FAR4 0x1234 1 3000
count 1500 3 3 ethertype 0x0800
ping4 $MAC @GW $HOST4 $FAR4 0x1234 2 1000
expect echo4-reply $FAR4 0x1234 2 1000
EOF
"$TAPCLIENT" -t 3000 "$SOCK" "$S" >"$TEST_TMP/tapclient.log" 2>&1
rc=$?
tail -n 20 "$TEST_TMP/tapclient.log"
check_eq "$rc" 0 "tapclient exit status (fragments from passt, -m 1500)"
check "passt -m 1500 alive" bg_alive passt1500

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/passt/20-hostile.sh - Malformed input on passt's socket
#
# Over one connection: frames truncated at every header boundary, header
# length fields that lie, Ethernet padding, frames split across writes at
# every offset, several frames in one write cut at odd places. After each, a
# good ping must still get its reply, replies to malformed requests must
# never appear (their ICMP IDs are forbidden), and passt must stay alive.
# Then bogus length prefixes (the daemon may, or for absurd lengths must,
# reset the connection), and connections closed in the middle of a frame.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_tapclient

SOCK="$TEST_TMP/passt.sock"
MAC=02:00:00:00:00:01
BAD4=0xbad4	# ICMP ID of malformed IPv4 echo requests
BAD6=0xbad6	# ICMP ID of malformed IPv6 echo requests

bg_start passt as_user "$PASST" -f -d -s "$SOCK" --dns "$DNS4"
wait_for 10 test -S "$SOCK" || fail "passt did not create $SOCK"

seq=0
S="$TEST_TMP/script"

# good() - Append a good ping and the expectation of its reply
good() {
	seq=$((seq + 1))
	cat >>"$S" <<EOF
ping4 $MAC @GW $HOST4 $GW4 0x1234 $seq 56
expect echo4-reply $GW4 0x1234 $seq 56
EOF
}

good6() {
	seq=$((seq + 1))
	cat >>"$S" <<EOF
ping6 $MAC @GW6 $HOST6 $GW6 0x2345 $seq 56
expect echo6-reply $GW6 0x2345 $seq 56
EOF
}

# A ping4 frame with 56 bytes payload: 14 + 20 + 8 + 56 = 98 bytes
# A ping6 frame with 56 bytes payload: 14 + 40 + 8 + 56 = 118 bytes
printf 'forbid-echo-id %s\n' $BAD4 $BAD6 >"$S"
tap_script_neigh $MAC >>"$S"
good
good6

echo "echo == ping4 truncated at every header boundary" >>"$S"
for n in 14 15 20 33 34 35 41 42 43 97; do
	echo "trunc $n" >>"$S"
	echo "ping4 $MAC @GW $HOST4 $GW4 $BAD4 $n 56" >>"$S"
	good
done

echo "echo == ping6 truncated at every header boundary" >>"$S"
for n in 14 15 53 54 55 61 62 63 117; do
	echo "trunc $n" >>"$S"
	echo "ping6 $MAC @GW6 $HOST6 $GW6 $BAD6 $n 56" >>"$S"
	good6
done

echo "echo == ARP and NS truncated" >>"$S"
for n in 14 15 21 22 41; do
	echo "trunc $n" >>"$S"
	echo "arp-request $MAC $HOST4 $GW4" >>"$S"
	good
done
for n in 54 55 61 62 77 78 85; do
	echo "trunc $n" >>"$S"
	echo "ns6 $MAC $HOST6 $GW6" >>"$S"
	good6
done

echo "echo == IPv4 and IPv6 header fields that lie" >>"$S"
# offset 14: version/IHL; 16: total length; 18: payload length (IPv6)
# IHL 4, 15, 0; version 6; total length > frame, < header, one too many
for poke in "14 44" "14 4f" "14 40" "14 65" "16 ffff" "16 0000" "16 0013" \
	    "16 0055"; do
	echo "poke $poke" >>"$S"
	echo "ping4 $MAC @GW $HOST4 $GW4 $BAD4 1 56" >>"$S"
	good
done
# payload length > frame, one too many; version 4
for poke in "18 ffff" "18 0041" "14 40"; do
	echo "poke $poke" >>"$S"
	echo "ping6 $MAC @GW6 $HOST6 $GW6 $BAD6 1 56" >>"$S"
	good6
done

echo "echo == Ethernet padding is not payload" >>"$S"
cat >>"$S" <<EOF
pad 60
arp-request $MAC $HOST4 $GW4
expect arp-reply $GW4
pad 60
ping4 $MAC @GW $HOST4 $GW4 0x1234 8888 0
expect echo4-reply $GW4 0x1234 8888 0
pad 200
ping4 $MAC @GW $HOST4 $GW4 0x1234 8889 56
expect echo4-reply $GW4 0x1234 8889 56
EOF

echo "echo == ping4 split across two writes at every offset" >>"$S"
k=1
while [ $k -lt 102 ]; do
	echo "split-at $k 3" >>"$S"
	good
	k=$((k + 1))
done
echo "split 1 1" >>"$S"
good

echo "echo == several frames per write, cut across frame boundaries" >>"$S"
for piece in 0 1 3 5 7 13 37 50 97 101 103 150 1000; do
	s0=$((seq + 1))
	echo "batch-begin" >>"$S"
	for i in 1 2 3 4; do
		echo "ping4 $MAC @GW $HOST4 $GW4 0x1234 $((s0 + i)) 56" >>"$S"
	done
	[ $piece -eq 0 ] && echo "batch-end" >>"$S" ||
		echo "batch-end $piece 1" >>"$S"
	for i in 1 2 3 4; do
		echo "expect echo4-reply $GW4 0x1234 $((s0 + i)) 56" >>"$S"
	done
	seq=$((s0 + 4))
done

echo "echo == no late reply to a malformed request" >>"$S"
echo "drain 500" >>"$S"

log "running tapclient: frames in one connection"
"$TAPCLIENT" -t 3000 "$SOCK" "$S" >"$TEST_TMP/tapclient.log" 2>&1
rc=$?
tail -n 20 "$TEST_TMP/tapclient.log"
check_eq "$rc" 0 "tapclient exit status (malformed frames, splits)"
check "passt alive after malformed frames" bg_alive passt

# Bogus length prefixes, each in its own connection.
# - Followed by as many bytes as they announce, the stream stays in sync:
#   the daemon may drop the frame or reset the connection (then we connect
#   again); either way it must serve the next frame.
# - Longer than any frame and not followed by that much data: the stream
#   cannot be trusted any more, the daemon must close the connection, then
#   serve the next one.
n=0
for bogus in "0" "1 1" "13 13" "14 14" "65536 65536" \
	     "70000" "1048576" "2147483648" "4294967295"; do
	n=$((n + 1))
	case "$bogus" in
	*" "*|0) after="reconnect-if-closed 1000" ;;
	*)	 after="expect-close 2000
reconnect" ;;
	esac
	cat >"$S" <<EOF
arp-request $MAC $HOST4 $GW4
expect arp-reply $GW4 save-mac GW
raw-len $bogus
$after
arp-request $MAC $HOST4 $GW4
expect arp-reply $GW4 save-mac GW
ping4 $MAC @GW $HOST4 $GW4 0x1234 $n 56
expect echo4-reply $GW4 0x1234 $n 56
EOF
	log "bogus length prefix: $bogus"
	tapclient_run "$SOCK" "$S" 3000 "length prefix '$bogus'"
	check "passt alive after length prefix '$bogus'" bg_alive passt
done

# A connection closed in the middle of a frame, twice, then a good one
for cut in 2 50; do
	printf 'split-at %s 1\nsend %s\n' "$cut" \
		"$(printf 'ff%.0s' $(seq 1 98))" >"$S"
	"$TAPCLIENT" "$SOCK" "$S" >/dev/null 2>&1
done
# shellcheck disable=SC2016
printf 'raw 0000006200000000\n' >"$S"	# prefix and 4 bytes, then close
"$TAPCLIENT" "$SOCK" "$S" >/dev/null 2>&1
cat >"$S" <<EOF
arp-request $MAC $HOST4 $GW4
expect arp-reply $GW4 save-mac GW
ping4 $MAC @GW $HOST4 $FAR4 0x1234 1 56
expect echo4-reply $FAR4 0x1234 1 56
EOF
tapclient_run "$SOCK" "$S" 3000 "connections closed mid-frame"
check "passt alive at the end" bg_alive passt

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/passt/26-checksum.sh - Wrong layer 4 checksums from the guest
#
# passt with the frame-level client (test/frame/tapclient.c) as the guest.
# ICMP and ICMPv6 echo requests, UDP datagrams over IPv4 and IPv6 to an echo
# server in the remote namespace, each sent corrupted (a payload byte or the
# checksum field changed after the checksum was computed): no reply may come
# back, ever (their ICMP IDs and UDP source ports are forbidden), and the
# good frame right after each must get its reply. A zero UDP checksum means
# "none" over IPv4 (a reply) and is invalid over IPv6 (dropped). passt says
# so in its debug log. TCP: see scen_csum in 30-tcp-hostile.sh.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_tapclient
need_cmd python3

SOCK="$TEST_TMP/passt.sock"
MAC=02:00:00:00:00:01
S="$TEST_TMP/script"
UPORT=5007	# UDP echo server, remote namespace
BAD=0xbad	# ICMP ID and UDP source port of corrupted frames

bg_start udp4 run_remote python3 "$TOP/test/lib/udpecho.py" "$FAR4" $UPORT
bg_start udp6 run_remote python3 "$TOP/test/lib/udpecho.py" "$FAR6" $UPORT
wait_port -r udp $UPORT 10 || fail "UDP echo server did not start"

bg_start passt as_user "$PASST" -f -d -s "$SOCK" --dns "$DNS4"
wait_for 10 test -S "$SOCK" || fail "passt did not create $SOCK"

# Offsets in the frames tapclient builds: ICMP at 34 (checksum 36, payload
# from 42), ICMPv6 and UDP over IPv6 at 54 (checksums 56 and 60, payload from
# 62), UDP over IPv4 at 34 (checksum 40, payload from 42)
tap_script_neigh $MAC >"$S"
cat >>"$S" <<EOF
forbid-echo-id $BAD
forbid udp4 $FAR4 $UPORT $BAD
forbid udp6 $FAR6 $UPORT $BAD

echo == ICMP echo: payload byte changed, checksum field changed
poke 60 a5
ping4 $MAC @GW $HOST4 $FAR4 $BAD 1 56
ping4 $MAC @GW $HOST4 $FAR4 0x1234 1 56
expect echo4-reply $FAR4 0x1234 1 56
poke 36 0000
ping4 $MAC @GW $HOST4 $FAR4 $BAD 2 1000
ping4 $MAC @GW $HOST4 $FAR4 0x1234 2 1000
expect echo4-reply $FAR4 0x1234 2 1000

echo == ICMPv6 echo: payload byte changed, checksum field changed
poke 80 a5
ping6 $MAC @GW6 $HOST6 $FAR6 $BAD 1 56
ping6 $MAC @GW6 $HOST6 $FAR6 0x1234 1 56
expect echo6-reply $FAR6 0x1234 1 56
poke 56 ffff
ping6 $MAC @GW6 $HOST6 $FAR6 $BAD 2 1000
ping6 $MAC @GW6 $HOST6 $FAR6 0x1234 2 1000
expect echo6-reply $FAR6 0x1234 2 1000

echo == UDP over IPv4: payload byte changed; no checksum is fine
poke 50 a5
udp4 $MAC @GW $HOST4 $FAR4 $BAD $UPORT 100
udp4 $MAC @GW $HOST4 $FAR4 40001 $UPORT 100
expect udp4 $FAR4 $UPORT 40001
poke 40 0000
udp4 $MAC @GW $HOST4 $FAR4 40002 $UPORT 1000
expect udp4 $FAR4 $UPORT 40002

echo == UDP over IPv6: payload byte changed, zero checksum
poke 70 a5
udp6 $MAC @GW6 $HOST6 $FAR6 $BAD $UPORT 100
udp6 $MAC @GW6 $HOST6 $FAR6 40001 $UPORT 100
expect udp6 $FAR6 $UPORT 40001
poke 60 0000
udp6 $MAC @GW6 $HOST6 $FAR6 $BAD $UPORT 1000
udp6 $MAC @GW6 $HOST6 $FAR6 40002 $UPORT 1000
expect udp6 $FAR6 $UPORT 40002

echo == no late reply to a corrupted frame
drain 500
EOF

log "running tapclient"
tapclient_run "$SOCK" "$S" 3000 "corrupted frames"
check "passt alive" bg_alive passt
check "passt logged a wrong checksum" grep -q "wrong checksum" \
	"$TEST_TMP/passt.log"

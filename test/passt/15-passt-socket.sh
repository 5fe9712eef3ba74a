#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/passt/15-passt-socket.sh - passt on its UNIX socket, frame by frame
#
# passt runs unprivileged in the test's host namespace; the frame-level
# client (test/frame/tapclient.c) plays the guest: ARP for the gateway, ICMP
# echo to the gateway and to the far addresses behind it, NDP and ICMPv6
# echo, each reply checked (addresses, id, sequence, payload, checksums).
# Then SIGTERM: passt exits and removes its socket and PID file.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_tapclient

SOCK="$TEST_TMP/passt.sock"
PIDFILE="$TEST_TMP/passt.pid"
MAC=02:00:00:00:00:01

bg_start passt as_user "$PASST" -f -d -s "$SOCK" -P "$PIDFILE" \
	--dns "$DNS4"
wait_for 10 test -S "$SOCK" || fail "passt did not create $SOCK"
check "passt is running" bg_alive passt
check_eq "$(cat "$PIDFILE" 2>/dev/null)" "$(bg_pid passt)" "PID file content"

cat >"$TEST_TMP/script" <<EOF
echo == ARP for the gateway
arp-request $MAC $HOST4 $GW4
expect arp-reply $GW4 save-mac GW

echo == ICMP echo, gateway and far address
ping4 $MAC @GW $HOST4 $GW4 0x1234 1 56
expect echo4-reply $GW4 0x1234 1 56
ping4 $MAC @GW $HOST4 $GW4 0x1234 2 1000
expect echo4-reply $GW4 0x1234 2 1000
ping4 $MAC @GW $HOST4 $FAR4 0x4321 1 56
expect echo4-reply $FAR4 0x4321 1 56
ping4 $MAC @GW $HOST4 $FAR4 0x4321 2 0
expect echo4-reply $FAR4 0x4321 2 0

echo == NDP for the gateway
ns6 $MAC $HOST6 $GW6
expect na6 $GW6 save-mac GW6

echo == ICMPv6 echo, gateway and far address
ping6 $MAC @GW6 $HOST6 $GW6 0x2345 1 56
expect echo6-reply $GW6 0x2345 1 56
ping6 $MAC @GW6 $HOST6 $FAR6 0x5432 1 1200
expect echo6-reply $FAR6 0x5432 1 1200
ping6 $MAC @GW6 $HOST6 $FAR6 0x5432 2 56
expect echo6-reply $FAR6 0x5432 2 56
EOF

"$TAPCLIENT" -t 3000 "$SOCK" "$TEST_TMP/script" >"$TEST_TMP/tapclient.log" 2>&1
rc=$?
cat "$TEST_TMP/tapclient.log"
check_eq "$rc" 0 "tapclient exit status"
check "passt still running" bg_alive passt

log "SIGTERM to passt"
pid=$(bg_pid passt)
kill -TERM "$pid"
pid_wait_gone "$pid" 5 || fail "passt did not exit within 5 s of SIGTERM"
check_not "socket file removed on exit" test -e "$SOCK"
check_not "PID file removed on exit" test -e "$PIDFILE"

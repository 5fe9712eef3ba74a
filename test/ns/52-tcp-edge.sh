#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/52-tcp-edge.sh - TCP through pasta under load and over time
#
# - 1000 connections opened and held at once, echo checked on each twice,
#   then closed; twice over, from the namespace to the remote and from the
#   remote to the namespace (-t): pasta survives, and its sockets are all
#   closed again afterwards (no leak)
# - a connection idle for a while (both directions of set-up) still works
# - a receiver that stops reading (its window closes) for 2 s, then reads
#   everything: 8 MiB intact, the namespace's client and a remote one
# - 20 MiB each way at once on one connection (full duplex), SHA-256
#   checked at both ends, IPv4 and IPv6, outbound and inbound

# shellcheck disable=SC2086	# $TCPTOOL is "python3 PATH": split on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
need_daemon
need_cmd python3 nsenter timeout

CONNS=1000
IDLE=20
MIB=$((1024 * 1024))
SIZE=$((20 * MIB))
A="$TEST_TMP/a" B="$TEST_TMP/b"
make_file "$A" "$SIZE"
make_file "$B" "$SIZE"
chmod 0644 "$A" "$B"
A_SHA=$(sha256 "$A")
B_SHA=$(sha256 "$B")

bg_start echo run_remote $TCPTOOL srv-echo :: 7000
wait_port -r tcp 7000 5 || fail "remote echo server not up"

pasta_start pasta --config-net -d -l "$TEST_TMP/pasta-debug.log" \
	--dns "$DNS4" -t 9000-9001
PASTA_PID=$(bg_pid pasta)

in_ns_bg nsecho $TCPTOOL srv-echo :: 9000
ns_wait_port 9000 5 || fail "echo server not up in the namespace"
wait_port tcp 9000 5 || fail "pasta does not listen on TCP 9000"

# pasta_fds() - Count pasta's open file descriptors
pasta_fds() {
	ls "/proc/$PASTA_PID/fd" | wc -l
}

# fds_back() - Are pasta's descriptors back to (at most) $1?
fds_back() {
	[ "$(pasta_fds)" -le "$1" ]
}

FDS0=$(pasta_fds)
log "pasta has $FDS0 descriptors open at rest"

# Many connections at once
for round in 1 2; do
	check_ok "round $round: $CONNS connections held, namespace -> remote" \
		in_ns timeout 120 $TCPTOOL hold "$FAR4" 7000 "$CONNS" 2
	daemon_alive pasta
	check_ok "round $round: $CONNS connections held, remote -> namespace" \
		run_remote timeout 120 $TCPTOOL hold "$HOST4" 9000 "$CONNS" 2
	daemon_alive pasta
done
wait_for 15 fds_back "$FDS0" ||
	fail "pasta holds $(pasta_fds) descriptors 15 s after all connections closed, $FDS0 before"
log "ok: pasta's descriptors back to $(pasta_fds)"
check_ok "a new connection after the load" \
	in_ns timeout 30 $TCPTOOL seq "$FAR4" 7000 3

# Idle connections, both ways at once
in_ns_bg idle_out timeout $((IDLE + 30)) $TCPTOOL idle "$FAR6" 7000 "$IDLE"
check_ok "inbound connection idle for $IDLE s" \
	run_remote timeout $((IDLE + 30)) $TCPTOOL idle "$HOST4" 9000 "$IDLE"
bg_wait idle_out 30
rc=$?
bg_log idle_out
check_eq "$rc" 0 "outbound connection idle for $IDLE s: status"

# A slow reader: the receive window closes, then opens again
SLOW=$((8 * MIB))
C="$TEST_TMP/c"
make_file "$C" "$SLOW"
chmod 0644 "$C"
C_SHA=$(sha256 "$C")
bg_start slowsrc run_remote $TCPTOOL srv-source "$FAR4" 7200 "$C"
wait_port -r tcp 7200 5 || fail "remote source not up"
r=$(in_ns timeout 60 $TCPTOOL slowrecv "$FAR4" 7200 2)
check_eq "$r" "ok $SLOW $C_SHA" "namespace reader pausing 2 s: data intact"
bg_wait slowsrc 10 || fail "remote source did not finish"
in_ns_bg nsslowsrc $TCPTOOL srv-source :: 9001 "$C"
ns_wait_port 9001 5 || fail "source not up in the namespace"
r=$(run_remote timeout 60 $TCPTOOL slowrecv "$HOST4" 9001 2)
check_eq "$r" "ok $SLOW $C_SHA" "remote reader pausing 2 s: data intact"
bg_wait nsslowsrc 10 || fail "namespace source did not finish"

# Full duplex: 20 MiB each way on one connection
PORT=7100
for a in "$FAR4" "$FAR6"; do
	PORT=$((PORT + 1))
	bg_start "dup$PORT" run_remote $TCPTOOL srv-duplex "$a" "$PORT" "$B"
	wait_port -r tcp "$PORT" 5 || fail "remote duplex server not up"
	r=$(in_ns timeout 60 $TCPTOOL duplex "$a" "$PORT" "$A")
	check_eq "$r" "ok $SIZE $B_SHA" "full duplex with $a: remote to namespace"
	bg_wait "dup$PORT" 20 || fail "remote duplex server did not finish"
	check_eq "$(bg_log "dup$PORT")" "$SIZE $A_SHA" \
		"full duplex with $a: namespace to remote"
done
for a in "$HOST4" "$HOST6"; do
	in_ns_bg "nsdup$a" $TCPTOOL srv-duplex :: 9001 "$B"
	ns_wait_port 9001 5 || fail "duplex server not up in the namespace"
	r=$(run_remote timeout 60 $TCPTOOL duplex "$a" 9001 "$A")
	check_eq "$r" "ok $SIZE $B_SHA" \
		"full duplex, inbound to $a: namespace to remote"
	bg_wait "nsdup$a" 20 || fail "duplex server did not finish"
	check_eq "$(bg_log "nsdup$a")" "$SIZE $A_SHA" \
		"full duplex, inbound to $a: remote to namespace"
done

daemon_alive pasta
pasta_stop pasta

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/51-tcp-forward.sh - TCP ports forwarded from the host (-t)
#
# pasta -t 8080 -t 8100-8102 -t 8200:80 -t 127.0.0.1/8300
#       -t 198.51.100.1/8301, servers inside the namespace, clients in the
# remote namespace (to 198.51.100.1 / 2001:db8:1::1: the tap path) and on
# the host's loopback (127.0.0.1 / ::1):
# - single port, range, translated port: echo checked on each
# - 10 MiB each way at once on one connection, SHA-256 at both ends
# - an address-bound port answers on its address only
# - ports not forwarded are refused
# - a port already in use at start: pasta exits with status 1, naming it

# shellcheck disable=SC2086	# $TCPTOOL is "python3 PATH": split on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
need_daemon
need_cmd python3 nsenter timeout

MIB=$((1024 * 1024))
A="$TEST_TMP/a" B="$TEST_TMP/b"
make_file "$A" $((10 * MIB))
make_file "$B" $((10 * MIB))
chmod 0644 "$A" "$B"
A_SHA=$(sha256 "$A")
B_SHA=$(sha256 "$B")

pasta_start pasta --config-net -d -l "$TEST_TMP/pasta-debug.log" \
	--dns "$DNS4" -t 8080 -t 8100-8102 -t 8200:80 -t 127.0.0.1/8300 \
	-t 198.51.100.1/8301

# Echo servers in the namespace, dual-stack; 8101 serves the transfers
for p in 8080 8100 8102 80 8300 8301; do
	in_ns_bg "echo$p" $TCPTOOL srv-echo :: "$p"
	ns_wait_port "$p" 5 || fail "echo server on $p not up in the namespace"
done
for p in 8080 8100 8101 8102 8200 8300 8301; do
	wait_port tcp "$p" 5 || fail "pasta does not listen on TCP $p"
done

# echo_from() - Three echo connections: $1: where from, $2: address, $3: port
echo_from() {
	case "$1" in
	remote)	check_ok "echo from the remote to $2 port $3" \
			run_remote timeout 30 $TCPTOOL seq "$2" "$3" 3 ;;
	host)	check_ok "echo from the host's loopback to $2 port $3" \
			timeout 30 $TCPTOOL seq "$2" "$3" 3 ;;
	esac
}

# refused_from() - Expect ECONNREFUSED: $1: remote or host, $2: addr, $3: port
refused_from() {
	_pre=""
	[ "$1" = remote ] && _pre=run_remote
	check_ok "$2 port $3 from the $1 is refused" \
		$_pre timeout 20 $TCPTOOL refused "$2" "$3"
}

# transfer() - 10 MiB each way at once: $1: remote or host, $2: address
transfer() {
	_pre=""
	[ "$1" = remote ] && _pre=run_remote
	in_ns_bg "duplex-$1-$2" $TCPTOOL srv-duplex :: 8101 "$B"
	ns_wait_port 8101 5 || fail "transfer server not up in the namespace"
	_r=$($_pre timeout 60 $TCPTOOL duplex "$2" 8101 "$A")
	check_eq "$_r" "ok $((10 * MIB)) $B_SHA" \
		"10 MiB from the namespace to the $1 ($2 port 8101)"
	bg_wait "duplex-$1-$2" 20 || fail "transfer server did not finish"
	check_eq "$(bg_log "duplex-$1-$2")" "$((10 * MIB)) $A_SHA" \
		"10 MiB from the $1 ($2 port 8101) to the namespace"
}

# Single port, both families, both paths
for a in "$HOST4" "$HOST6"; do
	echo_from remote "$a" 8080
done
for a in 127.0.0.1 ::1; do
	echo_from host "$a" 8080
done

# Range
for p in 8100 8102; do
	echo_from remote "$HOST4" "$p"
	echo_from remote "$HOST6" "$p"
	echo_from host 127.0.0.1 "$p"
done
refused_from remote "$HOST4" 8103

# Full-duplex transfers on one port of the range
transfer remote "$HOST4"
transfer remote "$HOST6"
transfer host 127.0.0.1
transfer host ::1

# Translated: 8200 on the host is 80 in the namespace, 80 isn't forwarded
echo_from remote "$HOST4" 8200
echo_from remote "$HOST6" 8200
echo_from host 127.0.0.1 8200
refused_from remote "$HOST4" 80

# Bound to an address: reachable through that address only
echo_from host 127.0.0.1 8300
refused_from remote "$HOST4" 8300
refused_from host ::1 8300
echo_from remote "$HOST4" 8301
refused_from host 127.0.0.1 8301

daemon_alive pasta
pasta_stop pasta

# A port already in use: exit status 1 and a message naming the port.
# The listener belongs to root, so pasta (the test uid) can't share it.
bg_start busy $TCPTOOL srv-echo 0.0.0.0 8500
bg_start busy2 $TCPTOOL srv-echo 0.0.0.0 8601
wait_port tcp 8500 5 && wait_port tcp 8601 5 || fail "busy listeners not up"

for spec in 8500 8600-8602; do
	busy=8500
	[ "$spec" = 8500 ] || busy=8601
	as_user timeout 20 "$PASTA" --config-net -f --dns "$DNS4" -t "$spec" \
		-- true >"$TEST_TMP/inuse.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$TEST_TMP/inuse.out"
	check_eq "$rc" 1 "pasta -t $spec, port $busy in use: exit status"
	check "pasta -t $spec: the message names port $busy" \
		grep -qw "$busy" "$TEST_TMP/inuse.out"
done

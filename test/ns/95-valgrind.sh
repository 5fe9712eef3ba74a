#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/95-valgrind.sh - passt and pasta under valgrind, through traffic
#
# The daemon built by 'make valgrind' (valgrind/passt: -O1 -g, no
# _FORTIFY_SOURCE, -DPASST_VALGRIND) runs under memcheck with
# --leak-check=full --errors-for-leak-kinds=definite: an invalid read or
# write, a jump on uninitialised memory, a bad free or a definitely lost
# block anywhere, start-up and exit included, fails the test.
#
# passt: in the test's host namespace, tapclient as the guest: ARP, NDP,
# ICMP and ICMPv6 echo to the gateway and beyond, UDP to an echo server in
# the remote namespace, a TCP connection with data echoed both ways and
# closed with FIN, UDP and TCP to a closed port (ICMP error, RST), echo
# requests as IP fragments (in order, reversed), a capture file.
#
# pasta: valgrind can't follow the clone() that ns_call() uses to open
# sockets in the namespace (memory and descriptors shared, filesystem
# information not: valgrind knows threads, fork() and vfork() only). The
# valgrind build switches namespace in its own task instead, which needs
# CAP_SYS_ADMIN over both network namespaces. So here pasta runs as root of
# a user namespace owned by the test uid, in a network namespace of its own
# (its "host": veth to the test's host namespace, which plays the remote),
# attached by PID to a target namespace in that same user namespace:
#
#   test host netns          pasta's host netns (user ns U)   target (U)
#   vg0 203.0.113.129/25 <-> eth0 203.0.113.130/25       tap eth0 (copied)
#       2001:db8:5::1/64          2001:db8:5::2/64
#   servers on HOST4, HOST6                            servers, clients
#
# Through it, at MTU 1500 (-m): ping, UDP (datagrams up to 3100 bytes: IP
# fragments both ways) and TCP (8 MiB each way, SHA-256 checked) from the
# target to the host netns (tap) and back through -u/-t, spliced UDP and TCP
# both ways between the loopbacks (-u/-t from pasta's side, -U/-T auto from
# the target), 100 connections at once (tap and spliced), closed ports (TCP
# RST, ICMP port unreachable), DNS through --dns-forward, a DHCP exchange,
# a capture file.
#
# Not covered under valgrind: spawning a command in new namespaces (pasta --
# CMD, the default) and joining another user namespace, that is, the real
# ns_call(); the other tests cover those with the normal build.
#
# Skipped (status 77) if valgrind isn't installed (test/install-deps.sh).
#
# Knobs: VALGRIND_BIN (default: $TOP/valgrind/passt).

# shellcheck disable=SC2086	# $TCPTOOL is "python3 PATH": split on purpose

if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind is not installed (test/install-deps.sh)"
	exit 77
fi

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
NS_PASST_SRC=${VALGRIND_BIN:-$TOP/valgrind/passt}
[ -x "$NS_PASST_SRC" ] ||
	fail "no valgrind build at $NS_PASST_SRC: run make valgrind"
need_daemon
need_tapclient
need_cmd python3 nsenter unshare busybox ping

VG="valgrind --error-exitcode=99 --leak-check=full --vgdb=no
	--errors-for-leak-kinds=definite --track-fds=no --show-reachable=no
	--max-stackframe=4194304 --suppressions=$TOP/test/valgrind.supp"
E="python3 $TOP/test/lib/udpecho.py"
MAC=02:00:00:00:00:01
SIZE=$((8 * 1024 * 1024))

# vg_stop() - SIGTERM to a daemon under valgrind, check its verdict
# $1: name given to bg_start (its output holds valgrind's report)
vg_stop() {
	_p=$(bg_pid "$1")
	bg_alive "$1" || fail "$1 died under valgrind: $(bg_log "$1" | tail -n 30)"
	kill -TERM "$_p"
	# The leak check at exit takes a while under load
	pid_wait_gone "$_p" 60 || fail "$1 did not exit within 60 s of SIGTERM"
	wait "$_p"
	_rc=$?
	grep '^==[0-9]*==' "$TEST_TMP/$1.log" | grep -v '^==[0-9]*== *$' |
		tail -n 12
	[ $_rc -ne 99 ] || fail "$1: valgrind found errors: see $1.log above"
	check_eq "$_rc" 0 "$1: exit status under valgrind"
	grep -q 'ERROR SUMMARY: 0 errors' "$TEST_TMP/$1.log" ||
		fail "$1: no clean valgrind summary"
	log "ok: $1: no errors, no definite leak"
}

# ---- passt ----

log "== passt under valgrind"
bg_start echo4 run_remote $E "$FAR4" 5001
bg_start tcpecho run_remote $TCPTOOL srv-echo :: 7000
wait_port -r udp 5001 5 || fail "remote UDP echo server not up"
wait_port -r tcp 7000 5 || fail "remote TCP echo server not up"

SOCK="$TEST_TMP/passt.sock"
bg_start passt as_user $VG "$PASST" -f -d -s "$SOCK" --dns "$DNS4" \
	--pcap "$TEST_TMP/passt.pcap"
wait_for 30 test -S "$SOCK" || fail "passt did not create $SOCK"

tap_script_neigh "$MAC" >"$TEST_TMP/script"
cat >>"$TEST_TMP/script" <<EOF
udp4 $MAC @GW $HOST4 $FAR4 40001 5001 100
expect udp4 $FAR4 5001 40001
udp4 $MAC @GW $HOST4 $FAR4 40001 5001 1400
expect udp4 $FAR4 5001 40001
udp4 $MAC @GW $HOST4 $FAR4 40003 5999 10
expect icmp4 3
tcp-conn t $MAC @GW $HOST4 $FAR4 40002 7000
send-tcp t flags S seq 1000 win 65535 mss 1460 ws 7 sackok
expect tcp t flags SA ack 1001 save-seq r
send-tcp t seq 1001 ack r+1
send-tcp t flags PA seq 1001 ack r+1 pat 1400 0
tcp-recv t r+1 pat 1400 0 ack 2401 mss 1460
send-tcp t flags PA seq 2401 ack r+1401 pat 1400 1400
tcp-recv t r+1401 pat 1400 1400 ack 3801 mss 1460
send-tcp t flags FA seq 3801 ack r+2801
expect tcp t has F seq r+2801 ack 3802
send-tcp t seq 3802 ack r+2802
tcp-conn c $MAC @GW $HOST4 $FAR4 40004 5999
send-tcp c flags S seq 5000 win 65535 mss 1460
expect tcp c has R
ping4 $MAC @GW $HOST4 $FAR4 0x4321 1 1000
expect echo4-reply $FAR4 0x4321 1 1000
ping6 $MAC @GW6 $HOST6 $FAR6 0x5432 1 1200
expect echo6-reply $FAR6 0x5432 1 1200
frag 512
ping4 $MAC @GW $HOST4 $FAR4 0x4444 1 3000
expect echo4-reply $FAR4 0x4444 1 3000
frag 512 rev
ping6 $MAC @GW6 $HOST6 $FAR6 0x6666 1 3000
expect echo6-reply $FAR6 0x6666 1 3000
EOF
tapclient_run "$SOCK" "$TEST_TMP/script" 10000 \
	"passt: ARP, NDP, UDP, TCP, ICMP"
check "passt: frames in the capture file" test -s "$TEST_TMP/passt.pcap"
sleep 1
vg_stop passt

# ---- pasta ----

log "== pasta under valgrind"
# The user namespace U and pasta's own netns: this shell, then "sleep";
# the target: a "sleep" in a netns of its own, in U too
cat >"$TEST_TMP/holder.sh" <<EOF
unshare --net sleep 1000 &
echo \$! >"$TEST_TMP/target.pid"
exec sleep 1000
EOF
bg_start holder as_user unshare --user --map-root-user --net \
	sh "$TEST_TMP/holder.sh"
HN=$(bg_pid holder)
wait_for 5 test -s "$TEST_TMP/target.pid" || fail "no target namespace"
NS_PID=$(cat "$TEST_TMP/target.pid")
ns_track_pid "$NS_PID"

# in_hn() - Run a command in pasta's own namespaces, as the test uid: root
# there (the same command line, for bg_start: HN_ENTER)
HN_ENTER="nsenter -t $HN -U -n --preserve-credentials"
in_hn() {
	as_user $HN_ENTER "$@"
}

ip link add vg0 type veth peer name eth0 netns "$HN" &&
	ip addr add 203.0.113.129/25 dev vg0 &&
	ip -6 addr add 2001:db8:5::1/64 dev vg0 nodad &&
	ip link set vg0 up &&
	nsenter -t "$HN" -n sh -c '
		echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range &&
		ip link set lo up &&
		ip addr add 203.0.113.130/25 dev eth0 &&
		ip -6 addr add 2001:db8:5::2/64 dev eth0 nodad &&
		ip link set eth0 up &&
		ip route add default via 203.0.113.129 &&
		ip -6 route add default via 2001:db8:5::1' ||
	fail "cannot set up pasta's own network namespace"

# Servers: in the test's host netns (the remote, seen from pasta), on
# pasta's own loopback (spliced from the target with -U/-T)
bg_start hecho4 $E "$HOST4" 5002
bg_start hecho6 $E "$HOST6" 5002
bg_start htcp $TCPTOOL srv-echo :: 7001
bg_start lecho as_user $HN_ENTER $E 127.0.0.1 7101
bg_start ltcp as_user $HN_ENTER $TCPTOOL srv-echo 127.0.0.1 7102
wait_port udp 5002 5 && wait_port tcp 7001 5 ||
	fail "servers in the host namespace not up"

bg_start hdns $TCPTOOL srv-dns "$HOST4" 53 203.0.113.77
wait_port tcp 53 5 || fail "DNS server in the host namespace not up"

bg_start pasta as_user $HN_ENTER $VG "$PASTA" -f -d --config-net \
	--dns "$DNS4" --dns-forward 198.51.100.53 --dns-host "$HOST4" \
	--pcap "$TEST_TMP/pasta.pcap" -m 1500 -u 6001 -t 9001 -U auto -T auto \
	"$NS_PID"
wait_for 30 in_ns sh -c 'ip -o addr show scope global | grep -q . &&
	[ -z "$(ip -6 addr show tentative)" ]' ||
	fail "pasta: no global address in the target namespace"

in_ns_bg necho4 $E 0.0.0.0 6001
in_ns_bg necho6 $E :: 6001
in_ns_bg ntcp $TCPTOOL srv-echo :: 9001
wait_for 5 in_ns sh -c "grep -q ':1771 ' /proc/net/udp" &&
	ns_wait_port 9001 5 || fail "servers in the target namespace not up"
wait_for 10 in_hn sh -c "grep -q ':1771 ' /proc/net/udp" ||
	fail "pasta does not listen on UDP 6001"
# -U auto, -T auto: the servers on pasta's loopback, found by its scans
wait_for 10 in_ns sh -c "grep -q ':1BBD ' /proc/net/udp" &&
	ns_wait_port 7102 10 || fail "auto: 7101/UDP, 7102/TCP not forwarded"

cat >"$TEST_TMP/uecho.py" <<'EOF'
# uecho.py ADDR PORT [N]: N datagrams (default 3) to an echo server, each
# answered with the same bytes
import os, socket, sys
a, p = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 3
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.settimeout(10)
s.connect((a, p))
for i in range(n):
    d = os.urandom(100 + i * 1500)
    s.send(d)
    if s.recv(70000) != d:
        print("FAIL mismatch")
        sys.exit(1)
print("ok")
EOF
U="python3 $TEST_TMP/uecho.py"

check "pasta: ping, target to the host netns" \
	in_ns ping -c 2 -W 5 -q "$HOST4"
check_eq "$(in_ns $U "$HOST4" 5002)" ok "pasta: UDP target -> host (IPv4)"
check_eq "$(in_ns $U "$HOST6" 5002)" ok "pasta: UDP target -> host (IPv6)"
check_eq "$($U 203.0.113.130 6001)" ok "pasta: UDP host -> target (-u)"
check_eq "$($U 2001:db8:5::2 6001)" ok "pasta: UDP host -> target (-u, IPv6)"
check_eq "$(in_hn $U 127.0.0.1 6001)" ok \
	"pasta: UDP spliced, pasta's loopback -> target"
check_eq "$(in_ns $U 127.0.0.1 7101)" ok \
	"pasta: UDP spliced, target's loopback -> pasta's (-U)"

check_ok "pasta: TCP target -> host, $SIZE bytes each way" \
	in_ns timeout 60 $TCPTOOL big "$HOST4" 7001 "$SIZE"
check_ok "pasta: TCP target -> host, IPv6" \
	in_ns timeout 30 $TCPTOOL seq "$HOST6" 7001 3
check_ok "pasta: TCP host -> target (-t), $SIZE bytes each way" \
	timeout 60 $TCPTOOL big 203.0.113.130 9001 "$SIZE"
check_ok "pasta: TCP spliced, pasta's loopback -> target, $SIZE bytes" \
	in_hn timeout 60 $TCPTOOL big 127.0.0.1 9001 "$SIZE"
check_ok "pasta: TCP spliced, target's loopback -> pasta's (-T)" \
	in_ns timeout 60 $TCPTOOL big 127.0.0.1 7102 "$SIZE"
check_ok "pasta: TCP, 100 connections at once through the tap" \
	in_ns timeout 60 $TCPTOOL par "$HOST4" 7001 100
check_ok "pasta: TCP spliced, 100 connections at once" \
	in_ns timeout 60 $TCPTOOL par 127.0.0.1 7102 100

check_ok "pasta: refused TCP connection to a closed port" \
	in_ns timeout 30 $TCPTOOL refused "$HOST4" 5999
check_eq "$(in_ns python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect(("'"$HOST4"'", 5999))
s.send(b"x")
try:
    s.recv(10)
except ConnectionRefusedError:
    print("refused")')" refused "pasta: UDP to a closed port refused"
check_ok "pasta: DNS over TCP through --dns-forward" \
	in_ns timeout 30 $TCPTOOL dnsq 198.51.100.53 example.org 203.0.113.77
check "pasta: DHCP answered (busybox udhcpc)" \
	in_ns busybox udhcpc -i eth0 -n -q -f -t 4 -T 1 -s /bin/true
check "pasta: frames in the capture file" test -s "$TEST_TMP/pasta.pcap"
sleep 1
vg_stop pasta

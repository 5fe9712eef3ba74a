#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/41-udp-outbound.sh - Outbound binding (-o, --outbound-if4/6) as
# seen by the remote, and a stream of numbered datagrams checked one by one
#
# A second veth pair (eth1 <-> veth1) joins the host and the remote, with a
# default route through it of lower priority: only a socket bound to eth1
# (--outbound-if4/6) leaves through it, from eth1's address.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd python3

ip link add eth1 type veth peer name veth1 netns "$REMOTE_NS" &&
ip addr add 203.0.113.66/27 dev eth1 &&
ip -6 addr add 2001:db8:9::66/64 dev eth1 nodad &&
ip link set eth1 up &&
ip -n "$REMOTE_NS" addr add 203.0.113.65/27 dev veth1 &&
ip -n "$REMOTE_NS" -6 addr add 2001:db8:9::65/64 dev veth1 nodad &&
ip -n "$REMOTE_NS" link set veth1 up &&
ip route add default via 203.0.113.65 dev eth1 metric 4000 &&
ip -6 route add default via 2001:db8:9::65 dev eth1 metric 4000 ||
	fail "cannot set up the second link"
wait_for 5 sh -c "ip -o link show eth1 | grep -q 'state UP'" ||
	fail "eth1 did not come up"

# whoami.py: answers each datagram with the source address it came from
cat >"$TEST_TMP/whoami.py" <<'EOF'
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, peer = s.recvfrom(100)
    s.sendto(peer[0].encode(), peer)
EOF
bg_start who4 run_remote python3 "$TEST_TMP/whoami.py" "$FAR4" 5005
bg_start who6 run_remote python3 "$TEST_TMP/whoami.py" "$FAR6" 5005
wait_port -r udp 5005 5 || fail "whoami server not up"

# UDP may lose a datagram: ask up to three times, say on standard error
# (pasta-daemon.log) if an answer was missing
cat >"$TEST_TMP/ask.py" <<'EOF'
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(3):
    s.sendto(b"?", (sys.argv[1], 5005))
    try:
        print(s.recvfrom(100)[0].decode())
        break
    except Exception as e:
        print("NOTE: no answer to try", i + 1, "from", sys.argv[1], e,
              file=sys.stderr)
else:
    print("error: no answer")
EOF

# source_seen() - Source address the remote sees from the namespace
# $1: destination, rest: pasta options
source_seen() {
	_dst=$1; shift
	as_user "$PASTA" --config-net -f -d --dns "$DNS4" -t none -u none \
		-T none -U none "$@" -- python3 "$TEST_TMP/ask.py" "$_dst" \
		2>>"$TEST_TMP/pasta-daemon.log"
}

check_eq "$(source_seen "$FAR4")" "$HOST4" "default IPv4 source"
check_eq "$(source_seen "$FAR6")" "$HOST6" "default IPv6 source"

# A second address on the upstream interface, chosen with -o
ip addr add 198.51.100.7/24 dev "$HOST_IF" || fail "cannot add 198.51.100.7"
ip -6 addr add 2001:db8:1::7/64 dev "$HOST_IF" nodad ||
	fail "cannot add 2001:db8:1::7"
check_eq "$(source_seen "$FAR4" -o 198.51.100.7)" 198.51.100.7 \
	"-o 198.51.100.7 as the IPv4 source"
check_eq "$(source_seen "$FAR6" -o 2001:db8:1::7)" 2001:db8:1::7 \
	"-o 2001:db8:1::7 as the IPv6 source"
check_eq "$(source_seen "$FAR4" --outbound-if4 eth1)" 203.0.113.66 \
	"--outbound-if4 eth1 leaves through eth1"
check_eq "$(source_seen "$FAR6" --outbound-if6 eth1)" 2001:db8:9::66 \
	"--outbound-if6 eth1 leaves through eth1"

# Numbered datagrams: each carries its number and a digest of its body; the
# receiver counts the intact, corrupted, duplicated and missing ones.
cat >"$TEST_TMP/count.py" <<'EOF'
import hashlib, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind((sys.argv[1], 5006))
s.settimeout(3)
n = int(sys.argv[2]); seen = set(); bad = dup = 0
try:
    while len(seen) < n:
        d = s.recv(2000)
        num = struct.unpack("!I", d[:4])[0]
        if hashlib.sha256(d[4:-32]).digest() != d[-32:]:
            bad += 1
        elif num in seen:
            dup += 1
        else:
            seen.add(num)
except socket.timeout:
    pass
print(len(seen), bad, dup)
EOF
cat >"$TEST_TMP/send.py" <<'EOF'
import hashlib, os, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    body = os.urandom(64 + i % 1300)
    s.sendto(struct.pack("!I", i) + body + hashlib.sha256(body).digest(),
             (sys.argv[1], 5006))
    if i % 200 == 199:
        time.sleep(0.01)
EOF
N=5000
bg_start count run_remote python3 "$TEST_TMP/count.py" "$FAR4" "$N"
wait_port -r udp 5006 5 || fail "counter not up"
as_user "$PASTA" --config-net -f --dns "$DNS4" -t none -u none -T none \
	-U none -- python3 "$TEST_TMP/send.py" "$FAR4" "$N" ||
	fail "sender failed"
bg_wait count 15 || fail "counter did not finish"
set -- $(cat "$TEST_TMP/count.log")
echo "numbered datagrams: $1 of $N intact, $2 corrupted, $3 duplicated"
check_eq "$2" 0 "corrupted datagrams"
check_eq "$3" 0 "duplicated datagrams"
check "at least 99% of $N datagrams arrive" [ "$1" -ge $((N * 99 / 100)) ]

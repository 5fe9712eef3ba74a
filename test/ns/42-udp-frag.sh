#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/42-udp-frag.sh - UDP datagrams larger than the MTU through pasta
#
# The namespace's kernel fragments them towards pasta, which reassembles them
# before they leave on a host socket; replies as large come back to the
# namespace as fragments within its MTU. For each case the remote echo server
# logs the length and SHA-256 of what it received, and the client compares
# what came back byte for byte:
# - default MTU (65520): 65507 bytes over IPv4, 65527 over IPv6, the largest
#   UDP payloads there are
# - MTU 1500 (-m 1500): 8000-byte datagrams, several in a row, both families
# pasta's capture (--pcap) then shows that fragments went both ways and that
# no frame to or from the namespace was larger than the MTU.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd python3 nsenter
. "$TOP/test/lib/pasta_ns.sh"

cat >"$TEST_TMP/server.py" <<'EOF'
# server.py ADDRESS PORT LOG - echo every datagram, log "LEN SHA256"
import hashlib, socket, sys
addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
s.bind((addr, port))
while True:
    data, peer = s.recvfrom(70000)
    with open(log, "a") as f:
        f.write("%d %s\n" % (len(data), hashlib.sha256(data).hexdigest()))
    s.sendto(data, peer)
EOF

cat >"$TEST_TMP/client.py" <<'EOF'
# client.py ADDRESS PORT SIZE COUNT SENTLOG - send COUNT datagrams of SIZE
# random bytes one at a time, each answered; log "LEN SHA256" of each sent;
# print "ok" or what went wrong
import hashlib, os, socket, sys
addr, port, size, count, log = (sys.argv[1], int(sys.argv[2]),
                                int(sys.argv[3]), int(sys.argv[4]),
                                sys.argv[5])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
s.settimeout(5)
s.connect((addr, port))
for i in range(count):
    data = os.urandom(size)
    with open(log, "a") as f:
        f.write("%d %s\n" % (len(data), hashlib.sha256(data).hexdigest()))
    s.send(data)
    try:
        got = s.recv(70000)
    except Exception as e:
        print("datagram %d: %s" % (i, e))
        sys.exit(1)
    if got != data:
        print("datagram %d: came back as %d bytes, different" % (i, len(got)))
        sys.exit(1)
print("ok")
EOF

cat >"$TEST_TMP/pcapcheck.py" <<'EOF'
# pcapcheck.py FILE MTU - frames larger than MTU + 14, fragments seen
import struct, sys
data = open(sys.argv[1], "rb").read()
mtu = int(sys.argv[2])
off, big, frag4, frag6 = 24, 0, 0, 0
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    f = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(f) > mtu + 14:
        big += 1
    if f[12:14] == b"\x08\x00" and struct.unpack(">H", f[20:22])[0] & 0x3fff:
        frag4 += 1
    if f[12:14] == b"\x86\xdd" and f[20] == 44:
        frag6 += 1
print(big, frag4, frag6)
EOF

# run_case() - Echo COUNT datagrams of SIZE through pasta, check both ways
# $1: description, $2: address, $3: size, $4: count
run_case() {
	rm -f "$TEST_TMP/sent.log"
	: >"$TEST_TMP/recv.log"	# written by the servers, as root
	r=$(in_ns timeout 60 python3 "$TEST_TMP/client.py" "$2" 5001 "$3" \
		"$4" "$TEST_TMP/sent.log" 2>&1)
	check_eq "$r" ok "$1: echoed intact"
	check "$1: the server received each datagram whole" \
		cmp "$TEST_TMP/recv.log" "$TEST_TMP/sent.log"
}

bg_start srv4 run_remote python3 "$TEST_TMP/server.py" "$FAR4" 5001 \
	"$TEST_TMP/recv.log"
bg_start srv6 run_remote python3 "$TEST_TMP/server.py" "$FAR6" 5001 \
	"$TEST_TMP/recv.log"
wait_port -r udp 5001 5 || fail "remote echo servers not up"

# Default MTU: the largest datagrams of each family
pasta_start big --config-net --dns "$DNS4" --pcap "$TEST_TMP/big.pcap"
# ns_mtu() - MTU of the namespace's interface (the one that isn't lo)
ns_mtu() {
	in_ns ip -o link show | awk '$2 != "lo:" {
		for (i = 3; i < NF; i++) if ($i == "mtu") print $(i + 1) }'
}

check_eq "$(ns_mtu)" 65520 "namespace interface at the default MTU"
run_case "IPv4 65507 bytes, MTU 65520" "$FAR4" 65507 3
run_case "IPv6 65527 bytes, MTU 65520" "$FAR6" 65527 3
daemon_alive big
pasta_stop big
set -- $(python3 "$TEST_TMP/pcapcheck.py" "$TEST_TMP/big.pcap" 65520)
check_eq "$1" 0 "MTU 65520: no frame larger than the MTU"
check "MTU 65520: IPv4 fragments on the tap link ($2)" test "$2" -ge 12
check "MTU 65520: IPv6 fragments on the tap link ($3)" test "$3" -ge 12

# MTU 1500: 8000-byte datagrams, six fragments each, both ways
pasta_start small --config-net --dns "$DNS4" -m 1500 \
	--pcap "$TEST_TMP/small.pcap"
check_eq "$(ns_mtu)" 1500 "namespace interface at MTU 1500"
run_case "IPv4 8000 bytes, MTU 1500" "$FAR4" 8000 20
run_case "IPv6 8000 bytes, MTU 1500" "$FAR6" 8000 20
# Below the MTU nothing changes
run_case "IPv4 1472 bytes, MTU 1500" "$FAR4" 1472 3
daemon_alive small
pasta_stop small
set -- $(python3 "$TEST_TMP/pcapcheck.py" "$TEST_TMP/small.pcap" 1500)
check_eq "$1" 0 "MTU 1500: no frame larger than the MTU"
check "MTU 1500: IPv4 fragments on the tap link ($2)" test "$2" -ge 240
check "MTU 1500: IPv6 fragments on the tap link ($3)" test "$3" -ge 240

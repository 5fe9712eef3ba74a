#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/40-udp.sh - UDP through pasta, every path, data checked end to end
#
# Paths:
# - namespace to the remote namespace (tap), IPv4 and IPv6, and to the far
#   addresses behind the gateway
# - the gateway address to the host's loopback (tap, mapped)
# - host to namespace through -u: from the remote (tap) and from the host's
#   loopback (spliced)
# - namespace loopback to host loopback through -U (spliced)
# - zero-length and 65507-byte datagrams
# - a closed remote port: the namespace's socket sees ECONNREFUSED
# - DNS through --dns-forward to a resolver in the remote namespace

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd socat python3

# The gateway address (198.51.100.2) is the host itself, seen from the
# namespace (--map-host-loopback defaults to the gateway): the remote
# namespace is reached through its other addresses, FAR4 and FAR6.
E="python3 $TOP/test/lib/udpecho.py"
bg_start echo4 run_remote $E "$FAR4" 5001
bg_start echo6 run_remote $E "$FAR6" 5001
bg_start hostlo $E 127.0.0.1 5003
bg_start hostlo_u $E 127.0.0.1 7001
bg_start hostlo6_u $E ::1 7001
wait_port -r udp 5001 5 || fail "remote echo server not up"
wait_port udp 7001 5 || fail "host loopback echo server not up"

# A tiny resolver in the remote namespace: answers every A query with
# 203.0.113.77, so the answer proves where it came from
cat >"$TEST_TMP/dns.py" <<'EOF'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.2", 53))
while True:
    q, peer = s.recvfrom(512)
    hdr = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00"
    ans = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + \
          socket.inet_aton("203.0.113.77")
    s.sendto(hdr + q[12:] + ans, peer)
EOF
bg_start dns run_remote python3 "$TEST_TMP/dns.py"
wait_port -r udp 53 5 || fail "test resolver not up"

cat >"$TEST_TMP/client.py" <<'EOF'
# client.py - UDP checks from inside pasta's namespace, one line per result
import errno, hashlib, os, socket, sys

def echo(fam, addr, port, payload, timeout=3):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.connect((addr, port))
    s.send(payload)
    try:
        got = s.recv(70000)
    except Exception as e:
        return "error %s" % e
    return "ok" if got == payload else "mismatch %d/%d" % (len(got),
                                                          len(payload))

def refused(fam, addr, port):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((addr, port))
    s.send(b"x")
    try:
        s.recv(100)
    except ConnectionRefusedError:
        return "ok"
    except Exception as e:
        return "error %s" % e
    return "no error"

def dns(server):
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + \
        b"\x07example\x03org\x00\x00\x01\x00\x01"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(q, (server, 53))
    try:
        a, peer = s.recvfrom(512)
    except Exception as e:
        return "error %s" % e
    if peer[0] != server:
        return "reply from %s" % peer[0]
    return "ok" if a[-4:] == socket.inet_aton("203.0.113.77") else "bad"

A4, A6 = socket.AF_INET, socket.AF_INET6
# Largest datagrams: 65507 bytes over IPv4 where nothing fragments them
# (spliced); over the tap link, the largest that fit the 65520-byte MTU
# (larger ones, fragmented: 42-udp-frag.sh)
big = os.urandom(65507)
big4_tap = os.urandom(65520 - 28)
big6_tap = os.urandom(65520 - 48)
tests = [
    ("tap4", lambda: echo(A4, "203.0.113.1", 5001, b"hello v4")),
    ("tap6", lambda: echo(A6, "2001:db8:2::1", 5001, b"hello v6")),
    ("gw-to-host-lo", lambda: echo(A4, "198.51.100.2", 5003, b"to host lo")),
    ("zero-length", lambda: echo(A4, "203.0.113.1", 5001, b"")),
    ("big4", lambda: echo(A4, "203.0.113.1", 5001, big4_tap)),
    ("big6", lambda: echo(A6, "2001:db8:2::1", 5001, big6_tap)),
    ("splice-out4", lambda: echo(A4, "127.0.0.1", 7001, b"spliced v4")),
    ("splice-out6", lambda: echo(A6, "::1", 7001, b"spliced v6")),
    ("splice-out-big", lambda: echo(A4, "127.0.0.1", 7001, big)),
    ("refused4", lambda: refused(A4, "203.0.113.1", 5999)),
    ("refused6", lambda: refused(A6, "2001:db8:2::1", 5999)),
    ("dns-forward", lambda: dns("198.51.100.53")),
]
for name, fn in tests:
    print(name, fn())
sys.stdout.flush()
EOF

cat >"$TEST_TMP/ns-echo.sh" <<EOF
$E 0.0.0.0 6001 &
$E :: 6001 &
$E 0.0.0.0 6100 &
python3 $TEST_TMP/client.py > $TEST_TMP/client.out 2>&1
touch $TEST_TMP/client.done
sleep 30
EOF

bg_start pasta as_user "$PASTA" --config-net -d -f --dns "$DNS4" \
	--dns-forward 198.51.100.53 -u 6001 -u 6002:6100 -U 7001 \
	-- sh "$TEST_TMP/ns-echo.sh"
wait_for 30 test -f "$TEST_TMP/client.done" || fail "client did not finish"
cat "$TEST_TMP/client.out"

for t in tap4 tap6 gw-to-host-lo zero-length big4 big6 \
	 splice-out4 splice-out6 splice-out-big refused4 refused6 dns-forward; do
	check_eq "$(sed -n "s/^$t //p" "$TEST_TMP/client.out")" ok "UDP $t"
done

# Host to namespace through -u: from the remote (tap) and from the host's
# loopback (spliced), plain and translated ports (6002 -> 6100)
cat >"$TEST_TMP/host.py" <<'EOF'
import socket, sys
def echo(fam, addr, port, payload):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((addr, port))
    s.send(payload)
    try:
        return "ok" if s.recv(70000) == payload else "mismatch"
    except Exception as e:
        return "error %s" % e
print(sys.argv[1], echo(socket.AF_INET6 if ":" in sys.argv[2] else
                        socket.AF_INET, sys.argv[2], int(sys.argv[3]),
                        b"in " + sys.argv[1].encode()))
EOF
wait_port udp 6001 5 || fail "pasta does not listen on UDP 6001"
r=$(run_remote python3 "$TEST_TMP/host.py" in-tap4 "$HOST4" 6001)
check_eq "$r" "in-tap4 ok" "UDP remote -> namespace (tap, IPv4)"
r=$(run_remote python3 "$TEST_TMP/host.py" in-tap6 "$HOST6" 6001)
check_eq "$r" "in-tap6 ok" "UDP remote -> namespace (tap, IPv6)"
r=$(python3 "$TEST_TMP/host.py" in-splice4 127.0.0.1 6001)
check_eq "$r" "in-splice4 ok" "UDP host loopback -> namespace (spliced)"
r=$(python3 "$TEST_TMP/host.py" in-splice6 ::1 6001)
check_eq "$r" "in-splice6 ok" "UDP host loopback -> namespace (spliced, v6)"
r=$(run_remote python3 "$TEST_TMP/host.py" in-xlate "$HOST4" 6002)
check_eq "$r" "in-xlate ok" "UDP translated port 6002 -> 6100"

# Many flows: 200 distinct source ports, each answered
cat >"$TEST_TMP/many.py" <<'EOF'
import socket, sys
ok = 0
for i in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((sys.argv[1], 6001))
    s.send(b"flow %d" % i)
    try:
        ok += s.recv(100) == b"flow %d" % i
    except Exception:
        pass
    s.close()
print(ok)
EOF
check_eq "$(run_remote python3 "$TEST_TMP/many.py" "$HOST4")" 200 \
	"200 flows from distinct source ports"

bg_alive pasta || fail "pasta died"

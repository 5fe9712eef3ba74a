# SPDX-License-Identifier: GPL-2.0-or-later
# udpflood.py - Bounded UDP floods from many source ports, for the tests
#
# Usage: python3 udpflood.py DST DPORT SPORT0 NPORTS SECONDS MAX
#   IPv4 datagrams of 32 bytes to DST:DPORT from source ports SPORT0 to
#   SPORT0 + NPORTS - 1, round robin, as fast as they go, until SECONDS
#   passed or MAX datagrams were sent. Built on a raw socket (needs
#   CAP_NET_RAW: root of the namespace), so no port is bound, and the UDP
#   checksum is 0 ("none", valid over IPv4). Prints "sent N in S s".
# Usage: python3 udpflood.py echo DST DPORT SPORT0 NPORTS
#   One datagram from each port, bound for real this time, to an echo
#   server; prints "answered N of NPORTS" (replies within 2 s each).
import socket
import struct
import sys
import time


def flood(dst, dport, sport0, nports, secs, most):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    payload = b"f" * 32
    pkts = [struct.pack("!HHHH", sport0 + i, dport, 8 + len(payload), 0) +
            payload for i in range(nports)]
    sent = 0
    start = time.monotonic()
    end = start + secs
    while sent < most and time.monotonic() < end:
        for p in pkts[:most - sent]:
            try:
                s.sendto(p, (dst, 0))
                sent += 1
            except OSError:
                pass
    print("sent %d in %.1f s" % (sent, time.monotonic() - start))


def echo(dst, dport, sport0, nports):
    ok = 0
    for i in range(nports):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.bind(("0.0.0.0", sport0 + i))
        s.connect((dst, dport))
        msg = b"echo %d" % i
        s.send(msg)
        try:
            ok += s.recv(100) == msg
        except OSError:
            pass
        s.close()
    print("answered %d of %d" % (ok, nports))


if sys.argv[1] == "echo":
    echo(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
else:
    flood(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
          float(sys.argv[5]), int(sys.argv[6]))

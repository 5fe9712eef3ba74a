# SPDX-License-Identifier: GPL-2.0-or-later
# udpecho.py - UDP echo server for tests: every datagram back to its sender,
# zero-length ones included (socat treats those as end of data)
# Usage: python3 udpecho.py ADDRESS PORT
import socket
import sys

addr, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
if fam == socket.AF_INET6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind((addr, port))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# test/fuzz/fragseeds.py - fuzz_tap seeds made of IPv4 and IPv6 fragments
#
# Usage: test/fuzz/fragseeds.py	(from anywhere; writes corpus/fuzz_tap/frag-*)
#
# Each seed is a passt stream (see fuzz_tap.c) from the guest 198.51.100.1 /
# 2001:db8:1::1 to the gateway (mapped to the harness's loopback, where UDP
# echo listens on port 7): datagrams cut into fragments, in order, reversed,
# shuffled, duplicated, overlapping, badly sized, too large, incomplete (then
# the clock moves past the reassembly timeout), as large as IP allows (the
# echo then comes back to the guest as fragments too).

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_tap")

SEP = b"\xffSTEP\xff"
GMAC = bytes.fromhex("020000000001")
OMAC = bytes.fromhex("9a559a559a55")
G4, GW4 = bytes([198, 51, 100, 1]), bytes([198, 51, 100, 2])
G6 = bytes.fromhex("20010db8000100000000000000000001")
GW6 = bytes.fromhex("20010db8000100000000000000000002")


def csum(data, init=0):
    """Internet checksum (RFC 1071), complemented"""
    if len(data) % 2:
        data += b"\0"
    s = init + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp(v6, size, sport=40000, dport=7):
    """UDP header and payload, checksum set"""
    data = bytes((i * 7 + size) & 0xff for i in range(size))
    ulen = 8 + size
    h = struct.pack("!HHHH", sport, dport, ulen, 0)
    if v6:
        ph = G6 + GW6 + struct.pack("!IxxxB", ulen, 17)
    else:
        ph = G4 + GW4 + struct.pack("!xBH", 17, ulen)
    c = csum(ph + h + data) or 0xffff
    return h[:6] + struct.pack("!H", c) + data


def ping4(size, ident=0x1234, seq=1):
    """ICMP echo request"""
    data = bytes((i * 13) & 0xff for i in range(size))
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return h[:2] + struct.pack("!H", csum(h + data)) + h[4:] + data


def frag4(payload, proto, ident, off, length, more):
    """One IPv4 fragment of @payload"""
    data = payload[off:off + length]
    fo = (off // 8) | (0x2000 if more else 0)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), ident, fo,
                    64, proto, 0, G4, GW4)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return OMAC + GMAC + b"\x08\x00" + h + data


def frag6(payload, proto, ident, off, length, more):
    """One IPv6 fragment of @payload"""
    data = payload[off:off + length]
    fh = struct.pack("!BBHI", proto, 0, off | (1 if more else 0), ident)
    h = struct.pack("!IHBB", 6 << 28, 8 + len(data), 44, 64) + G6 + GW6
    return OMAC + GMAC + b"\x86\xdd" + h + fh + data


def frags(v6, payload, proto, ident, size, order=None):
    """Fragments of @size bytes, in @order (indices), default in order"""
    n = (len(payload) + size - 1) // size
    make = frag6 if v6 else frag4
    return [make(payload, proto, ident, i * size, size, i < n - 1)
            for i in (order if order is not None else range(n))]


def stream(*chunks):
    """Frames with length prefixes; a bytes item is a separator's code"""
    out = b""
    for c in chunks:
        if isinstance(c, int):
            out += SEP + bytes([c])
        else:
            out += b"".join(struct.pack("!I", len(f)) + f for f in c)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    u4, u6 = udp(False, 3000), udp(True, 3000)
    seeds = {
        "frag-udp4-rev": stream(frags(False, u4, 17, 1, 1480, [2, 1, 0]),
                                10),
        "frag-udp6-shuffled-dup": stream(
            frags(True, u6, 17, 2, 1448, [2, 0, 0, 1, 2]), 10),
        "frag-udp4-max": stream(
            frags(False, udp(False, 65507), 17, 3, 1480), 10),
        "frag-udp6-max": stream(
            frags(True, udp(True, 65527), 17, 4, 32768, [1, 0]), 10),
        "frag-ping4": stream(frags(False, ping4(5000), 1, 5, 1480), 10),
        "frag-bad": stream(
            # overlapping: 1480-byte fragment 0, 1024-byte fragment 1
            frags(False, u4, 17, 6, 1480, [0]) +
            frags(False, u4, 17, 6, 1024, [1]) +
            # non-last fragment not a multiple of 8 bytes
            frags(True, u6, 17, 7, 1001, [0]) +
            # beyond 65535 bytes
            [frag4(bytes(65600), 17, 8, 65528, 16, False)] +
            # cut inside the IPv6 Fragment header
            [frag6(u6, 17, 9, 0, 8, True)[:14 + 40 + 4]] +
            # a fragment inside a fragment
            frags(True, frag6(u6, 17, 10, 0, 64, True)[14 + 40:], 44, 11,
                  32), 10),
        "frag-timeout": stream(
            frags(False, u4, 17, 12, 1480, [0, 2]),
            frags(True, u6, 17, 13, 1448, [1]), 131,
            frags(False, u4, 17, 12, 1480, [1]), 10),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# test/fuzz/pcap2seeds.py - fuzz_tap seeds from a capture of pasta --pcap
#
# Usage: pcap2seeds.py CAPTURE.pcap CORPUS_DIR
#
# Keeps the frames the guest (namespace) sent, i.e. not from our MAC
# address, and groups them per flow (protocol, addresses, ports; ARP and
# NDP each in one group): each group becomes one seed, pcap-PROTO-N, in
# passt's stream format (4-byte big-endian length, frame), one frame per
# chunk (fuzz_tap's separator, time code 0, between frames), at most 64
# frames and 64 KiB per seed.

import os
import struct
import sys

OUR_MAC = bytes.fromhex("9a559a559a55")
SEP = b"\xffSTEP\xff\x00"
MAX_FRAMES = 64
MAX_BYTES = 65536


def frames(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xa1b2c3d4:
        end = "<"
    elif magic == 0xd4c3b2a1:
        end = ">"
    else:
        sys.exit("%s: not a pcap file" % path)
    if struct.unpack(end + "I", data[20:24])[0] != 1:
        sys.exit("%s: not Ethernet" % path)
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def flow_key(f):
    et = f[12:14]
    if et == b"\x08\x06":
        return "arp"
    if et == b"\x08\x00" and len(f) >= 34:
        proto = f[23]
        hl = (f[14] & 0xf) * 4
        l4 = f[14 + hl:]
        ports = l4[:4] if proto in (6, 17) else b""
        name = {1: "icmp4", 6: "tcp4", 17: "udp4"}.get(proto, "ip4")
        return (name, f[26:34], ports)
    if et == b"\x86\xdd" and len(f) >= 54:
        proto = f[20]
        l4 = f[54:]
        if proto == 58 and l4[:1] and 133 <= l4[0] <= 137:
            return "ndp"
        ports = l4[:4] if proto in (6, 17) else b""
        name = {58: "icmp6", 6: "tcp6", 17: "udp6"}.get(proto, "ip6")
        return (name, f[22:54], ports)
    return "other"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__ if __doc__ else "usage: pcap2seeds.py PCAP DIR")
    groups = {}
    for f in frames(sys.argv[1]):
        if len(f) < 14 or f[6:12] == OUR_MAC:
            continue
        groups.setdefault(flow_key(f), []).append(f)

    os.makedirs(sys.argv[2], exist_ok=True)
    count = {}
    for key, fl in groups.items():
        name = key if isinstance(key, str) else key[0]
        count[name] = count.get(name, 0) + 1
        seed = b""
        for f in fl[:MAX_FRAMES]:
            chunk = struct.pack(">I", len(f)) + f
            if len(seed) + len(chunk) > MAX_BYTES:
                break
            seed += (SEP if seed else b"") + chunk
        path = os.path.join(sys.argv[2], "pcap-%s-%d" % (name, count[name]))
        with open(path, "wb") as out:
            out.write(seed)
    print("pcap2seeds.py: %d seeds: %s" % (
        sum(count.values()),
        ", ".join("%s %d" % kv for kv in sorted(count.items()))))


if __name__ == "__main__":
    main()

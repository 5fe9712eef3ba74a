#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# test/fuzz/mkseeds.py - Seed corpora and dictionaries from the unit tests
#
# Usage: test/fuzz/mkseeds.py	(from anywhere; writes under test/fuzz/)
#
# - corpus/fuzz_dhcp/unit-NAME, corpus/fuzz_dhcpv6/unit-NAME,
#   corpus/fuzz_ndp/unit-NAME: the messages of real clients captured in
#   test/unit/test_dhcp.c, test_dhcpv6.c, test_ndp.c (byte arrays), after a
#   flags byte of 0 (see fuzz_ctx_services())
# - corpus/fuzz_conf/unit-HASH: every literal command line of test_conf.c
#   (passt(...), pasta(...), FAILS(..., MODE_*, ...)), as a flags byte then
#   the arguments separated by NUL bytes
# - corpus/fuzz_fwd_spec/unit-HASH: every literal port specification given
#   to fwd_spec_parse() in test_conf.c, and every -t/-u/-T/-U value above
# - dict/fuzz_conf.dict: every option name of conf.c's table
#
# The corpus of fuzz_tap is written by the fuzz_tap binary itself from
# these (FUZZ_TAP_SEEDGEN, see seedgen.c), and by pcap2seeds.py.

import hashlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
UNIT = os.path.join(TOP, "test", "unit")

STR_RE = r'"(?:[^"\\]|\\.)*"'


def c_string(tok):
    """Decode one or more adjacent C string literals, None if not that"""
    parts = re.findall(STR_RE, tok)
    if not parts or re.sub(STR_RE, "", tok).strip():
        return None
    out = b""
    for p in parts:
        body = p[1:-1]
        i = 0
        while i < len(body):
            ch = body[i]
            if ch != "\\":
                out += ch.encode()
                i += 1
                continue
            nxt = body[i + 1]
            simple = {"n": b"\n", "t": b"\t", "r": b"\r", "0": b"\0",
                      "\\": b"\\", '"': b'"', "'": b"'"}
            if nxt == "x":
                m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2:])
                out += bytes([int(m.group(0), 16)])
                i += 2 + len(m.group(0))
            elif nxt in "01234567" and re.match(r"[0-7]{1,3}", body[i + 1:]):
                m = re.match(r"[0-7]{1,3}", body[i + 1:])
                out += bytes([int(m.group(0), 8) & 0xff])
                i += 1 + len(m.group(0))
            else:
                out += simple.get(nxt, nxt.encode())
                i += 2
    return out


def strip_comments(src):
    """Remove C comments, keeping string literals intact"""
    out, i = [], 0
    while i < len(src):
        if src.startswith("/*", i):
            j = src.index("*/", i + 2)
            out.append(" ")
            i = j + 2
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = len(src) if j < 0 else j
        elif src[i] == '"':
            m = re.match(STR_RE, src[i:])
            out.append(m.group(0))
            i += len(m.group(0))
        elif src[i] == "'":
            m = re.match(r"'(?:[^'\\]|\\.)*'", src[i:])
            out.append(m.group(0))
            i += len(m.group(0))
        else:
            out.append(src[i])
            i += 1
    return "".join(out)


def calls(src, names):
    """Yield (name, [argument texts]) for calls of the given functions"""
    for m in re.finditer(r"\b(%s)\s*\(" % "|".join(names), src):
        i, depth, args, cur = m.end(), 1, [], ""
        while depth and i < len(src):
            ch = src[i]
            if ch == '"':
                s = re.match(STR_RE, src[i:]).group(0)
                cur += s
                i += len(s)
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if not depth:
                    break
            if ch == "," and depth == 1:
                args.append(cur.strip())
                cur = ""
            else:
                cur += ch
            i += 1
        args.append(cur.strip())
        yield m.group(1), args


def arrays(path):
    """Yield (name, bytes) for each static const uint8_t NAME[] = {...}"""
    src = strip_comments(open(path).read())
    for m in re.finditer(r"static const uint8_t (\w+)\[\]\s*=\s*\{([^}]*)\}",
                         src):
        vals = [v.strip() for v in m.group(2).split(",") if v.strip()]
        try:
            yield m.group(1), bytes(int(v, 0) & 0xff for v in vals)
        except ValueError:
            continue


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def hashed(data):
    return "unit-" + hashlib.sha1(data).hexdigest()[:12]


def main():
    n = {}
    for target, src, minlen in (("fuzz_dhcp", "test_dhcp.c", 200),
                                ("fuzz_dhcpv6", "test_dhcpv6.c", 20),
                                ("fuzz_ndp", "test_ndp.c", 40)):
        for name, data in arrays(os.path.join(UNIT, src)):
            if len(data) < minlen:
                continue	# option fragments, expected outputs
            write(target, "unit-" + name, b"\0" + data)
            n[target] = n.get(target, 0) + 1

    src = strip_comments(open(os.path.join(UNIT, "test_conf.c")).read())
    lines, specs = set(), set()
    for name, args in calls(src, ["passt", "pasta", "FAILS", "run_child",
                                  "spec", "spec_more", "spec_err_is",
                                  "fwd_spec_parse"]):
        if name in ("spec", "spec_more", "spec_err_is", "fwd_spec_parse"):
            idx = 1 if name == "fwd_spec_parse" else 0
            if len(args) <= idx:
                continue
            s = c_string(args[idx])
            if s is None:
                continue
            pasta = name in ("spec", "spec_err_is") and len(args) > 1 and \
                args[1] == "true"
            outbound = False
            if name == "fwd_spec_parse" and len(args) > 3:
                pasta, outbound = args[2] == "true", args[3] == "true"
            specs.add(bytes([pasta | outbound << 1]) + s)
            continue
        if name == "FAILS":
            args = args[1:]
        if name in ("FAILS", "run_child"):
            if not args or args[0] not in ("MODE_PASST", "MODE_PASTA"):
                continue
            mode, args = args[0] == "MODE_PASTA", args[1:]
        else:
            mode = name == "pasta"
        words = []
        for a in args:
            if a == "NULL":
                break
            s = c_string(a)
            if s is None:
                words = None
                break
            words.append(s)
        if words is None:
            continue
        lines.add(bytes([mode]) + b"\0".join(words))
        for i, w in enumerate(words[:-1]):
            if w in (b"-t", b"-u", b"-T", b"-U", b"--tcp-ports",
                     b"--udp-ports", b"--tcp-ns", b"--udp-ns"):
                out = w in (b"-T", b"-U", b"--tcp-ns", b"--udp-ns")
                specs.add(bytes([mode | out << 1]) + words[i + 1])

    for data in lines:
        write("fuzz_conf", hashed(data), data)
    for data in specs:
        write("fuzz_fwd_spec", hashed(data), data)
    n["fuzz_conf"], n["fuzz_fwd_spec"] = len(lines), len(specs)

    conf = strip_comments(open(os.path.join(TOP, "conf.c")).read())
    opts = sorted(set(re.findall(r'\{\s*"([a-z0-9-]+)",\s*(?:no|required)'
                                 r'_argument', conf)))
    os.makedirs(os.path.join(HERE, "dict"), exist_ok=True)
    with open(os.path.join(HERE, "dict", "fuzz_conf.dict"), "w") as f:
        f.write("# Option names of conf.c (generated by mkseeds.py)\n")
        for o in opts:
            f.write('"--%s"\n' % o)
        f.write('"\\x00"\n"none"\n"auto"\n"all"\n"~"\n')
    n["options"] = len(opts)

    print("mkseeds.py: " + ", ".join("%s %d" % kv for kv in sorted(n.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())

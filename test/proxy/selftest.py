#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/proxy/selftest.py - Check the fault-injecting proxy against fake qemu
# and passt ends (UNIX sockets in a temporary directory, no network)
#
# Usage: test/proxy/selftest.py [PROXY_BINARY]
# Prints "PASS name" / "FAIL name: reason" per case, then "N passed, N failed".

import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

PROXY = sys.argv[1] if len(sys.argv) > 1 else \
    os.path.join(os.path.dirname(os.path.abspath(__file__)), 'proxy')


def payload(direction, seq):
    """Deterministic frame contents: direction byte, sequence, filler"""
    rnd = random.Random(seq * 2 + direction)
    size = rnd.choice([8, 60, 64, 1514, 9000, 65535, rnd.randint(8, 70000)])
    head = struct.pack('>BI', direction, seq)
    body = bytes(rnd.getrandbits(8) for _ in range(min(size, 64) - 5))
    return (head + body * (size // len(body) + 1))[:size]


def send_frames(sock, frames, chunked=True):
    """Send frames with length prefixes, in odd-sized chunks"""
    data = b''.join(struct.pack('>I', len(f)) + f for f in frames)
    rnd = random.Random(len(data))
    off = 0
    while off < len(data):
        n = rnd.randint(1, 70000) if chunked else len(data)
        try:
            sock.sendall(data[off:off + n])
        except OSError:
            return      # the proxy cut the connection
        off += n


def recv_frames(sock, out, stamps=None):
    """Receive frames until end of stream, append them to out"""
    buf = b''
    while True:
        try:
            d = sock.recv(1 << 20)
        except OSError:
            d = b''
        if not d:
            return
        buf += d
        while len(buf) >= 4:
            (n,) = struct.unpack('>I', buf[:4])
            if len(buf) < 4 + n:
                break
            out.append(buf[4:4 + n])
            if stamps is not None:
                stamps.append(time.monotonic())
            buf = buf[4 + n:]


class Run:
    """One proxy run: fake passt listening, proxy, fake qemu connecting"""

    def __init__(self, tmp, args, accept_count=1):
        self.passt_path = os.path.join(tmp, 'passt.sock')
        self.qemu_path = os.path.join(tmp, 'qemu.sock')
        for p in (self.passt_path, self.qemu_path):
            if os.path.exists(p):
                os.unlink(p)
        self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lsock.bind(self.passt_path)
        self.lsock.listen(4)
        self.proc = subprocess.Popen([PROXY, '--listen', self.qemu_path,
                                      '--connect', self.passt_path] + args,
                                     stderr=subprocess.PIPE, text=True)
        for _ in range(100):
            if os.path.exists(self.qemu_path):
                break
            time.sleep(0.02)
        self.qemu = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.qemu.connect(self.qemu_path)
        self.lsock.settimeout(5)
        self.passt = self.lsock.accept()[0]

    def finish(self):
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait()
        err = self.proc.stderr.read()
        self.lsock.close()
        return self.proc.returncode, err


def stats(err, direction):
    m = re.search(r'proxy: %s (.*)' % direction, err)
    return dict(kv.split('=') for kv in m.group(1).split()) if m else {}


def exchange(tmp, args, count=300, close_delay=0):
    """Frames both ways; returns sent, received per direction, stderr"""
    r = Run(tmp, args)
    sent = {0: [payload(0, i) for i in range(count)],
            1: [payload(1, i) for i in range(count)]}
    got = {0: [], 1: []}
    stamps = {0: [], 1: []}
    t = [threading.Thread(target=recv_frames, args=(r.passt, got[0],
                                                    stamps[0])),
         threading.Thread(target=recv_frames, args=(r.qemu, got[1],
                                                    stamps[1]))]
    for x in t:
        x.start()
    t0 = time.monotonic()
    s = [threading.Thread(target=send_frames, args=(r.qemu, sent[0])),
         threading.Thread(target=send_frames, args=(r.passt, sent[1]))]
    for x in s:
        x.start()
    for x in s:
        x.join()
    time.sleep(close_delay + 0.3)
    r.proc.terminate()
    rc, err = r.finish()
    for x in t:
        x.join(timeout=5)
    r.qemu.close()
    r.passt.close()
    return sent, got, err, rc, stamps, t0


def is_subsequence(sub, seq):
    it = iter(seq)
    return all(any(x == y for y in it) for x in sub)


results = []


def case(name):
    def deco(fn):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                fn(tmp)
                results.append((name, None))
                print('PASS %s' % name)
            except Exception as e:      # pylint: disable=broad-except
                results.append((name, str(e)))
                print('FAIL %s: %s' % (name, e))
        return fn
    return deco


@case('relay-exact')
def _(tmp):
    sent, got, err, rc, _, _ = exchange(tmp, [])
    for d in (0, 1):
        assert got[d] == sent[d], 'direction %d: %d of %d frames, differ' % (
            d, len(got[d]), len(sent[d]))
    st = stats(err, 'g2p')
    assert st.get('fwd') == '300', err


@case('drop')
def _(tmp):
    sent, got, err, rc, _, _ = exchange(tmp, ['--drop', '30%', '--seed', '7'])
    for d, name in ((0, 'g2p'), (1, 'p2g')):
        st = stats(err, name)
        assert is_subsequence(got[d], sent[d]), 'not a subsequence'
        assert len(sent[d]) - len(got[d]) == int(st['drop']), err
        assert 40 < int(st['drop']) < 140, st


@case('drop-one-direction')
def _(tmp):
    sent, got, err, rc, _, _ = exchange(tmp, ['--drop-p2g', '0.5'])
    assert got[0] == sent[0]
    assert len(got[1]) < len(sent[1])
    assert stats(err, 'g2p')['drop'] == '0'


@case('dup')
def _(tmp):
    sent, got, err, rc, _, _ = exchange(tmp, ['--dup', '0.2'])
    for d, name in ((0, 'g2p'), (1, 'p2g')):
        dedup = [f for i, f in enumerate(got[d]) if i == 0 or f != got[d][i - 1]]
        assert dedup == sent[d]
        assert len(got[d]) - len(sent[d]) == int(stats(err, name)['dup'])


@case('reorder')
def _(tmp):
    sent, got, err, rc, _, _ = exchange(tmp, ['--reorder', '0.2'])
    for d, name in ((0, 'g2p'), (1, 'p2g')):
        assert sorted(got[d]) == sorted(sent[d]), 'frames lost'
        assert got[d] != sent[d], 'nothing reordered'
        assert int(stats(err, name)['reorder']) > 10


@case('truncate')
def _(tmp):
    sent, got, err, rc, _, _ = exchange(tmp, ['--truncate', '0.3'])
    for d, name in ((0, 'g2p'), (1, 'p2g')):
        assert len(got[d]) == len(sent[d])
        short = 0
        for a, b in zip(sent[d], got[d]):
            assert a.startswith(b), 'not a prefix'
            short += len(b) < len(a)
        assert short == int(stats(err, name)['truncate'])


@case('corrupt')
def _(tmp):
    sent, got, err, rc, _, _ = exchange(tmp, ['--corrupt', '0.3'])
    for d, name in ((0, 'g2p'), (1, 'p2g')):
        bad = 0
        for a, b in zip(sent[d], got[d]):
            assert len(a) == len(b)
            diff = sum(x != y for x, y in zip(a, b))
            assert diff <= 4
            bad += diff > 0
        # a flip can hit the same byte twice and cancel: allow a few
        assert abs(bad - int(stats(err, name)['corrupt'])) <= 3, (bad, err)


@case('delay')
def _(tmp):
    sent, got, err, rc, stamps, t0 = exchange(tmp, ['--delay-ms', '300'],
                                              count=20, close_delay=0.5)
    assert got[0] == sent[0] and got[1] == sent[1]
    assert stamps[0][0] - t0 >= 0.29, stamps[0][0] - t0


@case('seed-deterministic')
def _(tmp):
    a = exchange(tmp, ['--drop', '0.3', '--seed', '42'])[1]
    b = exchange(tmp, ['--drop', '0.3', '--seed', '42'])[1]
    c = exchange(tmp, ['--drop', '0.3', '--seed', '43'])[1]
    assert a == b
    assert a != c


@case('cut-after')
def _(tmp):
    r = Run(tmp, ['--cut-after-g2p', '10'])
    send_frames(r.qemu, [payload(0, i) for i in range(50)])
    got = []
    recv_frames(r.passt, got)
    rc, err = r.finish()
    assert len(got) == 10, len(got)
    assert rc == 0 and 'end="cut"' in err, err
    assert r.qemu.recv(10) == b''


@case('cut-reconnect')
def _(tmp):
    r = Run(tmp, ['--cut-after-g2p', '10', '--reconnect'])
    send_frames(r.qemu, [payload(0, i) for i in range(11)])
    got = []
    recv_frames(r.passt, got)
    assert len(got) == 10, len(got)
    second = r.lsock.accept()[0]
    send_frames(r.qemu, [payload(0, 100)])
    second.sendall(struct.pack('>I', 5) + b'hello')
    got2 = []
    second.settimeout(2)
    r.qemu.settimeout(2)
    data = r.qemu.recv(100)
    assert data == struct.pack('>I', 5) + b'hello', data
    r.qemu.close()
    recv_frames(second, got2)
    rc, err = r.finish()
    assert got2 == [payload(0, 100)], len(got2)
    assert 'reconnects=1' in err, err


@case('passt-restart-reconnect')
def _(tmp):
    r = Run(tmp, ['--reconnect'])
    r.passt.close()
    second = r.lsock.accept()[0]
    second.sendall(struct.pack('>I', 3) + b'abc')
    r.qemu.settimeout(2)
    assert r.qemu.recv(100) == struct.pack('>I', 3) + b'abc'
    r.qemu.close()
    rc, err = r.finish()
    assert rc == 0 and 'reconnects=1' in err, err


@case('sigusr1-cut')
def _(tmp):
    r = Run(tmp, ['--reconnect'])
    send_frames(r.qemu, [payload(0, 1)])
    r.passt.settimeout(2)
    got = []
    while not got:
        time.sleep(0.05)
        r.passt.setblocking(False)
        try:
            d = r.passt.recv(1 << 20)
        except BlockingIOError:
            continue
        got.append(d)
    r.proc.send_signal(signal.SIGUSR1)
    second = r.lsock.accept()[0]
    r.passt.settimeout(2)
    assert r.passt.recv(10) == b'', 'first connection not closed'
    send_frames(r.qemu, [payload(0, 2)])
    # Let the proxy forward it on the new connection before qemu's EOF
    # can end the run
    second.settimeout(5)
    first = second.recv(4 + len(payload(0, 2)), socket.MSG_PEEK)
    assert first, 'nothing forwarded on the new connection'
    r.qemu.close()
    got2 = []
    recv_frames(second, got2)
    rc, err = r.finish()
    assert got2 == [payload(0, 2)], len(got2)
    assert 'cuts=1' in err and 'reconnects=1' in err, err


@case('bad-length')
def _(tmp):
    r = Run(tmp, [])
    r.qemu.sendall(struct.pack('>I', 0x7fffffff) + b'x' * 100)
    rc, err = r.finish()
    assert rc == 2 and 'exceeds' in err, (rc, err)


@case('bad-option')
def _(tmp):
    p = subprocess.run([PROXY, '--listen', 'a', '--connect', 'b', '--drop',
                        '1.5'], capture_output=True, text=True)
    assert p.returncode == 1 and 'probability' in p.stderr, p.stderr


npass = sum(1 for _, e in results if e is None)
nfail = len(results) - npass
print('%d passed, %d failed' % (npass, nfail))
sys.exit(1 if nfail else 0)

# SPDX-License-Identifier: GPL-2.0-or-later
# tcptool.py - TCP servers and clients for the namespace tests
#
# Usage: python3 tcptool.py COMMAND [ARGS...]
#
# Every client command prints one result line, "ok ..." on success or
# "FAIL ..." with the reason (exit status 1), and bounds every wait with a
# socket timeout (TCPTOOL_TIMEOUT seconds, default 30). Servers print one
# line per connection they finish. Addresses containing ':' are IPv6; a
# server on "::" also takes IPv4 (dual-stack).
#
# Servers (ADDR PORT first):
#   srv-echo ADDR PORT        echo every connection until EOF, forever (one
#                             thread, non-blocking: thousands at once)
#   srv-sink ADDR PORT        one connection: read to EOF, print "BYTES SHA"
#   srv-source ADDR PORT FILE one connection: send FILE, shut down, drain
#   srv-duplex ADDR PORT FILE one connection: send FILE while reading to
#                             EOF, print "BYTES SHA" of what was read
#   srv-halfclose ADDR PORT   one connection: read to EOF, then answer
#                             "BYTES SHA\n" plus 1 MiB of pattern, close
#   srv-closefirst ADDR PORT  one connection: send "bye\n", shut down the
#                             write side, read to EOF, print "BYTES SHA"
#   srv-abort ADDR PORT       one connection: send up to 4 MiB, wait for one
#                             byte from the client, reset (SO_LINGER 0)
#   srv-dns ADDR PORT IP      DNS over TCP: answer every A query with IP
# Clients (HOST PORT first):
#   send HOST PORT FILE     send FILE, shut down, wait for EOF
#   recv HOST PORT          read to EOF, print "ok BYTES SHA"
#   slowrecv HOST PORT S    read 64 KiB, stop reading for S seconds (the
#                           receive window closes), then read to EOF
#   duplex HOST PORT FILE   send FILE while reading to EOF, "ok BYTES SHA"
#   seq HOST PORT N [S]     N sequential connections to an echo server,
#                           all within S seconds if given
#   par HOST PORT N         N parallel connections (all open at once)
#   big HOST PORT BYTES     one connection to an echo server, BYTES each way
#   hold HOST PORT N [S]    open N connections, echo on each, hold S s,
#                           echo on each again, close all
#   idle HOST PORT S        echo, stay idle S seconds, echo again
#   halfclose HOST PORT     send 1 MiB, shut down, check the answer
#   keepsend HOST PORT      read the server's "bye\n" and EOF, then send
#                           1 MiB and shut down, print "ok BYTES SHA"
#   refused HOST PORT       expect ECONNREFUSED, print "ok SECONDS"
#   reset HOST PORT         read from an abort server: expect an error
#   dnsq HOST NAME IP       DNS query over TCP: expect an A record IP

import errno
import hashlib
import os
import resource
import selectors
import socket
import sys
import threading
import time

TIMEOUT = float(os.environ.get("TCPTOOL_TIMEOUT", "30"))
CHUNK = 65536
MIB = 1 << 20


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def fam_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def result(ok, msg):
    print(("ok " if ok else "FAIL ") + msg)
    sys.stdout.flush()
    sys.exit(0 if ok else 1)


def listener(addr, port):
    s = socket.socket(fam_of(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam_of(addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                     0 if addr == "::" else 1)
    s.bind((addr, int(port)))
    s.listen(4096)
    return s


def accept_one(addr, port):
    ls = listener(addr, port)
    ls.settimeout(TIMEOUT * 4)
    c, _ = ls.accept()
    ls.close()
    c.settimeout(TIMEOUT)
    return c


def connect(host, port, timeout=None):
    s = socket.socket(fam_of(host), socket.SOCK_STREAM)
    s.settimeout(TIMEOUT if timeout is None else timeout)
    s.connect((host, int(port)))
    return s


def read_to_eof(s, h=None):
    n = 0
    while True:
        d = s.recv(CHUNK * 4)
        if not d:
            return n
        n += len(d)
        if h:
            h.update(d)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            break
        buf += d
    return buf


def send_file(s, path):
    n = 0
    with open(path, "rb") as f:
        while True:
            d = f.read(CHUNK * 4)
            if not d:
                break
            s.sendall(d)
            n += len(d)
    s.shutdown(socket.SHUT_WR)
    return n


def pattern(n, seed=0):
    blk = bytes((i * 7 + seed) & 0xff for i in range(256))
    return (blk * (n // 256 + 1))[:n]


# Servers

def srv_echo(addr, port):
    raise_nofile()
    ls = listener(addr, port)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    conns = {}		# socket -> [pending output, eof seen]
    while True:
        for key, ev in sel.select():
            s = key.fileobj
            if s is ls:
                while True:
                    try:
                        c, _ = ls.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    c.setblocking(False)
                    conns[c] = [b"", False]
                    sel.register(c, selectors.EVENT_READ, None)
                continue
            st = conns[s]
            try:
                if ev & selectors.EVENT_READ and not st[1]:
                    d = s.recv(CHUNK * 4)
                    if d:
                        st[0] += d
                    else:
                        st[1] = True
                if st[0]:
                    n = s.send(st[0])
                    st[0] = st[0][n:]
            except BlockingIOError:
                pass
            except OSError:
                sel.unregister(s)
                del conns[s]
                s.close()
                continue
            if st[1] and not st[0]:
                sel.unregister(s)
                del conns[s]
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                s.close()
                continue
            # Backpressure: stop reading while 1 MiB waits to be sent
            want = 0
            if not st[1] and len(st[0]) < MIB:
                want |= selectors.EVENT_READ
            if st[0]:
                want |= selectors.EVENT_WRITE
            sel.modify(s, want or selectors.EVENT_READ, None)


def srv_sink(addr, port):
    c = accept_one(addr, port)
    h = hashlib.sha256()
    n = read_to_eof(c, h)
    print(n, h.hexdigest())


def srv_source(addr, port, path):
    c = accept_one(addr, port)
    n = send_file(c, path)
    read_to_eof(c)
    print("sent", n)


def duplex(s, path):
    err = []

    def sender():
        try:
            send_file(s, path)
        except Exception as e:
            err.append(e)
    t = threading.Thread(target=sender)
    t.start()
    h = hashlib.sha256()
    n = read_to_eof(s, h)
    t.join(TIMEOUT)
    if t.is_alive():
        raise TimeoutError("sender still running")
    if err:
        raise err[0]
    return n, h.hexdigest()


def srv_duplex(addr, port, path):
    c = accept_one(addr, port)
    n, sha = duplex(c, path)
    print(n, sha)


def srv_halfclose(addr, port):
    c = accept_one(addr, port)
    h = hashlib.sha256()
    n = read_to_eof(c, h)
    c.sendall(b"%d %s\n" % (n, h.hexdigest().encode()) + pattern(MIB))
    c.close()
    print(n, h.hexdigest())


def srv_closefirst(addr, port):
    c = accept_one(addr, port)
    c.sendall(b"bye\n")
    c.shutdown(socket.SHUT_WR)
    h = hashlib.sha256()
    n = read_to_eof(c, h)
    print(n, h.hexdigest())


def srv_abort(addr, port):
    c = accept_one(addr, port)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * MIB)
    c.setblocking(False)
    data = pattern(4 * MIB)
    sent = 0
    go = False
    deadline = time.time() + TIMEOUT
    while not go and time.time() < deadline:
        try:
            if sent < len(data):
                sent += c.send(data[sent:sent + CHUNK])
        except BlockingIOError:
            pass
        try:
            go = bool(c.recv(1))
        except BlockingIOError:
            time.sleep(0.001)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 b"\x01\x00\x00\x00\x00\x00\x00\x00")
    c.close()
    print("aborted after", sent, "bytes" if go else "bytes, no go (timeout)")


def dns_answer(q, ip):
    hdr = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00"
    ans = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + \
        socket.inet_aton(ip)
    return hdr + q[12:] + ans


def srv_dns(addr, port, ip):
    ls = listener(addr, port)
    while True:
        c, _ = ls.accept()
        c.settimeout(TIMEOUT)
        try:
            ln = recv_exact(c, 2)
            q = recv_exact(c, int.from_bytes(ln, "big"))
            a = dns_answer(q, ip)
            c.sendall(len(a).to_bytes(2, "big") + a)
            print("answered", len(q))
            sys.stdout.flush()
        except OSError as e:
            print("error", e)
        c.close()


# Clients

def cl_send(host, port, path):
    s = connect(host, port)
    n = send_file(s, path)
    extra = read_to_eof(s)
    result(extra == 0, "sent %d" % n)


def cl_recv(host, port):
    s = connect(host, port)
    h = hashlib.sha256()
    n = read_to_eof(s, h)
    result(True, "%d %s" % (n, h.hexdigest()))


def cl_slowrecv(host, port, pause):
    s = connect(host, port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
    h = hashlib.sha256()
    first = recv_exact(s, CHUNK)
    h.update(first)
    time.sleep(float(pause))
    n = len(first) + read_to_eof(s, h)
    result(True, "%d %s" % (n, h.hexdigest()))


def cl_duplex(host, port, path):
    s = connect(host, port)
    n, sha = duplex(s, path)
    result(True, "%d %s" % (n, sha))


def echo_once(s, msg):
    s.sendall(msg)
    return recv_exact(s, len(msg)) == msg


def cl_seq(host, port, n, maxsecs=None):
    bad = []
    t0 = time.time()
    for i in range(int(n)):
        msg = b"sequential %d from %s\n" % (i, host.encode())
        try:
            s = connect(host, port)
            s.sendall(msg)
            s.shutdown(socket.SHUT_WR)
            got = recv_exact(s, len(msg) + 1)
            s.close()
            if got != msg:
                bad.append("%d: got %r" % (i, got[:40]))
        except OSError as e:
            bad.append("%d: %s" % (i, e))
        if len(bad) > 5:
            break
    t = time.time() - t0
    slow = maxsecs is not None and t > float(maxsecs)
    result(not bad and not slow,
           "%s connections in %.2f s%s, failures: %s" %
           (n, t, " (limit %s s: connections stall)" % maxsecs
            if slow else "", bad))


def cl_par(host, port, n):
    n = int(n)
    barrier = threading.Barrier(n, timeout=TIMEOUT)
    res = [None] * n

    def one(i):
        msg = b"parallel %d\n" % i * 50
        try:
            s = connect(host, port)
            barrier.wait()		# all n connections open at once
            s.sendall(msg)
            s.shutdown(socket.SHUT_WR)
            got = recv_exact(s, len(msg) + 1)
            s.close()
            res[i] = "ok" if got == msg else "got %d bytes" % len(got)
        except Exception as e:
            res[i] = "%s: %s" % (type(e).__name__, e)
            barrier.abort()
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bad = ["%d: %s" % (i, r) for i, r in enumerate(res) if r != "ok"]
    result(not bad, "%d parallel connections, failures: %s" % (n, bad[:5]))


def cl_big(host, port, nbytes):
    data = os.urandom(int(nbytes))
    s = connect(host, port)
    err = []

    def sender():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except Exception as e:
            err.append(e)
    t = threading.Thread(target=sender)
    t.start()
    h = hashlib.sha256()
    n = read_to_eof(s, h)
    t.join(TIMEOUT)
    want = hashlib.sha256(data).hexdigest()
    result(not err and n == len(data) and h.hexdigest() == want,
           "%d bytes each way, sent %s, echoed %d %s %s" %
           (len(data), want, n, h.hexdigest(), err))


def cl_hold(host, port, n, hold=0):
    raise_nofile()
    n = int(n)
    socks = []
    t0 = time.time()
    try:
        for i in range(n):
            socks.append(connect(host, port))
    except OSError as e:
        result(False, "opened %d of %d: %s" % (len(socks), n, e))
    t1 = time.time()
    bad = []
    for rnd in (1, 2):
        # pipeline: send on all, then read all, so every flow is busy at once
        for i, s in enumerate(socks):
            s.sendall(b"round %d conn %d\n" % (rnd, i))
        for i, s in enumerate(socks):
            msg = b"round %d conn %d\n" % (rnd, i)
            try:
                if recv_exact(s, len(msg)) != msg:
                    bad.append("round %d conn %d: bad echo" % (rnd, i))
            except OSError as e:
                bad.append("round %d conn %d: %s" % (rnd, i, e))
        if rnd == 1:
            time.sleep(float(hold))
    for s in socks:
        s.close()
    result(not bad, "%d connections held (opened in %.2fs), failures: %s" %
           (n, t1 - t0, bad[:5]))


def cl_idle(host, port, secs):
    s = connect(host, port)
    a = echo_once(s, b"before idle\n")
    time.sleep(float(secs))
    b = echo_once(s, b"after %s s idle\n" % secs.encode())
    s.shutdown(socket.SHUT_WR)
    c = read_to_eof(s) == 0
    result(a and b and c, "echo before %s, after %s s idle %s, clean EOF %s"
           % (a, secs, b, c))


def cl_halfclose(host, port):
    s = connect(host, port)
    data = os.urandom(MIB)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    h = hashlib.sha256()
    buf = b""
    while True:
        d = s.recv(CHUNK)
        if not d:
            break
        buf += d
    want = b"%d %s\n" % (len(data), hashlib.sha256(data).hexdigest().encode())
    ok = buf == want + pattern(MIB)
    result(ok, "sent %d then shut down, answer %d bytes, head %r" %
           (len(data), len(buf), buf[:80]))


def cl_keepsend(host, port):
    s = connect(host, port)
    got = recv_exact(s, 5)
    if got != b"bye\n":
        result(False, "expected 'bye' and EOF, got %r" % got)
    # The server's write side is closed; ours still works
    data = os.urandom(MIB)
    for i in range(0, len(data), 4096):
        s.sendall(data[i:i + 4096])
    s.shutdown(socket.SHUT_WR)
    extra = read_to_eof(s)
    result(extra == 0, "%d %s" % (len(data), hashlib.sha256(data).hexdigest()))


def cl_refused(host, port):
    t0 = time.time()
    try:
        s = connect(host, port, timeout=10)
    except ConnectionRefusedError:
        result(True, "%.3f" % (time.time() - t0))
    except Exception as e:
        result(False, "%s: %s after %.3f s" % (type(e).__name__, e,
                                               time.time() - t0))
    s.close()
    result(False, "connected")


def cl_reset(host, port):
    s = connect(host, port)
    got = len(recv_exact(s, CHUNK))
    s.send(b"g")		# the server resets the connection now
    time.sleep(0.5)
    try:
        while True:
            d = s.recv(CHUNK)
            if not d:
                result(False, "clean EOF after %d bytes, no error" % got)
            got += len(d)
            time.sleep(0.001)
    except ConnectionResetError:
        result(True, "ECONNRESET after %d bytes" % got)
    except socket.timeout:
        result(False, "timeout after %d bytes, no error" % got)
    except OSError as e:
        result(True, "error %s (not ECONNRESET) after %d bytes" % (
            errno.errorcode.get(e.errno, e), got))


def cl_dnsq(host, name, ip):
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\x00\x00\x01\x00\x01"
    s = connect(host, 53)
    s.sendall(len(q).to_bytes(2, "big") + q)
    ln = int.from_bytes(recv_exact(s, 2), "big")
    a = recv_exact(s, ln)
    ok = len(a) == ln and a[:2] == b"\x12\x34" and \
        a[-4:] == socket.inet_aton(ip)
    result(ok, "answer of %d bytes, A %s" % (
        len(a), socket.inet_ntoa(a[-4:]) if len(a) >= 4 else "-"))


CMDS = {
    "srv-echo": srv_echo, "srv-sink": srv_sink, "srv-source": srv_source,
    "srv-duplex": srv_duplex, "srv-halfclose": srv_halfclose,
    "srv-closefirst": srv_closefirst, "srv-abort": srv_abort,
    "srv-dns": srv_dns,
    "send": cl_send, "recv": cl_recv, "slowrecv": cl_slowrecv,
    "duplex": cl_duplex, "seq": cl_seq,
    "par": cl_par, "big": cl_big, "hold": cl_hold, "idle": cl_idle,
    "halfclose": cl_halfclose, "keepsend": cl_keepsend,
    "refused": cl_refused, "reset": cl_reset, "dnsq": cl_dnsq,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit("usage: tcptool.py COMMAND ARGS... (see the header)")
    try:
        CMDS[sys.argv[1]](*sys.argv[2:])
    except SystemExit:
        raise
    except Exception as e:
        print("FAIL %s: %s: %s" % (sys.argv[1], type(e).__name__, e))
        sys.exit(1)

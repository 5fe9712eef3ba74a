#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/61-auto.sh - "auto" port forwarding follows the other side's ports
#
# pasta -t auto -u auto -T auto -U auto:
# - TCP, host to namespace: a server started in the namespace after pasta is
#   reachable from the host's loopback (spliced) and from the remote (tap)
#   within 2 s; once it stops, the host's port refuses connections again
#   within 3 s; started again, it is reachable again
# - TCP, namespace to host: a server started on the host's 127.0.0.1 (and
#   one on ::1) after pasta is reachable from the namespace's loopback within
#   2 s, and the namespace's port refuses once it stops
# - UDP, both directions: the same with datagrams; a port that had no
#   traffic is released within 3 s once its server stops; a server that
#   had flows, stopped long enough for pasta to notice and started again,
#   answers new flows within 2 s, and the flow from before the restart
# - pasta never forwards back what it listens on itself: if it did, its
#   listener on one side would keep its listener on the other side alive
#   (and connections would loop), so "refused once the server stopped"
#   would never come
# - a port bound on both sides is not forwarded: the host's own server on P
#   (started before pasta, dual-stack) keeps answering on the host's
#   127.0.0.1, ::1 and external address while the namespace also listens
#   on P; TCP and UDP
# - re-scans don't disturb what is established: TCP connections (spliced
#   both ways, and through the tap) with data flowing for several seconds
#   while servers come and go on other ports, and a UDP flow, data checked
# - no port option at all means auto too

# shellcheck disable=SC2086	# $TCPTOOL and $A are "python3 PATH": split on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
need_daemon
need_cmd python3 nsenter timeout

PLOG="$TEST_TMP/pasta-daemon.log"
A="python3 $TEST_TMP/auto.py"
HOLD=6

cat >"$TEST_TMP/auto.py" <<'EOF'
# auto.py - servers that say who they are, and clients that poll for them
#
#   srv-tcp ADDR PORT TAG       every connection: send "TAG\n", close
#   srv-udp ADDR PORT TAG       every datagram: answer "TAG " + datagram
#   tcp-reach HOST PORT TAG S   poll until a connection reads "TAG\n", at
#                               most S seconds: "ok SECONDS" or FAIL
#   tcp-gone HOST PORT S        poll until a connection is refused
#   udp-reach HOST PORT TAG S   poll until an answer "TAG ..." arrives
#                               (a new socket, so a new flow, each time)
#   tcp-hold HOST PORT S        to an echo server: send seeded data for S
#                               seconds while reading the echo, compare
#   udp-hold HOST PORT TAG S    one socket: a datagram every 10 ms for S
#                               seconds, every answer checked
#   udp-keep HOST PORT TAG1 TAG2 FILE S
#                               one socket: an answer from TAG1, then once
#                               FILE exists, poll for one from TAG2 (S s)
# Servers on "::" take IPv4 too. Addresses with ':' are IPv6.
import hashlib, os, random, socket, sys, threading, time

def fam(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET

def bound(addr, port, typ):
    s = socket.socket(fam(addr), typ)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam(addr) == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                     0 if addr == "::" else 1)
    s.bind((addr, int(port)))
    return s

def srv_tcp(addr, port, tag):
    ls = bound(addr, port, socket.SOCK_STREAM)
    ls.listen(128)
    while True:
        c, _ = ls.accept()
        try:
            c.sendall(tag.encode() + b"\n")
        except OSError:
            pass
        c.close()

def srv_udp(addr, port, tag):
    s = bound(addr, port, socket.SOCK_DGRAM)
    while True:
        d, peer = s.recvfrom(65535)
        s.sendto(tag.encode() + b" " + d, peer)

def result(ok, msg):
    print(("ok " if ok else "FAIL ") + msg)
    sys.exit(0 if ok else 1)

def tcp_reach(host, port, tag, secs):
    t0 = time.time()
    last = "nothing tried"
    while time.time() - t0 < float(secs):
        try:
            s = socket.create_connection((host, int(port)), timeout=1)
            got = b""
            while True:
                d = s.recv(100)
                if not d:
                    break
                got += d
            s.close()
            if got == tag.encode() + b"\n":
                result(True, "%.3f" % (time.time() - t0))
            last = "read %r" % got
        except OSError as e:
            last = "%s" % e
        time.sleep(0.05)
    result(False, "not reached in %s s, last: %s" % (secs, last))

def tcp_gone(host, port, secs):
    t0 = time.time()
    last = "nothing tried"
    while time.time() - t0 < float(secs):
        try:
            s = socket.create_connection((host, int(port)), timeout=1)
            try:
                last = "connected, read %r" % s.recv(100)
            except OSError as e:
                last = "connected, then %s" % e
            s.close()
        except ConnectionRefusedError:
            result(True, "%.3f" % (time.time() - t0))
        except OSError as e:
            last = "%s" % e
        time.sleep(0.05)
    result(False, "still open after %s s, last: %s" % (secs, last))

def udp_reach(host, port, tag, secs):
    t0 = time.time()
    last = "nothing tried"
    i = 0
    while time.time() - t0 < float(secs):
        s = socket.socket(fam(host), socket.SOCK_DGRAM)
        s.settimeout(0.2)
        msg = b"probe %d" % i
        i += 1
        try:
            s.connect((host, int(port)))
            s.send(msg)
            got = s.recv(1000)
            if got == tag.encode() + b" " + msg:
                result(True, "%.3f" % (time.time() - t0))
            last = "got %r" % got
        except OSError as e:
            last = "%s" % e
        s.close()
        time.sleep(0.05)
    result(False, "no answer in %s s, last: %s" % (secs, last))

def tcp_hold(host, port, secs):
    s = socket.create_connection((host, int(port)), timeout=30)
    rnd = random.Random(7)
    sent = hashlib.sha256()
    nsent = [0]
    err = []
    def sender():
        try:
            t0 = time.time()
            while time.time() - t0 < float(secs):
                d = rnd.randbytes(rnd.randrange(1, 65536))
                s.sendall(d)
                sent.update(d)
                nsent[0] += len(d)
                time.sleep(0.01)
            s.shutdown(socket.SHUT_WR)
        except Exception as e:
            err.append(e)
    t = threading.Thread(target=sender)
    t.start()
    got = hashlib.sha256()
    n = 0
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        got.update(d)
        n += len(d)
    t.join(30)
    ok = not err and n == nsent[0] and got.digest() == sent.digest()
    result(ok, "%d bytes sent over %s s, %d echoed%s%s" % (
        nsent[0], secs, n, "" if got.digest() == sent.digest() else
        ", CONTENT DIFFERS", " error: %s" % err if err else ""))

def udp_hold(host, port, tag, secs):
    s = socket.socket(fam(host), socket.SOCK_DGRAM)
    s.settimeout(1)
    s.connect((host, int(port)))
    t0 = time.time()
    n, bad = 0, []
    while time.time() - t0 < float(secs):
        msg = b"hold %d " % n + os.urandom(100)
        try:
            s.send(msg)
            got = s.recv(1000)
            if got != tag.encode() + b" " + msg:
                bad.append("%d: got %r" % (n, got[:30]))
        except OSError as e:
            bad.append("%d: %s" % (n, e))
        n += 1
        if len(bad) > 5:
            break
        time.sleep(0.01)
    result(not bad, "%d datagrams answered from one source port, "
           "failures: %s" % (n, bad))

def udp_keep(host, port, tag1, tag2, flag, secs):
    s = socket.socket(fam(host), socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((host, int(port)))
    s.send(b"first")
    got = s.recv(1000)
    if got != tag1.encode() + b" first":
        result(False, "first answer %r" % got)
    print("first answer from", tag1)
    sys.stdout.flush()
    while not os.path.exists(flag):
        time.sleep(0.05)
    s.settimeout(0.2)
    t0 = time.time()
    last = "nothing"
    while time.time() - t0 < float(secs):
        try:
            s.send(b"again")
            got = s.recv(1000)
            if got == tag2.encode() + b" again":
                result(True, "%.3f" % (time.time() - t0))
            last = "got %r" % got
        except OSError as e:
            last = "%s" % e
        time.sleep(0.05)
    result(False, "same socket, no answer from %s in %s s, last: %s" % (
        tag2, secs, last))

CMDS = {"udp-keep": udp_keep, "srv-tcp": srv_tcp, "srv-udp": srv_udp, "tcp-reach": tcp_reach,
        "tcp-gone": tcp_gone, "udp-reach": udp_reach, "tcp-hold": tcp_hold,
        "udp-hold": udp_hold}
CMDS[sys.argv[1]](*sys.argv[2:])
EOF
chmod 0644 "$TEST_TMP/auto.py"

# udp_bound() - Is a UDP port bound? $1: ns or host, $2: port
udp_bound() {
	_hx=$(printf '%04X' "$2")
	if [ "$1" = ns ]; then
		in_ns cat /proc/net/udp /proc/net/udp6
	else
		cat /proc/net/udp /proc/net/udp6
	fi 2>/dev/null | awk -v p="$_hx" '{ split($2, a, ":");
		if (a[2] == p) f = 1 } END { exit !f }'
}

# udp_free() - Is a UDP port free? $1: ns or host, $2: port
udp_free() {
	! udp_bound "$@"
}

# The host's own servers, dual-stack, up before pasta: port 10500 (TCP) and
# 10600 (UDP), as the test user (a rootless user's own services)
bg_start hosttcp as_user $A srv-tcp :: 10500 host
bg_start hostudp as_user $A srv-udp :: 10600 host
wait_port tcp 10500 5 || fail "host TCP server not up"
wait_port udp 10600 5 || fail "host UDP server not up"

pasta_start pasta --config-net -d -l "$PLOG" --log-size $((16 << 20)) \
	--dns "$DNS4" -t auto -u auto -T auto -U auto

# ------------------------------------------------------ TCP host -> namespace
check_ok "TCP 10100: refused on the host before the namespace listens" \
	timeout 10 $A tcp-gone 127.0.0.1 10100 1
in_ns_bg nstcp $A srv-tcp :: 10100 ns
ns_wait_port 10100 5 || fail "namespace TCP server not up"
check_ok "TCP 10100 in the namespace: reached from the host's 127.0.0.1 within 2 s" \
	timeout 10 $A tcp-reach 127.0.0.1 10100 ns 2
check_ok "TCP 10100: from the host's ::1" \
	timeout 10 $A tcp-reach ::1 10100 ns 2
check_ok "TCP 10100: from the remote through the tap (IPv4)" \
	run_remote timeout 10 $A tcp-reach "$HOST4" 10100 ns 2
check_ok "TCP 10100: from the remote through the tap (IPv6)" \
	run_remote timeout 10 $A tcp-reach "$HOST6" 10100 ns 2
bg_stop nstcp
check_ok "TCP 10100: refused on the host within 3 s once the server stopped" \
	timeout 10 $A tcp-gone 127.0.0.1 10100 3
check_ok "TCP 10100: refused through the tap too" \
	run_remote timeout 10 $A tcp-gone "$HOST4" 10100 1
in_ns_bg nstcp2 $A srv-tcp :: 10100 ns-again
ns_wait_port 10100 5 || fail "namespace TCP server not up again"
check_ok "TCP 10100: server started again, reached again within 2 s" \
	timeout 10 $A tcp-reach 127.0.0.1 10100 ns-again 2
bg_stop nstcp2
check_ok "TCP 10100: refused again" timeout 10 $A tcp-gone 127.0.0.1 10100 3

# ------------------------------------------------------ TCP namespace -> host
check_ok "TCP 10200: refused in the namespace before the host listens" \
	in_ns timeout 10 $A tcp-gone 127.0.0.1 10200 1
bg_start hosttcp4 as_user $A srv-tcp 127.0.0.1 10200 host4
bg_start hosttcp6 as_user $A srv-tcp ::1 10201 host6
wait_port tcp 10200 5 && wait_port tcp 10201 5 || fail "host servers not up"
check_ok "TCP 10200 on the host's 127.0.0.1: reached from the namespace's 127.0.0.1 within 2 s" \
	in_ns timeout 10 $A tcp-reach 127.0.0.1 10200 host4 2
check_ok "TCP 10201 on the host's ::1: reached from the namespace's ::1 within 2 s" \
	in_ns timeout 10 $A tcp-reach ::1 10201 host6 2
bg_stop hosttcp4
bg_stop hosttcp6
check_ok "TCP 10200: refused in the namespace within 3 s once the server stopped" \
	in_ns timeout 10 $A tcp-gone 127.0.0.1 10200 3
check_ok "TCP 10201: refused in the namespace within 3 s once the server stopped" \
	in_ns timeout 10 $A tcp-gone ::1 10201 3

# ------------------------------------------------------ UDP host -> namespace
# udp_restart() - A UDP server with flows stops, pasta notices, it starts
# again: new flows and the flow that was already there reach it
# $1: server side (ns or host), $2: port, $3: name prefix
udp_restart() {
	_cl=""
	[ "$1" = host ] && _cl=in_ns
	_srv() {
		if [ "$1" = ns ]; then in_ns_bg "$2" $A srv-udp :: "$3" "$4"
		else bg_start "$2" as_user $A srv-udp 127.0.0.1 "$3" "$4"; fi
	}
	_srv "$1" "$3a" "$2" first
	wait_for 3 udp_bound "$( [ "$1" = ns ] && echo host || echo ns)" "$2" ||
		fail "UDP $2: pasta did not follow the $1's server within 3 s"
	rm -f "$TEST_TMP/$3.flag"
	if [ "$1" = ns ]; then
		bg_start "$3keep" as_user timeout 30 $A udp-keep 127.0.0.1 "$2" \
			first second "$TEST_TMP/$3.flag" 3
	else
		in_ns_bg "$3keep" timeout 30 $A udp-keep 127.0.0.1 "$2" \
			first second "$TEST_TMP/$3.flag" 3
	fi
	wait_for 5 grep -q "first answer" "$TEST_TMP/$3keep.log" ||
		fail "UDP $2: no first answer: $(bg_log "$3keep")"
	check_ok "UDP $2 (server on the $1): a new flow reaches the server" \
		$_cl timeout 10 $A udp-reach 127.0.0.1 "$2" first 2
	bg_stop "$3a"
	sleep 2		# at least one scan sees the port free
	_srv "$1" "$3b" "$2" second
	touch "$TEST_TMP/$3.flag"
	check_ok "UDP $2 (server on the $1): stopped, started again, a new flow reaches it within 2 s" \
		$_cl timeout 10 $A udp-reach 127.0.0.1 "$2" second 2
	bg_wait "$3keep" 10
	_rc=$?
	bg_log "$3keep" | sed 's/^/#   /'
	check_eq "$_rc" 0 "UDP $2 (server on the $1): the flow from before the restart reaches it too"
	bg_stop "$3b"
}

in_ns_bg nsudp $A srv-udp :: 10300 ns
wait_for 5 udp_bound ns 10300 || fail "namespace UDP server not up"
check_ok "UDP 10300 in the namespace: reached from the host's 127.0.0.1 within 2 s" \
	timeout 10 $A udp-reach 127.0.0.1 10300 ns 2
check_ok "UDP 10300: from the host's ::1" \
	timeout 10 $A udp-reach ::1 10300 ns 2
check_ok "UDP 10300: from the remote through the tap" \
	run_remote timeout 10 $A udp-reach "$HOST4" 10300 ns 2
bg_stop nsudp

# A port without traffic: released on the host once its server stops
in_ns_bg nsudp3 $A srv-udp :: 10301 ns
wait_for 3 udp_bound host 10301 ||
	fail "UDP 10301: pasta did not bind the host's port within 3 s"
log "ok: UDP 10301 bound on the host once the namespace bound it"
bg_stop nsudp3
wait_for 3 udp_free host 10301 ||
	fail "UDP 10301: still bound on the host 3 s after the namespace's server stopped"
log "ok: UDP 10301 released on the host once the namespace released it"

# ------------------------------------------------------ UDP namespace -> host
bg_start hostudp4 as_user $A srv-udp 127.0.0.1 10400 host4
bg_start hostudp6 as_user $A srv-udp ::1 10401 host6
wait_port udp 10400 5 && wait_port udp 10401 5 ||
	fail "host UDP servers not up"
check_ok "UDP 10400 on the host's 127.0.0.1: reached from the namespace within 2 s" \
	in_ns timeout 10 $A udp-reach 127.0.0.1 10400 host4 2
check_ok "UDP 10401 on the host's ::1: reached from the namespace within 2 s" \
	in_ns timeout 10 $A udp-reach ::1 10401 host6 2
bg_stop hostudp4
bg_stop hostudp6
bg_start hostudp5 as_user $A srv-udp 127.0.0.1 10402 host
wait_for 3 udp_bound ns 10402 ||
	fail "UDP 10402: pasta did not bind it in the namespace within 3 s"
bg_stop hostudp5
wait_for 3 udp_free ns 10402 ||
	fail "UDP 10402: still bound in the namespace 3 s after the host's server stopped"
log "ok: UDP 10402 bound in the namespace and released, following the host"

# ------------------------------------------------------ bound on both sides
# The host's servers on 10500 (TCP) and 10600 (UDP) were there before
# pasta; -T/-U auto took the namespace's loopback for them, so the
# namespace's own servers listen on its external addresses
in_ns_bg nsboth $A srv-tcp "$HOST4" 10500 ns
in_ns_bg nsboth6 $A srv-tcp "$HOST6" 10500 ns
in_ns_bg nsbothu $A srv-udp "$HOST4" 10600 ns
ns_wait_port 10500 5 || fail "namespace TCP server on 10500 not up"
wait_for 5 udp_bound ns 10600 || fail "namespace UDP server on 10600 not up"
sleep 2		# a couple of scans
for a in 127.0.0.1 ::1; do
	check_ok "TCP 10500 bound on both sides: the host's $a reaches the host's own server" \
		timeout 10 $A tcp-reach "$a" 10500 host 1
	check_ok "UDP 10600 bound on both sides: the host's $a reaches the host's own server" \
		timeout 10 $A udp-reach "$a" 10600 host 1
done
check_ok "TCP 10500 bound on both sides: the remote reaches the host's own server" \
	run_remote timeout 10 $A tcp-reach "$HOST4" 10500 host 1
check_ok "UDP 10600 bound on both sides: the remote reaches the host's own server" \
	run_remote timeout 10 $A udp-reach "$HOST4" 10600 host 1
check_ok "TCP 10500: the namespace's own server on its own address" \
	in_ns timeout 10 $A tcp-reach "$HOST4" 10500 ns 1
for b in nsboth nsboth6 nsbothu; do
	bg_stop "$b"
done

# ------------------------------------------------------ re-scans vs flows
in_ns_bg nsecho $TCPTOOL srv-echo :: 10700
in_ns_bg nsudpecho $A srv-udp :: 10800 ns
bg_start hostecho as_user $TCPTOOL srv-echo 127.0.0.1 10900
ns_wait_port 10700 5 || fail "namespace echo server not up"
wait_port tcp 10900 5 || fail "host echo server not up"
wait_port tcp 10700 3 || fail "TCP 10700: pasta not listening on the host"
ns_wait_port 10900 3 || fail "TCP 10900: pasta not listening in the namespace"
check_ok "TCP 10700 forwarded before the hold" \
	timeout 10 $TCPTOOL seq 127.0.0.1 10700 1
check_ok "TCP 10900 forwarded before the hold" \
	in_ns timeout 10 $TCPTOOL seq 127.0.0.1 10900 1
check_ok "UDP 10800 forwarded before the hold" \
	timeout 10 $A udp-reach 127.0.0.1 10800 ns 2

bg_start hold1 as_user timeout 60 $A tcp-hold 127.0.0.1 10700 "$HOLD"
bg_start hold2 run_remote timeout 60 $A tcp-hold "$HOST4" 10700 "$HOLD"
bg_start hold3 as_user timeout 60 $A tcp-hold ::1 10700 "$HOLD"
in_ns_bg hold4 timeout 60 $A tcp-hold 127.0.0.1 10900 "$HOLD"
bg_start hold5 as_user timeout 60 $A udp-hold 127.0.0.1 10800 ns "$HOLD"

# Listeners come and go on both sides meanwhile
i=0
while [ $i -lt "$HOLD" ]; do
	p=$((11000 + i))
	in_ns_bg "churn$i" $A srv-tcp :: "$p" churn
	in_ns_bg "churnu$i" $A srv-udp :: "$p" churn
	bg_start "hchurn$i" as_user $A srv-tcp 127.0.0.1 $((p + 100)) churn
	sleep 0.5
	[ $i -gt 0 ] && bg_stop "churn$((i - 1))" && bg_stop "churnu$((i - 1))" &&
		bg_stop "hchurn$((i - 1))"
	sleep 0.5
	i=$((i + 1))
done
check_ok "a churn port forwarded meanwhile" \
	timeout 10 $A tcp-reach 127.0.0.1 $((11000 + HOLD - 1)) churn 2

for h in hold1 hold2 hold3 hold4 hold5; do
	bg_wait "$h" 30
	rc=$?
	bg_log "$h" | sed 's/^/#   /'
	check_eq "$rc" 0 "$h: flow kept its data through $HOLD s of re-scans"
done
daemon_alive pasta
pasta_stop pasta

# ------------------------------------------------------ default is auto
pasta_start pasta2 --config-net -d -l "$TEST_TMP/pasta-daemon2.log" \
	--dns "$DNS4"
in_ns_bg defsrv $A srv-tcp :: 10150 default
in_ns_bg defsrvu $A srv-udp :: 10150 default
ns_wait_port 10150 5 || fail "namespace server not up"
check_ok "no port options: TCP forwarded from the host (auto)" \
	timeout 10 $A tcp-reach 127.0.0.1 10150 default 2
check_ok "no port options: UDP forwarded from the host (auto)" \
	timeout 10 $A udp-reach 127.0.0.1 10150 default 2
bg_start defhost as_user $A srv-tcp 127.0.0.1 10250 hostdefault
wait_port tcp 10250 5 || fail "host server not up"
check_ok "no port options: TCP forwarded from the namespace (auto)" \
	in_ns timeout 10 $A tcp-reach 127.0.0.1 10250 hostdefault 2

# ------------------------------------------------------ UDP server restarts
# (with the same pasta: auto both ways by default)
udp_restart ns 10310 rs_in
udp_restart host 10410 rs_out
daemon_alive pasta2
pasta_stop pasta2

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/60-splice.sh - TCP between the loopbacks, spliced, end to end
#
# pasta -t 9000-9009 -t 9010:9020 -T 7000-7009 -T 7010:7020 -u none -U none,
# clients on the host's loopback to servers in the namespace (-t), and
# clients on the namespace's loopback to servers on the host's loopback (-T):
# - 1 GiB each way at once on one connection, on both paths (IPv4), and
#   100 MiB each way on both paths over IPv6; the data is a seeded stream
#   generated at the sender and hashed (SHA-256) at the receiver, never
#   stored
# - 1000 short connections in sequence, 200 in parallel, every echo checked,
#   on both paths; a translated port (9010 -> 9020, 7010 -> 7020)
# - half-close both ways: the client shuts down first and still reads the
#   answer; the server shuts down first and still reads the client's data
# - a full close() right after sending 16 MiB, by the server or by the
#   client: the other side still reads all of it, then EOF
# - nothing listens on the other side: the client, connected to pasta's
#   listener, sees ECONNRESET or EOF within 2 s (not a hang)
# - the debug log names every one of those connections "TCP spliced"
# - no descriptor leaks once everything is closed
# Then pasta --no-splice -t ...: the host's loopback goes through the tap
# (no "TCP spliced" in the log), with the same tests at smaller sizes.

# shellcheck disable=SC2086	# $TCPTOOL and $S are "python3 PATH": split on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
need_daemon
need_cmd python3 nsenter timeout

MIB=$((1024 * 1024))
GIB=$((1024 * MIB))
PLOG="$TEST_TMP/pasta-daemon.log"

# Seeded streams, connection helpers (tcptool.py has the echo servers)
S="python3 $TEST_TMP/splice.py"
cat >"$TEST_TMP/splice.py" <<'EOF'
# splice.py - streams generated on the fly and hashed on arrival
#
#   expect SIZE SEED                  SHA-256 of the stream, computed locally
#   srv-duplex ADDR PORT SIZE SEED    one connection: send the stream while
#                                     reading to EOF, print "BYTES SHA"
#   duplex HOST PORT SIZE SEED        the same as a client, "ok BYTES SHA"
#   srv-sendclose ADDR PORT SIZE SEED one connection: send, close() at once
#   sendclose HOST PORT SIZE SEED     the same as a client
#   srv-sink ADDR PORT                one connection: read to EOF, print
#                                     "BYTES SHA" (client closes first)
#   recv HOST PORT                    read to EOF, "ok BYTES SHA"
#   noserver HOST PORT                connect; expect ECONNRESET, EOF or
#                                     ECONNREFUSED within 2 s
import hashlib, random, socket, sys, threading, time

BLK = 4 << 20
RD = 1 << 20
TIMEOUT = 60

def stream(size, seed):
    """Chunks of a deterministic stream: a random block rotated by a
    different offset for every chunk, so no two chunks are alike"""
    b = random.Random(int(seed)).randbytes(BLK)
    left, i = int(size), 0
    while left > 0:
        k = (i * 1000003 + int(seed)) % BLK
        c = (b[k:] + b[:k])[:left]
        yield c
        left -= len(c)
        i += 1

def expect(size, seed):
    h = hashlib.sha256()
    for c in stream(size, seed):
        h.update(c)
    print(int(size), h.hexdigest())

def fam(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET

def accept_one(addr, port):
    ls = socket.socket(fam(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam(addr) == socket.AF_INET6:
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                      0 if addr == "::" else 1)
    ls.bind((addr, int(port)))
    ls.listen(16)
    ls.settimeout(TIMEOUT * 4)
    c, _ = ls.accept()
    ls.close()
    c.settimeout(TIMEOUT)
    return c

def connect(host, port):
    s = socket.socket(fam(host), socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((host, int(port)))
    return s

def send_stream(s, size, seed):
    for c in stream(size, seed):
        s.sendall(c)

def read_all(s):
    h, n = hashlib.sha256(), 0
    while True:
        d = s.recv(RD)
        if not d:
            return n, h.hexdigest()
        n += len(d)
        h.update(d)

def duplex(s, size, seed):
    err = []
    def sender():
        try:
            send_stream(s, size, seed)
            s.shutdown(socket.SHUT_WR)
        except Exception as e:
            err.append(e)
    t = threading.Thread(target=sender)
    t.start()
    n, sha = read_all(s)
    t.join(TIMEOUT)
    if t.is_alive():
        raise TimeoutError("sender still running")
    if err:
        raise err[0]
    return n, sha

def srv_duplex(addr, port, size, seed):
    print(*duplex(accept_one(addr, port), size, seed))

def cl_duplex(host, port, size, seed):
    print("ok", *duplex(connect(host, port), size, seed))

def srv_sendclose(addr, port, size, seed):
    c = accept_one(addr, port)
    send_stream(c, size, seed)
    c.close()
    print("sent", size)

def cl_sendclose(host, port, size, seed):
    s = connect(host, port)
    send_stream(s, size, seed)
    s.close()
    print("ok sent", size)

def srv_sink(addr, port):
    print(*read_all(accept_one(addr, port)))

def cl_recv(host, port):
    print("ok", *read_all(connect(host, port)))

def cl_noserver(host, port):
    t0 = time.time()
    s = socket.socket(fam(host), socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((host, int(port)))
        got = s.recv(100)
        what = "EOF" if not got else "data %r" % got[:20]
    except ConnectionRefusedError:
        what = "ECONNREFUSED"
    except ConnectionResetError:
        what = "ECONNRESET"
    except socket.timeout:
        what = "timeout"
    dt = time.time() - t0
    ok = what in ("EOF", "ECONNRESET", "ECONNREFUSED") and dt < 2
    print("ok" if ok else "FAIL", what, "after %.3f s" % dt)
    sys.exit(0 if ok else 1)

CMDS = {"expect": expect, "srv-duplex": srv_duplex, "duplex": cl_duplex,
        "srv-sendclose": srv_sendclose, "sendclose": cl_sendclose,
        "srv-sink": srv_sink, "recv": cl_recv, "noserver": cl_noserver}
try:
    CMDS[sys.argv[1]](*sys.argv[2:])
except Exception as e:
    print("FAIL %s: %s: %s" % (sys.argv[1], type(e).__name__, e))
    sys.exit(1)
EOF
chmod 0644 "$TEST_TMP/splice.py"

# expect() - SHA-256 line ("BYTES SHA") of a stream: $1: size, $2: seed
expect() {
	$S expect "$1" "$2"
}

# srv() - Start a server on one side: $1: ns or host, $2: name, rest: command
srv() {
	_side="$1"; _nm="$2"; shift 2
	if [ "$_side" = ns ]; then
		in_ns_bg "$_nm" "$@"
	else
		bg_start "$_nm" as_user "$@"
	fi
}

# cli() - Run a client on one side: $1: ns or host, rest: command
cli() {
	_side="$1"; shift
	if [ "$_side" = ns ]; then
		in_ns "$@"
	else
		as_user "$@"
	fi
}

# port_up() - Wait for a listener: $1: ns or host, $2: port
port_up() {
	if [ "$1" = ns ]; then
		ns_wait_port "$2" 5
	else
		wait_port tcp "$2" 5
	fi || fail "no listener on port $2 ($1)"
}

# Paths: "SERVER-SIDE CLIENT-SIDE PORT-BASE", servers on the ns through -t
# (host client, ports 9000-), on the host through -T (ns client, 7000-)
# other() - The side of the client for a server side
other() {
	[ "$1" = ns ] && echo host || echo ns
}

# base() - First forwarded port of a path: $1: server side
base() {
	[ "$1" = ns ] && echo 9000 || echo 7000
}

N=0
# seq_name() - A unique name for a background process
seq_name() {
	N=$((N + 1))
	echo "$1$N"
}

# big_duplex() - SIZE each way at once: $1: server side, $2: client address,
# $3: port, $4: size, $5: description
big_duplex() {
	_c=$(other "$1")
	_b=$(seq_name dup)
	_e_srv=$(expect "$4" 11)	# what the server receives (client seed)
	_e_cli=$(expect "$4" 22)
	srv "$1" "$_b" $S srv-duplex :: "$3" "$4" 22
	port_up "$1" "$3"
	_t0=$(date +%s%N)
	_r=$(cli "$_c" timeout 200 $S duplex "$2" "$3" "$4" 11)
	_t1=$(date +%s%N)
	check_eq "$_r" "ok $_e_cli" "$5: $(($4 / MIB)) MiB, server to client"
	bg_wait "$_b" 30 || fail "$5: server did not finish: $(bg_log "$_b")"
	check_eq "$(bg_log "$_b")" "$_e_srv" \
		"$5: $(($4 / MIB)) MiB, client to server"
	log "$5: $((2 * $4 / MIB)) MiB moved in $(((_t1 - _t0) / 1000000)) ms"
}

# half_close() - Both half-close cases: $1: server side, $2: client address,
# $3: port, $4: description
half_close() {
	_c=$(other "$1")
	_b=$(seq_name half)
	srv "$1" "$_b" $TCPTOOL srv-halfclose :: "$3"
	port_up "$1" "$3"
	check_ok "$4: client shuts down first, still reads the answer" \
		cli "$_c" timeout 30 $TCPTOOL halfclose "$2" "$3"
	bg_wait "$_b" 10 || fail "$4: half-close server did not finish"

	_b=$(seq_name closefirst)
	srv "$1" "$_b" $TCPTOOL srv-closefirst :: "$3"
	port_up "$1" "$3"
	_r=$(cli "$_c" timeout 30 $TCPTOOL keepsend "$2" "$3")
	echo "$_r" | grep -q '^ok ' || fail "$4: server shuts down first: $_r"
	bg_wait "$_b" 10 || fail "$4: close-first server did not finish"
	check_eq "$(bg_log "$_b")" "${_r#ok }" \
		"$4: server shuts down first, still reads the client's data"
}

# full_close() - One side close()s right after sending 16 MiB: $1: server
# side, $2: client address, $3: port, $4: description
full_close() {
	_c=$(other "$1")
	_sz=$((16 * MIB))
	_b=$(seq_name sendclose)
	srv "$1" "$_b" $S srv-sendclose :: "$3" "$_sz" 33
	port_up "$1" "$3"
	_r=$(cli "$_c" timeout 30 $S recv "$2" "$3")
	check_eq "$_r" "ok $(expect "$_sz" 33)" \
		"$4: server sends 16 MiB and closes first, client reads it all"
	bg_wait "$_b" 10 || fail "$4: server did not finish: $(bg_log "$_b")"

	_b=$(seq_name sink)
	srv "$1" "$_b" $S srv-sink :: "$3"
	port_up "$1" "$3"
	check_ok "$4: client sends 16 MiB and closes first" \
		cli "$_c" timeout 30 $S sendclose "$2" "$3" "$_sz" 44
	bg_wait "$_b" 30 || fail "$4: sink did not finish: $(bg_log "$_b")"
	check_eq "$(bg_log "$_b")" "$(expect "$_sz" 44)" \
		"$4: client closes first, server reads it all"
}

# short_conns() - Echo servers on PORT+1 (plain) and the translated port,
# SEQ sequential and PAR parallel connections: $1: server side, $2: client
# address, $3: sequential count, $4: parallel count, $5: description
short_conns() {
	_c=$(other "$1")
	_p=$(($(base "$1") + 1))
	check_ok "$5: $3 connections in sequence" \
		cli "$_c" timeout 200 $TCPTOOL seq "$2" "$_p" "$3"
	check_ok "$5: $4 connections in parallel" \
		cli "$_c" timeout 100 $TCPTOOL par "$2" "$_p" "$4"
	check_ok "$5: translated port $(($(base "$1") + 10)) -> $(($(base "$1") + 20))" \
		cli "$_c" timeout 30 $TCPTOOL seq "$2" $(($(base "$1") + 10)) 3
}

# noserver() - Nothing listens on the other side of PORT+9: $1: server
# side, $2: client address, $3: description
noserver() {
	check_ok "$3: nothing listening behind port $(($(base "$1") + 9))" \
		cli "$(other "$1")" timeout 10 $S noserver "$2" $(($(base "$1") + 9))
}

# count_log() - Count lines of the daemon log matching an extended regexp
count_log() {
	grep -cE "$1" "$PLOG"
}

# pasta_fds() - Count pasta's open file descriptors
pasta_fds() {
	ls "/proc/$(bg_pid pasta)/fd" | wc -l
}

# fds_back() - Are pasta's descriptors back to (at most) $1?
fds_back() {
	[ "$(pasta_fds)" -le "$1" ]
}

# echo_servers() - Echo servers behind PORT+1 and the translated port,
# $1: side, $2: name suffix
echo_servers() {
	_bp=$(base "$1")
	srv "$1" "echo1$2" $TCPTOOL srv-echo :: $((_bp + 1))
	srv "$1" "echo20$2" $TCPTOOL srv-echo :: $((_bp + 20))
	port_up "$1" $((_bp + 1))
	port_up "$1" $((_bp + 20))
}

# ---------------------------------------------------------------- spliced

pasta_start pasta --config-net -d -l "$PLOG" --log-size $((64 * MIB)) \
	--dns "$DNS4" -t 9000-9009 -t 9010:9020 -T 7000-7009 -T 7010:7020 \
	-u none -U none
for p in 9000 9001 9009 9010; do
	wait_port tcp "$p" 5 || fail "pasta does not listen on TCP $p"
done
for p in 7000 7001 7009 7010; do
	ns_wait_port "$p" 5 || fail "pasta does not listen on TCP $p in ns"
done
FDS0=$(pasta_fds)
log "pasta has $FDS0 descriptors open at rest"

echo_servers ns ""
echo_servers host ""

# -t: host loopback -> namespace; -T: namespace loopback -> host loopback
for side in ns host; do
	if [ "$side" = ns ]; then what="-t (host lo -> ns)"; else
		what="-T (ns lo -> host lo)"; fi
	p=$(base "$side")

	before=$(count_log 'TCP spliced\): established')
	big_duplex "$side" 127.0.0.1 "$p" "$GIB" "$what, IPv4"
	big_duplex "$side" ::1 "$p" $((100 * MIB)) "$what, IPv6"
	after=$(count_log 'TCP spliced\): established')
	check_eq "$((after - before))" 2 \
		"$what: both transfers logged as 'TCP spliced' connections"

	short_conns "$side" 127.0.0.1 1000 200 "$what, IPv4"
	short_conns "$side" ::1 100 50 "$what, IPv6"
	half_close "$side" 127.0.0.1 "$p" "$what, IPv4"
	half_close "$side" ::1 "$p" "$what, IPv6"
	full_close "$side" 127.0.0.1 "$p" "$what, IPv4"
	noserver "$side" 127.0.0.1 "$what, IPv4"
	noserver "$side" ::1 "$what, IPv6"
	daemon_alive pasta
done

# Every connection above went through the splice path: by side, 2 transfers,
# 1000 + 3 + 100 + 3 echo in sequence, 200 + 50 parallel, 4 half-close,
# 2 full close; plus the translated target ports
n_in=$(count_log 'TCP spliced\): established \(spliced\) \[HOST .* \| SPLICE ')
n_out=$(count_log 'TCP spliced\): established \(spliced\) \[SPLICE .* \| HOST ')
want=$((2 + 1000 + 3 + 100 + 3 + 200 + 50 + 4 + 2))
check "at least $want spliced connections from the host (-t): $n_in" \
	[ "$n_in" -ge "$want" ]
check "at least $want spliced connections from the namespace (-T): $n_out" \
	[ "$n_out" -ge "$want" ]
check "translated -t port reached port 9020 in the namespace" \
	grep -qE 'TCP spliced\): established \(spliced\) \[HOST .*:9010 \| SPLICE .* -> 127\.0\.0\.1:9020\]' "$PLOG"
check "translated -T port reached port 7020 on the host" \
	grep -qE 'TCP spliced\): established \(spliced\) \[SPLICE .*:7010 \| HOST .* -> 127\.0\.0\.1:7020\]' "$PLOG"
check_not "no TAP flow from the host's loopback on spliced ports" \
	grep -qE 'Flow [0-9]+ \(TCP\): .*\[HOST (127\.0\.0\.1|::1):' "$PLOG"

wait_for 15 fds_back "$FDS0" ||
	fail "pasta holds $(pasta_fds) descriptors 15 s after all connections closed, $FDS0 before"
log "ok: pasta's descriptors back to $(pasta_fds)"

daemon_alive pasta
for b in echo1 echo20; do
	bg_stop "$b"
done
pasta_stop pasta
cp "$PLOG" "$TEST_TMP/pasta-spliced.txt"
: >"$PLOG"

# ---------------------------------------------------------------- --no-splice
# The host's loopback goes through the tap: servers in the namespace listen
# on its global addresses too (::, dual-stack). -T has no other path than
# the splice one: not tested here.

pasta_start pasta --config-net --no-splice -d -l "$PLOG" \
	--log-size $((64 * MIB)) --dns "$DNS4" -t 9000-9009 -t 9010:9020 \
	-T none -u none -U none
for p in 9000 9001 9009 9010; do
	wait_port tcp "$p" 5 || fail "pasta does not listen on TCP $p"
done
FDS0=$(pasta_fds)
echo_servers ns "-ns"

what="--no-splice -t (host lo -> ns, tap)"
big_duplex ns 127.0.0.1 9000 $((100 * MIB)) "$what, IPv4"
big_duplex ns ::1 9000 $((20 * MIB)) "$what, IPv6"
short_conns ns 127.0.0.1 1000 200 "$what, IPv4"
short_conns ns ::1 100 50 "$what, IPv6"
half_close ns 127.0.0.1 9000 "$what, IPv4"
half_close ns ::1 9000 "$what, IPv6"
full_close ns 127.0.0.1 9000 "$what, IPv4"
noserver ns 127.0.0.1 "$what, IPv4"
noserver ns ::1 "$what, IPv6"

check_not "--no-splice: no spliced connection in the log" \
	grep -q 'TCP spliced' "$PLOG"
n_tap=$(count_log 'Flow [0-9]+ \(TCP\): established \(inbound\) \[HOST (127\.0\.0\.1|::1):.* \| TAP ')
want=$((2 + 1000 + 3 + 100 + 3 + 200 + 50 + 4 + 2))
check "--no-splice: at least $want host loopback connections through the tap: $n_tap" \
	[ "$n_tap" -ge "$want" ]
wait_for 15 fds_back "$FDS0" ||
	fail "--no-splice: pasta holds $(pasta_fds) descriptors 15 s after all connections closed, $FDS0 before"
log "ok: pasta's descriptors back to $(pasta_fds)"

daemon_alive pasta
pasta_stop pasta

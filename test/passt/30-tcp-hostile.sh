#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/passt/30-tcp-hostile.sh - A guest that sends TCP garbage (issue 6)
#
# passt runs unprivileged with the frame-level client (test/frame/tapclient.c)
# as the guest, building every TCP segment itself. Servers (tcpsrv.py below):
# echo and "source" (sends a pattern stream) in the remote namespace on $FAR4
# and $FAR6, and on the host's loopback, which the gateway address reaches.
# They log every connection: opened, data, how it ended (EOF or reset) and
# the bytes received.
#
# After a baseline (handshake, 1000 bytes echoed, FIN both ways, flow gone;
# IPv4, IPv6, far address and host loopback), scenarios:
#   flags_new    bad flag combinations without a connection: no SYN-ACK, no
#                connection to the server
#   flags_conn   bad flag combinations inside a connection: the segment is
#                dropped or the connection torn down, garbage never becomes
#                data; URG with a pointer is ordinary data
#   syn_data     SYN with data: nothing reaches the server before the
#                handshake, then the data exactly once
#   window       segments far beyond the window, old duplicates, overlapping
#                retransmissions with other content, out of order: the server
#                gets the first copy's bytes once, in order
#   csum         wrong TCP checksums: the segment (data, SYN) is dropped, the
#                good one after it delivered
#   headers      data offsets beyond the segment or below 5, segments cut
#                inside the header, options of bad lengths (data and SYNs)
#   zero_window  the guest's window stays zero for 5 s while the server sends:
#                no data, window probes, no busy loop (CPU time); then it opens
#   rst          RST with wrong sequence numbers in a transfer (RFC 5961:
#                ignored or challenged) and with the right one (gone)
#   flood        5000 SYNs to a closed port and to the echo server, then RSTs:
#                no SYN-ACK from a closed port, no leaked sockets
# After each: passt alive, idle (no CPU used with no traffic: nothing left
# behind spins) and serving a fresh normal connection.
#
# Failures are collected: every scenario runs, the summary lists what failed.
# Current behaviour that is no failure is printed as NOTE lines.
#
# Knobs: TCP_HOSTILE_ONLY="zero_window rst ..." runs only these scenarios
# after the baseline; TCP_HOSTILE_KEEP=DIR copies the logs there at the end
# (passt's debug log, the servers', each client run's).

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_tapclient
need_cmd python3

SOCK="$TEST_TMP/passt.sock"
DLOG="$TEST_TMP/passt-debug.log"
MAC=02:00:00:00:00:01
S="$TEST_TMP/script"
TC_LOG="$TEST_TMP/tapclient.out"
SRV_R="$TEST_TMP/srv_remote.log"	# bg_start output: the servers' events
SRV_L="$TEST_TMP/srv_lo.log"
ECHO_PORTS=7000-7199
SRC_PORTS=9000-9009
CLOSED_PORT=6999			# nothing listens there

FAILS=""
NOTES=""
SPORT=40000	# our source ports, one per connection
ISN=100000	# our initial sequence numbers
EPORT=7000	# echo port, one per connection
SRCPORT=9000	# source port, one per connection

# soft_fail() - Record a failure, go on with the next check
soft_fail() {
	echo "FAIL: $*"
	FAILS="$FAILS
  - $*"
}

# note() - Record current behaviour worth knowing (not a failure)
note() {
	echo "NOTE: $*"
	NOTES="$NOTES
  - $*"
}

# ---- Servers ----

cat >"$TEST_TMP/tcpsrv.py" <<'EOF'
# tcpsrv.py ADDR[,ADDR...] ECHO_FIRST-ECHO_LAST SRC_FIRST-SRC_LAST
# Echo ports echo everything back; source ports send the stream pattern (byte
# at offset o: (o % 251 + (o // 251) * 3) & 0xff, as tapclient's "pat") up to
# 16 MiB, as fast as the peer takes it. One thread. One line per event:
#   PORT N open PEER | PORT N data LEN | PORT N eof|reset total T hex HEX
# T: bytes received (echo) or sent (source); HEX: the first 4 KiB received.
import errno, resource, selectors, socket, sys

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

PERIOD = 251 * 256
PAT = bytes((o % 251 + (o // 251) * 3) & 0xff for o in range(PERIOD + 65536))
LIMIT = 16 << 20
HEXMAX = 4096
sel = selectors.DefaultSelector()
nconn = 0


def out(*a):
    print(*a, flush=True)


class Conn:
    def __init__(self, s, port, source):
        global nconn
        nconn += 1
        self.s, self.port, self.n, self.source = s, port, nconn, source
        self.rx, self.total, self.pending, self.eof = b"", 0, b"", False
        self.sent = 0
        self.registered = False
        out(port, self.n, "open", s.getpeername()[0])
        self.update()

    def update(self):
        if self.eof and not self.pending:
            return self.close("eof")
        ev = 0 if self.eof else selectors.EVENT_READ
        if self.pending or (self.source and self.sent < LIMIT):
            ev |= selectors.EVENT_WRITE
        if self.registered:
            sel.modify(self.s, ev, self)
        else:
            sel.register(self.s, ev, self)
            self.registered = True

    def close(self, how):
        if self.registered:
            sel.unregister(self.s)
        self.s.close()
        t = self.sent if self.source else self.total
        out(self.port, self.n, how, "total", t, "hex", self.rx.hex() or "-")

    def event(self, mask):
        try:
            if mask & selectors.EVENT_READ:
                d = self.s.recv(65536)
                if not d:
                    self.eof = True
                else:
                    out(self.port, self.n, "data", len(d))
                    self.total += len(d)
                    if len(self.rx) < HEXMAX:
                        self.rx += d[:HEXMAX - len(self.rx)]
                    if not self.source:
                        self.pending += d
            if mask & selectors.EVENT_WRITE:
                if self.source:
                    off = self.sent % PERIOD
                    n = min(65536, LIMIT - self.sent)
                    self.sent += self.s.send(PAT[off:off + n])
                elif self.pending:
                    n = self.s.send(self.pending)
                    self.pending = self.pending[n:]
        except (ConnectionResetError, BrokenPipeError):
            return self.close("reset")
        except BlockingIOError:
            pass
        except OSError as e:
            return self.close("error-" + errno.errorcode.get(e.errno, "?"))
        self.update()


def ports(spec):
    a, b = map(int, spec.split("-"))
    return range(a, b + 1)


def main():
    srcs = set(ports(sys.argv[3]))
    for a in sys.argv[1].split(","):
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        for port in list(ports(sys.argv[2])) + sorted(srcs):
            ls = socket.socket(fam, socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if fam == socket.AF_INET6:
                ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            ls.bind((a, port))
            ls.listen(4096)
            ls.setblocking(False)
            sel.register(ls, selectors.EVENT_READ, (ls, port))
    out("ready")
    while True:
        for key, mask in sel.select():
            if isinstance(key.data, tuple):
                ls, port = key.data
                for _ in range(256):
                    try:
                        s, _a = ls.accept()
                    except (BlockingIOError, ConnectionAbortedError):
                        break
                    s.setblocking(False)
                    Conn(s, port, port in srcs)
            else:
                key.data.event(mask)


main()
EOF

bg_start srv_remote run_remote python3 "$TEST_TMP/tcpsrv.py" "$FAR4,$FAR6" \
	"$ECHO_PORTS" "$SRC_PORTS"
bg_start srv_lo python3 "$TEST_TMP/tcpsrv.py" "127.0.0.1,::1" \
	"$ECHO_PORTS" "$SRC_PORTS"
wait_for 10 grep -q ready "$SRV_R" || fail "remote server did not start"
wait_for 10 grep -q ready "$SRV_L" || fail "loopback server did not start"

bg_start passt as_user "$PASST" -f -d -l "$DLOG" --log-size 268435456 \
	-s "$SOCK" --dns "$DNS4"
wait_for 10 test -S "$SOCK" || fail "passt did not create $SOCK"
PID=$(bg_pid passt)

# ---- Helpers ----

# pat_hex() - Hex of the stream pattern: $1 offset, $2 length
pat_hex() {
	python3 -c 'import sys
o, n = int(sys.argv[1]), int(sys.argv[2])
print(bytes((k % 251 + (k // 251) * 3) & 0xff
	    for k in range(o, o + n)).hex())' "$1" "$2"
}

# srv_log() - The log of the server a destination address reaches
srv_log() {
	case "$1" in
	"$GW4"|"$GW6")	echo "$SRV_L" ;;
	*)		echo "$SRV_R" ;;
	esac
}

# srv_end() - How the last connection to a port ended: "eof|reset T HEX",
# empty if it did not end (yet). $1: log, $2: port
srv_end() {
	awk -v p="$2" '$1 == p && ($3 == "eof" || $3 == "reset" ||
		$3 ~ /^error/) { r = $3 " " $5 " " $7 } END { print r }' "$1"
}

# srv_opens() - How many connections a port got: $1 log, $2 port
srv_opens() {
	awk -v p="$2" '$1 == p && $3 == "open" { n++ } END { print n + 0 }' "$1"
}

# srv_ends() - How many connections to a port ended: $1 log, $2 port
srv_ends() {
	awk -v p="$2" '$1 == p && $3 != "open" && $3 != "data" { n++ }
		END { print n + 0 }' "$1"
}

# wait_end() - Wait until the last connection to a port ended, print how
# $1: log, $2: port, $3: seconds
wait_end() {
	_n=$(($3 * 10))
	while [ $_n -gt 0 ]; do
		_e=$(srv_end "$1" "$2")
		[ -n "$_e" ] && { echo "$_e"; return 0; }
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# ticks_of() - utime + stime in a copy of /proc/PID/stat: $1 file
ticks_of() {
	sed 's/.*) //' "$1" | awk '{ print $12 + $13 }'
}

# cpu_ticks() - utime + stime of a process, in clock ticks: $1 PID
cpu_ticks() {
	ticks_of "/proc/$1/stat"
}

# fd_count() - Open file descriptors of a process: $1 PID
fd_count() {
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# ---- Client scripts ----

# begin() - Start a script: learn the gateway's MAC for IPv4 and IPv6
begin() {
	cat >"$S" <<-EOF
		arp-request $MAC $HOST4 $GW4
		expect arp-reply $GW4 save-mac GW
		ns6 $MAC $HOST6 $GW6
		expect na6 $GW6 save-mac GW6
	EOF
}

# conn() - Name a connection: $1 name, $2 destination, $3 port
# Script variables: NAME_i our ISN; after handshake, NAME_r the peer's ISN
conn() {
	SPORT=$((SPORT + 1))
	ISN=$((ISN + 7919013))
	case "$2" in
	*:*)	_src=$HOST6; _gw=@GW6 ;;
	*)	_src=$HOST4; _gw=@GW ;;
	esac
	cat >>"$S" <<-EOF
		tcp-conn $1 $MAC $_gw $_src $2 $SPORT $3
		set $1_i $ISN
	EOF
}

# handshake() - $1 name, $2 window in our ACK (default 65535, scale 7)
handshake() {
	cat >>"$S" <<-EOF
		send-tcp $1 flags S seq $1_i win 65535 mss 1460 ws 7 sackok
		expect tcp $1 flags SA ack $1_i+1 save-seq $1_r
		send-tcp $1 seq $1_i+1 ack $1_r+1 win ${2:-65535}
	EOF
}

# echo_data() - Send pattern bytes, get them back
# $1 name, $2 stream offset (bytes sent before), $3 length (up to 1460)
echo_data() {
	cat >>"$S" <<-EOF
		send-tcp $1 flags PA seq $1_i+1+$2 ack $1_r+1+$2 pat $3 $2
		tcp-recv $1 $1_r+1+$2 pat $3 $2 ack $1_i+1+$2+$3 mss 1460
	EOF
}

# close_conn() - FIN both ways, then check that the flow is gone: one more
# ACK gets a RST (after a pause: in the same batch as the last ACK, passt
# would drop it with the flow). $1 name, $2 bytes sent (and echoed)
close_conn() {
	cat >>"$S" <<-EOF
		send-tcp $1 flags FA seq $1_i+1+$2 ack $1_r+1+$2
		expect tcp $1 has F seq $1_r+1+$2 ack $1_i+2+$2
		send-tcp $1 seq $1_i+2+$2 ack $1_r+2+$2
		sleep 50
		send-tcp $1 seq $1_i+2+$2 ack $1_r+2+$2
		expect tcp $1 flags R seq $1_r+2+$2
	EOF
}

# run_tc() - Run the client on the script: $1 what it is
# Return: its exit status; output in $TC_LOG, a failure recorded. On a
# failure, the client resets the script's connections (-r): nothing left
# behind disturbs the next scenarios.
run_tc() {
	"$TAPCLIENT" -r -t 3000 "$SOCK" "$S" >"$TC_LOG" 2>&1
	_rc=$?
	cp "$TC_LOG" "$TEST_TMP/tc-$(echo "$1" | tr -c 'a-zA-Z0-9\n' -).out"
	if [ $_rc -ne 0 ]; then
		tail -n 8 "$TC_LOG" | sed 's/^/    /'
		_why=$(grep -m1 -E '^FAIL|^tapclient:' "$TC_LOG")
		soft_fail "$1: ${_why:-tapclient status $_rc}"
	fi
	return $_rc
}

# check_srv() - The last connection to a port ended as expected
# $1 what, $2 destination, $3 port, $4 expected "eof|reset TOTAL HEX"
check_srv() {
	_got=$(wait_end "$(srv_log "$2")" "$3" 3)
	if [ "$_got" != "$4" ]; then
		soft_fail "$1: server on port $3 saw" \
			"'$(echo "$_got" | cut -c1-100)...', expected" \
			"'$(echo "$4" | cut -c1-100)...'"
		return 1
	fi
	log "ok: $1: server on port $3: $(echo "$_got" | cut -c1-40)..."
}

# normal() - A complete, normal connection: $1 what, $2 destination
normal() {
	EPORT=$((EPORT + 1))
	begin
	conn n "$2" $EPORT
	handshake n
	echo_data n 0 1000
	close_conn n 1000
	run_tc "$1: normal connection to $2" &&
		check_srv "$1: normal connection to $2" "$2" $EPORT \
			"eof 1000 $(pat_hex 0 1000)"
}

# idle_check() - With no traffic, passt must not use the CPU: nothing a
# scenario left behind (connections half closed, stalled, never completed)
# may spin. $1: what came before
idle_check() {
	_t0=$(cpu_ticks "$PID")
	sleep 1
	_t1=$(cpu_ticks "$PID")
	if [ $((_t1 - _t0)) -gt $(($(getconf CLK_TCK) / 10)) ]; then
		soft_fail "$1: passt used $((_t1 - _t0)) CPU ticks in 1 s" \
			"with no traffic afterwards (busy loop)"
		return 1
	fi
	log "ok: $1: passt idle afterwards ($((_t1 - _t0)) ticks in 1 s)"
}

# after() - passt must be alive, idle, and serve a fresh connection
# $1 scenario, $2 destination (default $FAR4)
after() {
	bg_alive passt || fail "passt died during: $1"
	idle_check "$1"
	normal "after $1" "${2:-$FAR4}"
	bg_alive passt || fail "passt died after: $1"
}

# ==== Scenarios ====

# Bad flag combinations without a connection: no SYN-ACK, nothing reaches
# the server (passt may answer RST or drop)
scen_flags_new() {
	log "== bad flags, no connection yet: no SYN-ACK, no connection made"
	begin
	_ports=""
	for _f in SF SR FSRPAUEC none F FP U UP RA; do
		EPORT=$((EPORT + 1))
		_ports="$_ports $EPORT:$_f"
		conn b "$FAR4" $EPORT
		cat >>"$S" <<-EOF
			echo == flags $_f to port $EPORT
			send-tcp b flags $_f seq b_i mss 1460 urg 3 data 42414421
			count 300 0 0 tcp b has S
		EOF
	done
	run_tc "bad flags on new connections"
	for _pf in $_ports; do
		[ "$(srv_opens "$SRV_R" "${_pf%%:*}")" = 0 ] ||
			soft_fail "flags ${_pf#*:} without a connection" \
				"opened one to the server (port ${_pf%%:*})"
	done
	after "bad flags on new connections" "$FAR6"
}

# Bad flag combinations inside a connection. Per case: 100 bytes echoed,
# the bad segment carrying "BAD!" where the next bytes go, the right next
# 100 bytes, FIN. The server must see a reset (torn down) or exactly the 200
# good bytes (dropped): RFC 9293 3.10.7.4 drops segments without ACK, and
# RFC 5961 4 answers a SYN in a synchronized state with a challenge ACK.
scen_flags_conn() {
	log "== bad flags inside a connection: dropped or torn down"
	begin
	_cases=""
	for _f in SF S none F FP P SR FSRPAUEC; do
		EPORT=$((EPORT + 1))
		_cases="$_cases $EPORT:$_f"
		conn c "$FAR4" $EPORT
		handshake c
		echo_data c 0 100
		cat >>"$S" <<-EOF
			echo == flags $_f inside the connection to port $EPORT
			send-tcp c flags $_f seq c_i+101 ack c_r+101 data 42414421
			sleep 50
			send-tcp c flags PA seq c_i+101 ack c_r+101 pat 100 100
			sleep 50
			send-tcp c flags FA seq c_i+201 ack c_r+101
			drain 200
		EOF
	done
	run_tc "bad flags inside connections"
	_good="$(pat_hex 0 200)"
	for _pf in $_cases; do
		_p=${_pf%%:*}
		_f=${_pf#*:}
		_e=$(wait_end "$SRV_R" "$_p" 3)
		_w="flags $_f inside a connection"
		case "$_e" in
		"eof 200 $_good")
			log "ok: $_w: dropped" ;;
		reset*)	log "ok: $_w: torn down" ;;
		"")	soft_fail "$_w: connection to port $_p neither closed" \
				"nor reset" ;;
		*)	soft_fail "$_w: garbage became data: the server got" \
				"'$(echo "$_e" | cut -c1-16)... (bytes 100..:" \
				"$(echo "$_e" | cut -d' ' -f3 | cut -c201-216)...)'," \
				"expected the segment dropped or the connection" \
				"reset" ;;
		esac
	done

	# URG is no garbage: urgent data is ordinary data to the socket
	EPORT=$((EPORT + 1))
	begin
	conn u "$FAR4" $EPORT
	handshake u
	cat >>"$S" <<-EOF
		send-tcp u flags UAP urg 50 seq u_i+1 ack u_r+1 pat 100 0
		tcp-recv u u_r+1 pat 100 0 ack u_i+101 mss 1460
		send-tcp u flags UA urg 65535 seq u_i+101 ack u_r+101 pat 100 100
		tcp-recv u u_r+101 pat 100 100 ack u_i+201 mss 1460
	EOF
	close_conn u 200
	run_tc "URG with urgent pointer" &&
		check_srv "URG with urgent pointer" "$FAR4" $EPORT \
			"eof 200 $(pat_hex 0 200)"
	after "bad flags inside connections"
}

# SYN with data: passt connects first; the data must not reach the server
# before the handshake. passt may take it (then the SYN-ACK acknowledges
# it) or not (the guest sends it again): either way it arrives once.
scen_syn_data() {
	log "== SYN with data: nothing before the handshake, then once"
	EPORT=$((EPORT + 1))
	begin
	conn d "$FAR4" $EPORT
	cat >>"$S" <<-EOF
		send-tcp d flags S seq d_i win 65535 mss 1460 ws 7 pat 20 0
		expect tcp d flags SA save-seq d_r save-ack d_a
		sh echo @d_r @d_a > $TEST_TMP/synack
		sleep 300
		sh ! grep -q "^$EPORT [0-9]* data" $SRV_R
		send-tcp d seq d_a ack d_r+1
	EOF
	run_tc "SYN with data: handshake"
	grep -q "^FAIL.*sh:" "$TC_LOG" &&
		soft_fail "SYN with data: the data reached the server before" \
			"the handshake completed"
	read -r _r _a 2>/dev/null <"$TEST_TMP/synack" || return
	_isn=$(sed -n 's/^set d_i //p' "$S")
	case $(( (_a - _isn - 1) & 0xffffffff )) in
	0)	log "ok: SYN with data: SYN-ACK acknowledges the SYN only"
		_off=0 ;;
	20)	note "SYN with data: passt took the SYN's 20 bytes"
		_off=20 ;;
	*)	soft_fail "SYN with data: SYN-ACK acknowledges $_a, ISN $_isn"
		return ;;
	esac
	# Same connection, a new client run: the guest goes on from what was
	# acknowledged, the server must get each byte once
	begin
	cat >>"$S" <<-EOF
		tcp-conn d $MAC @GW $HOST4 $FAR4 $SPORT $EPORT
		set d_i $_isn
		set d_r $_r
		send-tcp d flags PA seq d_i+1+$_off ack d_r+1 pat $((1000 - _off)) $_off
		tcp-recv d d_r+1 pat 1000 0 ack d_i+1001 mss 1460
	EOF
	close_conn d 1000
	run_tc "SYN with data: data after the handshake" &&
		check_srv "SYN with data" "$FAR4" $EPORT \
			"eof 1000 $(pat_hex 0 1000)"
	after "SYN with data" "$GW4"
}

# Sequence numbers: beyond the window, old duplicates, overlaps
scen_window() {
	log "== beyond the window, old duplicates, overlapping retransmissions"
	EPORT=$((EPORT + 1))
	begin
	conn w "$FAR4" $EPORT
	handshake w
	echo_data w 0 100
	cat >>"$S" <<-EOF
		echo == far beyond the window: dropped, ACK with what we expect
		send-tcp w flags PA seq w_i+101+1073741824 ack w_r+101 fill 10 70
		expect tcp w flags A ack w_i+101 len 0
		send-tcp w flags PA seq w_i+101+16777216 ack w_r+101 fill 10 70
		expect tcp w flags A ack w_i+101 len 0
		echo == old duplicate, other content; a very old one: dropped
		send-tcp w flags PA seq w_i+1 ack w_r+1 fill 100 88
		expect tcp w flags A ack w_i+101 len 0
		send-tcp w flags PA seq w_i+1-100000 ack w_r+101 fill 10 89
		expect tcp w flags A ack w_i+101 len 0
		echo == new data, then an overlapping copy with other content
		send-tcp w flags PA seq w_i+101 ack w_r+101 pat 100 100
		tcp-recv w w_r+101 pat 100 100 ack w_i+201 mss 1460
		send-tcp w flags PA seq w_i+151 ack w_r+201 fill 50 90 pat 50 200
		tcp-recv w w_r+201 pat 50 200 ack w_i+251 mss 1460
		echo == out of order: a later segment first, then the hole
		send-tcp w flags PA seq w_i+301 ack w_r+251 pat 50 300
		expect tcp w flags A ack w_i+251 len 0
		send-tcp w flags PA seq w_i+251 ack w_r+251 pat 100 250
		tcp-recv w w_r+251 pat 100 250 ack w_i+351 mss 1460
	EOF
	close_conn w 350
	run_tc "window, duplicates, overlaps" &&
		check_srv "window, duplicates, overlaps" "$FAR4" $EPORT \
			"eof 350 $(pat_hex 0 350)"
	after "window, duplicates, overlaps" "$FAR6"
}

# Wrong TCP checksums, over IPv4 and IPv6: passt verifies them and drops
# the segment. Data: a segment with a wrong checksum, then the same sequence
# with a right one: the server must get "GOOD-DATA", not "CSUM-BAD!".
scen_csum() {
	log "== wrong TCP checksums"
	_bad=4353554d2d42414421
	_good=474f4f442d44415441
	for _dst in $FAR4 $FAR6; do
		EPORT=$((EPORT + 1))
		begin
		conn k "$_dst" $EPORT
		handshake k
		echo_data k 0 100
		_sa="seq k_i+101 ack k_r+101"
		cat >>"$S" <<-EOF
			send-tcp k flags PA $_sa bad-csum data $_bad
			sleep 100
			send-tcp k flags PA $_sa data $_good
			tcp-recv k k_r+101 any 9 ack k_i+110
		EOF
		close_conn k 109
		run_tc "wrong checksum to $_dst" || continue
		_e=$(wait_end "$SRV_R" $EPORT 3)
		case "$_e" in
		"eof 109 $(pat_hex 0 100)$_good")
			log "ok: segment with a wrong checksum dropped ($_dst)" ;;
		*)	soft_fail "wrong checksum to $_dst: the server saw" \
				"'$(echo "$_e" | cut -c1-60)...'" ;;
		esac
	done

	# A SYN with a wrong checksum: nothing
	EPORT=$((EPORT + 1))
	begin
	conn k2 "$FAR4" $EPORT
	cat >>"$S" <<-EOF
		send-tcp k2 flags S seq k2_i win 65535 mss 1460 bad-csum
		count 500 0 1 tcp k2 flags SA
		sh echo @count > $TEST_TMP/count
		send-tcp k2 flags R seq k2_i+1
	EOF
	if run_tc "SYN with a wrong checksum"; then
		if [ "$(cat "$TEST_TMP/count")" = 1 ]; then
			soft_fail "SYN with a wrong TCP checksum: passt" \
				"connected to the server, answered a SYN-ACK"
		elif [ "$(srv_opens "$SRV_R" $EPORT)" != 0 ]; then
			soft_fail "SYN with a wrong TCP checksum: the server" \
				"got a connection"
		else
			log "ok: SYN with a wrong checksum dropped"
		fi
	fi
	after "wrong checksums"
}

# Malformed TCP headers: dropped. Options of bad length: ignored, the
# segment (data, SYN) handled; without a valid MSS option the guest's MSS is
# 536 (RFC 9293 3.7.1), so no segment to it may be larger.
scen_headers() {
	log "== truncated TCP headers, bad data offsets: dropped"
	for _fam in 4 6; do
		[ $_fam = 4 ] && _dst=$FAR4 || _dst=$FAR6
		EPORT=$((EPORT + 1))
		begin
		conn t "$_dst" $EPORT
		handshake t
		echo_data t 0 100
		# The last one is a valid, short segment: 5 bytes "TTTTT"
		for _mod in "doff 15" "doff 15 fill 10 84" "doff 4 fill 10 84" \
			    "doff 0 fill 10 84" "doff 1 fill 10 84" "cut 19" \
			    "cut 10" "cut 1" "cut 0" "mss 1460 doff 6 cut 22" \
			    "doff 8 fill 10 84 cut 31" "fill 10 84 cut 25"; do
			echo "send-tcp t flags PA seq t_i+101 ack t_r+101 $_mod"
		done >>"$S"
		# Then 100 bytes overlapping those 5 with other content
		cat >>"$S" <<-EOF
			tcp-recv t t_r+101 fill 5 84 ack t_i+106 mss 1460
			send-tcp t flags PA seq t_i+101 ack t_r+106 fill 5 85 pat 95 105
			tcp-recv t t_r+106 pat 95 105 ack t_i+201 mss 1460
		EOF
		close_conn t 200
		run_tc "truncated headers, IPv$_fam" &&
			check_srv "truncated headers, IPv$_fam" "$_dst" $EPORT \
			"eof 200 $(pat_hex 0 100)5454545454$(pat_hex 105 95)"
	done

	log "== options of bad length in data segments: the data goes through"
	EPORT=$((EPORT + 1))
	begin
	conn o "$FAR4" $EPORT
	handshake o
	_off=0
	for _opt in 0200 0201 02ff05b4 01010102 080a0000 0303 ff 0000ff04; do
		_q="o_i+1+$_off"
		_a="o_r+1+$_off"
		cat >>"$S" <<-EOF
			send-tcp o flags PA seq $_q ack $_a opt $_opt pat 10 $_off
			tcp-recv o $_a pat 10 $_off ack $_q+10
		EOF
		_off=$((_off + 10))
	done
	close_conn o $_off
	run_tc "bad option lengths in data segments" &&
		check_srv "bad option lengths in data segments" "$FAR4" $EPORT \
			"eof $_off $(pat_hex 0 $_off)"

	log "== SYNs with options of bad length or value: MSS 536"
	# MSS with length 0, 1, beyond the header, a kind without length, a
	# cut timestamp, window scale of length 3 cut, kind 255 of length 0,
	# MSS of value 0 (no MSS: RFC 9293 3.7.1, as Linux does), MSS of
	# length 3
	for _opt in 0200 0201 02ff05b4 01010102 080a0000 0303 ff 0204 020305b4
	do
		EPORT=$((EPORT + 1))
		begin
		conn s "$FAR4" $EPORT
		cat >>"$S" <<-EOF
			echo == SYN with options $_opt
			send-tcp s flags S seq s_i win 65535 opt $_opt
			expect tcp s flags SA ack s_i+1 save-seq s_r
			send-tcp s seq s_i+1 ack s_r+1
			send-tcp s flags PA seq s_i+1 ack s_r+1 pat 1000 0
			tcp-recv s s_r+1 pat 1000 0 ack s_i+1001 mss 536
		EOF
		close_conn s 1000
		run_tc "SYN with options $_opt" &&
			check_srv "SYN with options $_opt" "$FAR4" $EPORT \
				"eof 1000 $(pat_hex 0 1000)"
	done
	after "truncated headers and bad options" "$GW6"
}

# The guest's window stays zero while the server sends: passt sends no
# data, probes the window, and doesn't spin. Then the window opens and the
# data flows from the first byte; the guest's RST resets the server. Also,
# a guest that doesn't acknowledge what it got: no spinning either.
scen_zero_window() {
	log "== zero window held for 5 s while the server sends"
	SRCPORT=$((SRCPORT + 1))
	begin
	conn z "$FAR4" $SRCPORT
	handshake z 0
	cat >>"$S" <<-EOF
		forbid tcp z len>= 1
		sleep 500
		sh cat /proc/$PID/stat > $TEST_TMP/stat0
		count 5000 2 30 tcp z seq z_r len 0
		sh cat /proc/$PID/stat > $TEST_TMP/stat1
		sh echo @count > $TEST_TMP/count
		forbid-clear
		echo == window open: the data flows, from the first byte
		send-tcp z seq z_i+1 ack z_r+1 win 64
		tcp-recv z z_r+1 pat 50000 0 ack z_i+1 win 64 mss 1460 more
		send-tcp z flags R seq z_i+1
	EOF
	if run_tc "zero window"; then
		_t=$(($(ticks_of "$TEST_TMP/stat1") -
		      $(ticks_of "$TEST_TMP/stat0")))
		log "zero window: passt used $_t CPU ticks" \
			"($(getconf CLK_TCK)/s) in 5 s," \
			"$(cat "$TEST_TMP/count") window probes"
		[ $_t -le $(($(getconf CLK_TCK) / 4)) ] ||
			soft_fail "zero window: passt used $_t CPU ticks in 5 s"
		_e=$(wait_end "$SRV_R" $SRCPORT 3)
		case "$_e" in
		reset*)	log "ok: zero window: server saw the reset" ;;
		*)	soft_fail "zero window: the server saw '$_e' after" \
				"our RST" ;;
		esac
	fi

	# Data sent to the guest, not acknowledged yet, nothing new to send:
	# passt waits for the ACK (retransmitting on timeout), without spinning
	log "== data not acknowledged for 3 s (a stalled guest): no busy loop"
	EPORT=$((EPORT + 1))
	begin
	conn y "$FAR4" $EPORT
	handshake y
	cat >>"$S" <<-EOF
		send-tcp y flags PA seq y_i+1 ack y_r+1 pat 1000 0
		tcp-recv y y_r+1 pat 1000 0 mss 1460
		sh cat /proc/$PID/stat > $TEST_TMP/stat0
		count 3000 0 5 tcp y seq y_r+1 len 1000
		sh cat /proc/$PID/stat > $TEST_TMP/stat1
		send-tcp y seq y_i+1001 ack y_r+1001
	EOF
	close_conn y 1000
	if run_tc "unacknowledged data"; then
		_t=$(($(ticks_of "$TEST_TMP/stat1") -
		      $(ticks_of "$TEST_TMP/stat0")))
		log "unacknowledged data: passt used $_t CPU ticks in 3 s"
		[ $_t -le $(($(getconf CLK_TCK) / 4)) ] ||
			soft_fail "unacknowledged data: passt used $_t CPU" \
				"ticks in 3 s (busy loop)"
		check_srv "unacknowledged data" "$FAR4" $EPORT \
			"eof 1000 $(pat_hex 0 1000)"
	fi
	after "zero window"
}

# RST in the middle of a transfer. Wrong sequence number (RFC 5961 3.2): out
# of the window, ignored; in the window but not the next one, a challenge
# ACK; either way the transfer goes on. The right one: the connection is
# gone, the server sees a reset (or EOF), a later segment gets a RST.
scen_rst() {
	log "== RST with wrong sequence numbers in a transfer: no teardown"
	SRCPORT=$((SRCPORT + 1))
	begin
	conn r "$FAR4" $SRCPORT
	handshake r 64
	cat >>"$S" <<-EOF
		tcp-recv r r_r+1 pat 20000 0 ack r_i+1 win 64 mss 1460 more save-end E
		echo == RST far out of the window
		send-tcp r flags R seq r_i+1+1073741824
		echo == RST in the window, not the next sequence number
		send-tcp r flags R seq r_i+1+1000
		send-tcp r flags RA seq r_i+1-1000 ack E
		sleep 300
		sh ! grep -q "^$SRCPORT [0-9]* reset" $SRV_R
		echo == the transfer goes on
		tcp-recv r E pat 20000 20000 ack r_i+1 win 64 mss 1460 more
		send-tcp r flags R seq r_i+1
	EOF
	if ! run_tc "RST with a wrong sequence number" &&
	   grep -q "^FAIL.*sh:" "$TC_LOG"; then
		soft_fail "RST with a wrong sequence number: the server saw a" \
			"reset: passt tore the connection down"
	fi

	log "== RST with the right sequence number: connection gone"
	SRCPORT=$((SRCPORT + 1))
	begin
	conn q "$FAR4" $SRCPORT
	handshake q 64
	cat >>"$S" <<-EOF
		tcp-recv q q_r+1 pat 20000 0 ack q_i+1 win 64 mss 1460 more save-end E
		send-tcp q flags R seq q_i+1
		sleep 200
		send-tcp q seq q_i+1 ack E
		expect tcp q flags R seq E
	EOF
	if run_tc "RST with the right sequence number"; then
		_e=$(wait_end "$SRV_R" $SRCPORT 3)
		case "$_e" in
		reset*|eof*)	log "ok: RST: the server saw: ${_e%% *}" ;;
		*)		soft_fail "RST: the server saw '$_e'" ;;
		esac
	fi
	after "RST" "$FAR6"
}

# 5000 SYNs from different ports to a closed port and to the echo server.
# passt may answer (RST, SYN-ACK) or drop, but a closed port never gets a
# SYN-ACK; the guest's RSTs (sequence ISN + 1) then end every half-open
# connection: the server sees each end, passt's descriptors go back.
scen_flood() {
	log "== 5000 SYNs to a closed port and to the echo server"
	_fd0=$(fd_count "$PID")
	EPORT=$((EPORT + 1))
	_fport=$EPORT
	begin
	conn f0 "$FAR4" $CLOSED_PORT
	conn f1 "$FAR4" $_fport
	cat >>"$S" <<-EOF
		tcp-flood f0 5000 20000 3000000000 2000
		assert flood_synack == 0
		sh echo @flood_rst > $TEST_TMP/flood0
		tcp-flood f1 5000 30000 1000000000 5000
		sh echo @flood_synack @flood_rst @flood_none > $TEST_TMP/flood
		tcp-flood f1 5000 30000 1000000000 1000 rst
	EOF
	_t0=$(date +%s)
	run_tc "SYN flood"
	log "SYN flood took $(($(date +%s) - _t0)) s:"
	sed -n 's/^flood: /#   /p' "$TC_LOG"
	bg_alive passt || fail "passt died in the SYN flood"
	_rst0=$(cat "$TEST_TMP/flood0" 2>/dev/null)
	[ "${_rst0:-0}" -lt 5000 ] &&
		note "SYN flood: $((5000 - ${_rst0:-0})) of 5000 SYNs to a" \
			"closed port got no RST (passt drops frames when its" \
			"stream socket is full)"
	_synack=$(cut -d' ' -f1 "$TEST_TMP/flood" 2>/dev/null)
	[ "${_synack:-0}" -ge 4000 ] ||
		soft_fail "SYN flood: only ${_synack:-0} of 5000 SYNs to the" \
			"echo server got a SYN-ACK within 5 s"
	_opens=$(srv_opens "$SRV_R" $_fport)
	wait_for 10 sh -c "[ \$(awk -v p=$_fport '\$1 == p && \$3 != \"open\" &&
		\$3 != \"data\"' $SRV_R | wc -l) -ge $_opens ]" ||
		soft_fail "SYN flood: $(srv_ends "$SRV_R" $_fport) of the" \
			"$_opens connections to the server ended"
	wait_for 10 sh -c \
		"[ \$(find /proc/$PID/fd -mindepth 1 | wc -l) -le $_fd0 ]" ||
		soft_fail "SYN flood: passt holds $(fd_count "$PID") file" \
			"descriptors, $_fd0 before (leak)"
	log "SYN flood: server connections $_opens, all ended;" \
		"passt descriptors $_fd0 before, $(fd_count "$PID") after"
	after "SYN flood"
	after "SYN flood" "$GW6"
}

# ==== Run ====

log "== baseline"
for _dst in $FAR4 $FAR6 $GW4 $GW6; do
	normal "baseline" "$_dst"
done
bg_alive passt || fail "passt died during the baseline"
[ -z "$FAILS" ] || fail "the baseline failed:$FAILS"

SCENARIOS="flags_new flags_conn syn_data window csum headers zero_window rst
	   flood"
for _sc in $SCENARIOS; do
	case " ${TCP_HOSTILE_ONLY:-$_sc} " in
	*" $_sc "*)	"scen_$_sc" ;;
	esac
done

bg_alive passt || fail "passt died"
if [ -n "${TCP_HOSTILE_KEEP:-}" ]; then
	mkdir -p "$TCP_HOSTILE_KEEP" &&
		cp "$TEST_TMP"/*.log "$TEST_TMP"/*.out "$TCP_HOSTILE_KEEP"/
fi
[ -z "$NOTES" ] || echo "Current behaviour, not failures:$NOTES"
[ -z "$FAILS" ] || fail "$(echo "$FAILS" | grep -c .) failures:$FAILS"

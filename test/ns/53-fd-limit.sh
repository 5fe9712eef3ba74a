#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/53-fd-limit.sh - pasta out of file descriptors, and back
#
# pasta runs with at most 512 open files (prlimit, soft and hard), and 700
# TCP connections are opened and held through it, one after the other:
# - from the namespace to the remote (a socket each on pasta's side): once
#   descriptors run out, each further connection is refused at once
#   (ECONNREFUSED: pasta answers the SYN with a RST), none hangs
# - from the remote to the namespace (-t 9000: pasta accepts, a socket
#   each): refused too (reset right after the kernel's handshake), none
#   hangs
# Meanwhile pasta says so at most once per 5 s (log.h, LOG_RATELIMIT_SEC),
# not once per refusal, and stays alive. Once the held connections close,
# its descriptors go back to where they were, and new TCP connections and
# new UDP flows work again.

# shellcheck disable=SC2086	# $TCPTOOL is "python3 PATH": split on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
need_daemon
need_cmd python3 nsenter timeout prlimit

LIMIT=512
CONNS=700
LOG="$TEST_TMP/pasta-info.log"
FLOOD="python3 $TOP/test/lib/udpflood.py"

# many.py HOST PORT N RELEASE: N connections one after the other, each
# echoing one line or refused; prints "ok=A refused=R other=O", holds them
# until the file RELEASE exists, closes them all, prints "closed"
cat >"$TEST_TMP/many.py" <<'PY'
import errno, os, resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
host, port, n, release = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4]
held, res = [], {"ok": 0, "refused": 0, "other": 0}
for i in range(n):
    s = None
    try:
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(b"hello %d\n" % i)
        if s.recv(100) == b"hello %d\n" % i:
            res["ok"] += 1
            held.append(s)
            continue
        res["refused"] += 1		# EOF: reset or closed at once
    except (ConnectionRefusedError, ConnectionResetError):
        res["refused"] += 1
    except OSError as e:
        res["other"] += 1
        print("other:", i, e, flush=True)
        if res["other"] > 5:
            break
    if s:
        s.close()
print("ok=%(ok)d refused=%(refused)d other=%(other)d" % res, flush=True)
while not os.path.exists(release):
    time.sleep(0.1)
for s in held:
    s.close()
print("closed", flush=True)
PY

bg_start echo run_remote $TCPTOOL srv-echo :: 7000
bg_start uecho run_remote python3 "$TOP/test/lib/udpecho.py" "$FAR4" 5002
wait_port -r tcp 7000 5 && wait_port -r udp 5002 5 ||
	fail "remote servers not up"

pasta_start_nofile "$LIMIT" pasta --config-net --dns "$DNS4" -l "$LOG" \
	-t 9000
PID=$(bg_pid pasta)
in_ns_bg nsecho $TCPTOOL srv-echo :: 9000
ns_wait_port 9000 5 || fail "echo server not up in the namespace"
wait_port tcp 9000 5 || fail "pasta does not listen on TCP 9000"

# pasta_fds() - Count pasta's open file descriptors
pasta_fds() {
	find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# fds_back() - Are pasta's descriptors back to (at most) $1?
fds_back() {
	[ "$(pasta_fds)" -le "$1" ]
}

FDS0=$(pasta_fds)
log "pasta: $FDS0 descriptors at rest, limit $LIMIT"

# hold() - Open and hold $CONNS connections through pasta, check the
# refusals, release them, check that pasta recovers
# $1: what, $2: name, rest: command to run many.py (bg_start style)
hold() {
	_hw=$1 _hn=$2; shift 2
	rm -f "$TEST_TMP/release"
	bg_start "$_hn" "$@" python3 "$TEST_TMP/many.py" "$HOLD_TO" "$HOLD_PORT" \
		"$CONNS" "$TEST_TMP/release"
	wait_for 120 grep -q "^ok=" "$TEST_TMP/$_hn.log" ||
		fail "$_hw: connections not done in 120 s: $(bg_log "$_hn")"
	_hr=$(grep "^ok=" "$TEST_TMP/$_hn.log")
	log "$_hw: $_hr, pasta holds $(pasta_fds) descriptors"
	_ok=$(echo "$_hr" | sed 's/ok=\([0-9]*\).*/\1/')
	_ref=$(echo "$_hr" | sed 's/.*refused=\([0-9]*\).*/\1/')
	check "$_hw: connections served up to the limit ($_ok)" \
		[ "$_ok" -ge $((LIMIT / 2)) ]
	check "$_hw: the others refused ($_ref)" [ "$_ref" -ge 1 ]
	check_eq "$_hr" "ok=$_ok refused=$((CONNS - _ok)) other=0" \
		"$_hw: every connection served or refused, none hung"
	REFUSED=$((REFUSED + _ref))
	daemon_alive pasta

	UPORT=$((UPORT + 10))
	check_eq "$(in_ns timeout 10 $FLOOD echo "$FAR4" 5002 "$UPORT" 1)" \
		"answered 0 of 1" "$_hw: no new UDP flow while out of descriptors"
	touch "$TEST_TMP/release"
	bg_wait "$_hn" 30 || fail "$_hw: client did not close its connections"
	wait_for 15 fds_back "$FDS0" ||
		fail "$_hw: pasta holds $(pasta_fds) descriptors 15 s after, $FDS0 before"
	log "ok: $_hw: pasta's descriptors back to $(pasta_fds)"
	check_ok "$_hw: new TCP connections afterwards" \
		in_ns timeout 30 $TCPTOOL seq "$FAR4" 7000 5
	r=$(in_ns timeout 30 $FLOOD echo "$FAR4" 5002 $((UPORT + 1)) 3)
	check_eq "$r" "answered 3 of 3" "$_hw: new UDP flows afterwards"
	FDS0=$(pasta_fds)	# these UDP flows stay until they expire
}

REFUSED=0
UPORT=31000	# source ports of UDP flows, new ones each time
T0=$(date +%s)
HOLD_TO=$FAR4 HOLD_PORT=7000
hold "namespace -> remote" out as_user nsenter -t "$NS_PID" -U -n \
	--preserve-credentials
HOLD_TO=$HOST4 HOLD_PORT=9000
hold "remote -> namespace" in run_remote

logged=$(grep -c "Out of file descriptors" "$LOG")
most=$(( ($(date +%s) - T0) / 5 + 1 ))
grep "Out of file descriptors" "$LOG" | sed 's/^/#   /'
check "$REFUSED refusals logged ($logged lines)" [ "$logged" -ge 1 ]
check "refusals logged at most once per 5 s ($logged <= $most)" \
	[ "$logged" -le "$most" ]

daemon_alive pasta
pasta_stop pasta

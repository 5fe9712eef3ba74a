#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/14-pidfile.sh - pasta in the background: set-up, PID file, pipes
#
# pasta --config-net -P FILE PID (no -f: it goes to the background), with its
# standard output and error into a pipe read by cat, under a time limit:
# - the launcher returns, with status 0, and the pipe is closed (cat ends);
# - at that moment the target namespace is already configured (no waiting);
# - FILE holds the PID of the running daemon (/proc/PID/comm is pasta or
#   passt), not the launcher's;
# - SIGTERM to that PID stops it within 5 s.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd nsenter jq

PIDFILE="$TEST_TMP/pasta.pid"
LOGFILE="$TEST_TMP/pasta-daemon.log"

bg_start holder as_user unshare -Urn sleep 1000
hp=$(bg_pid holder)
wait_for 5 sh -c "[ \"\$(readlink /proc/$hp/ns/net)\" != \
	\"\$(readlink /proc/self/ns/net)\" ]" || fail "holder has no netns"

log "launching: pasta --config-net -P $PIDFILE -l $LOGFILE $hp | cat"
# shellcheck disable=SC2086,SC2016
timeout -k 2 15 sh -c '{ "$@"; echo $? >"$TEST_TMP/launcher.rc"; } 2>&1 |
	cat >"$TEST_TMP/launcher.log"' sh \
	setpriv $NS_SETPRIV -- env HOME="$TEST_TMP" \
	"$PASTA" --config-net -P "$PIDFILE" -l "$LOGFILE" --dns "$DNS4" "$hp"
st=$?

# Whatever happened, make sure the daemon is stopped at exit
[ -s "$PIDFILE" ] && ns_track_pid "$(cat "$PIDFILE")"

addrs=$(nsenter -t "$hp" -n ip -j addr show dev "$HOST_IF" 2>/dev/null |
	jq -r '.[0].addr_info[] | select(.scope == "global") |
	       "\(.local)/\(.prefixlen)"' | sort | tr '\n' ' ')

[ "$st" = 124 ] && fail "launcher or its output pipe still open after 15 s"
check_eq "$st" 0 "launcher pipeline status"
check_eq "$(cat "$TEST_TMP/launcher.rc" 2>/dev/null)" 0 "launcher exit status"
check_eq "$addrs" "$HOST4/$HOST4_PLEN $HOST6/$HOST6_PLEN " \
	"target netns configured when the launcher returned"

check "PID file exists" test -s "$PIDFILE"
pid=$(tr -d ' \n' <"$PIDFILE")
case "$pid" in
''|*[!0-9]*) fail "PID file does not hold a PID: '$pid'" ;;
esac
check "daemon with PID $pid is running" pid_alive "$pid"
comm=$(cat "/proc/$pid/comm")
case "$comm" in
passt|pasta|passt.avx2|pasta.avx2) log "ok: /proc/$pid/comm is $comm" ;;
*) fail "/proc/$pid/comm is '$comm', not passt or pasta" ;;
esac
check_eq "$(stat -c %u "/proc/$pid")" "$TEST_UID" "daemon runs as the test uid"
check "daemon still running after 1 s" sh -c "sleep 1; kill -0 $pid"

log "SIGTERM to $pid"
kill -TERM "$pid"
pid_wait_gone "$pid" 5 || fail "daemon did not exit within 5 s of SIGTERM"
log "ok: daemon gone"

# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/ns.sh - Namespace layout for every integration test (POSIX sh)
#
# Usage, at the top of a test script run as root (test/run, make check, CI):
#
#	. "$(dirname "$0")/../lib/ns.sh"
#	ns_setup "$@"
#
# ns_setup re-executes the script under
#	unshare --mount --propagation private --pid --fork --kill-child
#		--mount-proc --net
# so the script's own network namespace is a fresh "host" namespace, the
# script is PID 1 of its own PID namespace (everything it starts dies with it)
# and every mount below is private to it. Inside, it builds:
#
#	host netns (the test)                   remote netns ("remote")
#	$HOST_IF 198.51.100.1/24  <--veth-->    $REMOTE_IF 198.51.100.2/24
#	         2001:db8:1::1/64                          2001:db8:1::2/64
#	default via 198.51.100.2, 2001:db8:1::2 lo: 203.0.113.1/24 (FAR4)
#	                                            2001:db8:2::1/64 (FAR6)
#
# plus: net.ipv4.ping_group_range = 0 2147483647 in the host netns, a private
# /etc/resolv.conf (nameserver 198.51.100.2), a private 0666 /dev/net/tun, a
# tmpfs $TEST_TMP owned by the unprivileged test uid, and copies of the
# daemon ($PASST, $PASTA) that the unprivileged uid can execute.
#
# Nothing here ever touches the machine's own network namespace: a guard
# refuses to go on if the netns after unshare is the one we started in, or the
# one of the outer PID 1.
#
# Helpers (details above each function):
#	need_daemon, need_tapclient, need_tapbridge, need_cmd TOOL...
#	tap_script_neigh MAC	tapclient lines learning the gateway's MACs
#	tapclient_run SOCKET SCRIPT MS WHAT...	the frame-level client, checked
#	run_remote CMD...	in the remote netns
#	as_user CMD...		as $TEST_UID, no capabilities
#	bg_start NAME [as_user|run_remote] CMD...; bg_pid, bg_alive, bg_stop,
#	bg_wait NAME SECS, bg_log	background processes, stopped at exit
#	ns_track_pid PID	also stop this PID at exit (daemons)
#	pid_alive, pid_wait_gone PID SECS, pid_stop PID
#	wait_for SECS CMD...	poll (CMD may be a shell function)
#	wait_port [-r|-g] tcp|udp PORT [SECS]
#	check DESC CMD..., check_not DESC CMD..., check_eq ACTUAL EXPECTED DESC
#	fail MSG, log MSG, sha256 FILE, make_file FILE BYTES
# On failure, every $TEST_TMP/*.log (bg_start output, daemon logs) is printed.
#
# Environment knobs:
#	PASST_BIN	daemon binary to test (default: $TOP/passt)
#	TEST_UID	unprivileged uid/gid to run the daemon as (default: 1000)
#	NS_VERBOSE	if set, print every helper's command line

# shellcheck disable=SC2034	# variables are for the sourcing scripts

: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
export TOP

HOST_IF=eth0
REMOTE_IF=veth0
REMOTE_NS=remote

HOST4=198.51.100.1
HOST4_PLEN=24
GW4=198.51.100.2
FAR4=203.0.113.1
HOST6=2001:db8:1::1
HOST6_PLEN=64
GW6=2001:db8:1::2
FAR6=2001:db8:2::1
DNS4=198.51.100.2

: "${TEST_UID:=1000}"
TEST_GID=$TEST_UID

TAPCLIENT="$TOP/test/build/tapclient"
TAPBRIDGE="$TOP/test/build/tapbridge"

NS_BG=""
NS_PIDS=""
NS_FAIL_MSG=""

# log() - Print a progress line
log() {
	echo "# $*"
}

# fail() - Print a failure message and exit 1 (cleanup dumps the logs)
fail() {
	NS_FAIL_MSG="$*"
	echo "FAIL: $*"
	exit 1
}

# check_eq() - Fail unless two strings are equal
# $1: actual, $2: expected, $3...: what is being checked
check_eq() {
	_a="$1"; _e="$2"; shift 2
	[ "$_a" = "$_e" ] || fail "$*: expected '$_e', got '$_a'"
	log "ok: $* = '$_e'"
}

# check() - Fail unless a command succeeds
# $1: description, rest: command
check() {
	_d="$1"; shift
	"$@" || fail "$_d (command: $*)"
	log "ok: $_d"
}

# check_not() - Fail if a command succeeds
check_not() {
	_d="$1"; shift
	! "$@" || fail "$_d (command succeeded: $*)"
	log "ok: $_d"
}

# wait_for() - Poll a command until it succeeds
# $1: timeout in seconds, rest: command
# Return: 0 once the command succeeded, 1 on timeout
wait_for() {
	_n=$(($1 * 10)); shift
	while [ "$_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	"$@" >/dev/null 2>&1
}

# sha256() - Print the SHA-256 of a file
sha256() {
	sha256sum "$1" | cut -d' ' -f1
}

# make_file() - Create a file of random content
# $1: path, $2: size in bytes
make_file() {
	head -c "$2" /dev/urandom >"$1"
}

# run_remote() - Run a command in the remote namespace
run_remote() {
	ip netns exec "$REMOTE_NS" "$@"
}

# as_user() - Run a command as the unprivileged test uid, no capabilities
as_user() {
	# shellcheck disable=SC2086
	setpriv $NS_SETPRIV -- env HOME="$TEST_TMP" "$@"
}
NS_SETPRIV="--reuid=$TEST_UID --regid=$TEST_GID --clear-groups --inh-caps=-all"

# pid_alive() - Is a process alive (not gone, not a zombie)?
pid_alive() {
	[ -n "$1" ] || return 1
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != "Z" ] && [ "$_st" != "X" ]
}

# pid_wait_gone() - Wait until a process is gone
# $1: PID, $2: timeout in seconds
pid_wait_gone() {
	_n=$(($2 * 10))
	while [ "$_n" -gt 0 ]; do
		pid_alive "$1" || return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	! pid_alive "$1"
}

# pid_stop() - Stop a process by PID: SIGTERM, then SIGKILL after 3 s
pid_stop() {
	pid_alive "$1" || return 0
	kill -TERM "$1" 2>/dev/null
	pid_wait_gone "$1" 3 && return 0
	echo "# PID $1 ignored SIGTERM for 3 s, sending SIGKILL"
	kill -KILL "$1" 2>/dev/null
	pid_wait_gone "$1" 2
}

# ns_track_pid() - Have cleanup stop this PID (e.g. a daemon from a PID file)
ns_track_pid() {
	NS_PIDS="$NS_PIDS $1"
}

# bg_start() - Start a background process, output to $TEST_TMP/NAME.log
# $1: name, rest: command; the command may start with as_user or run_remote
# The PID is printed by bg_pid NAME (kept in $TEST_TMP/.bg/NAME.pid).
bg_start() {
	_name="$1"; shift
	case "$1" in
	as_user)	shift
			# shellcheck disable=SC2086
			set -- setpriv $NS_SETPRIV -- env HOME="$TEST_TMP" "$@" ;;
	run_remote)	shift; set -- ip netns exec "$REMOTE_NS" "$@" ;;
	esac
	[ -n "${NS_VERBOSE:-}" ] && log "bg $_name: $*"
	mkdir -p "$TEST_TMP/.bg"
	"$@" >"$TEST_TMP/$_name.log" 2>&1 </dev/null &
	echo $! >"$TEST_TMP/.bg/$_name.pid"
	NS_BG="$NS_BG $_name"
}

# bg_pid() - Print the PID of a background process started with bg_start
bg_pid() {
	cat "$TEST_TMP/.bg/$1.pid"
}

# bg_alive() - Is a background process still running?
bg_alive() {
	pid_alive "$(bg_pid "$1")"
}

# bg_stop() - Stop a background process by its PID, collect its status
# $1: name
# Return: exit status of the process (143 for SIGTERM), 0 if already reaped
bg_stop() {
	_p=$(bg_pid "$1")
	pid_stop "$_p"
	wait "$_p" 2>/dev/null
}

# bg_wait() - Wait for a background process to exit by itself
# $1: name, $2: timeout in seconds
# Return: the process's exit status, or 124 if it is still running
bg_wait() {
	_p=$(bg_pid "$1")
	pid_wait_gone "$_p" "$2" || return 124
	wait "$_p" 2>/dev/null
}

# bg_log() - Print the output of a background process
bg_log() {
	cat "$TEST_TMP/$1.log"
}

# _ns_listening() - Print local ports in listening (TCP) or bound (UDP) state
# $1: tcp or udp, reading /proc/net of the caller's netns
_ns_listening() {
	case "$1" in
	tcp)	_f="/proc/net/tcp /proc/net/tcp6"; _s=0A ;;
	udp)	_f="/proc/net/udp /proc/net/udp6"; _s=07 ;;
	esac
	# shellcheck disable=SC2086
	cat $_f 2>/dev/null | awk -v s="$_s" \
		'NR > 0 && $4 == s { split($2, a, ":"); print a[2] }'
}

# wait_port() - Wait until a TCP or UDP port is bound
# [-r]: in the remote namespace, [-g]: in the guest namespace (bridge.sh);
# $1: tcp or udp; $2: port; $3: timeout (s)
wait_port() {
	_r=""
	[ "$1" = "-r" ] && { _r=run_remote; shift; }
	[ "$1" = "-g" ] && { _r=in_guest; shift; }
	_hex=$(printf '%04X' "$2")
	_n=$((${3:-5} * 10))
	while [ "$_n" -gt 0 ]; do
		$_r sh -c ". '$TOP/test/lib/ns.sh'; _ns_listening $1" 2>/dev/null |
			grep -qx "$_hex" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# need_daemon() - Fail clearly if the daemon binary is missing
need_daemon() {
	[ -x "$NS_PASST_SRC" ] || fail "no daemon binary at $NS_PASST_SRC: run make"
	mkdir -p "$TEST_TMP/bin"
	cp "$NS_PASST_SRC" "$TEST_TMP/bin/passt"
	ln -sf passt "$TEST_TMP/bin/pasta"
	chmod 0755 "$TEST_TMP/bin" "$TEST_TMP/bin/passt"
}

# need_frame_tool() - Build a helper of test/frame/ into test/build/
# $1: its name (test/frame/NAME.c, built as test/build/NAME)
need_frame_tool() {
	_src="$TOP/test/frame/$1.c"
	_bin="$TOP/test/build/$1"
	if [ ! -x "$_bin" ] || [ "$_src" -nt "$_bin" ]; then
		mkdir -p "$TOP/test/build"
		${CC:-cc} -O2 -Wall -Wextra -Werror -o "$_bin.tmp.$$" \
			"$_src" || fail "cannot build $1"
		mv "$_bin.tmp.$$" "$_bin"
	fi
}

# need_tapclient() - Build the frame-level client (test/frame/tapclient.c)
need_tapclient() {
	need_frame_tool tapclient
}

# need_tapbridge() - Build the tap to passt relay (test/frame/tapbridge.c)
need_tapbridge() {
	need_frame_tool tapbridge
}

# tap_script_neigh() - tapclient script lines: ARP and NDP for the gateway,
# its MAC address saved in variables GW and GW6
# $1: our MAC address
tap_script_neigh() {
	printf '%s\n' "arp-request $1 $HOST4 $GW4" \
		"expect arp-reply $GW4 save-mac GW" \
		"ns6 $1 $HOST6 $GW6" "expect na6 $GW6 save-mac GW6"
}

# tapclient_run() - Run the frame-level client on a script, show what it
# printed, fail unless every expectation was met
# $1: passt's socket, $2: script, $3: time-out of each expectation (ms),
# rest: what it checks
tapclient_run() {
	_ts=$1 _tf=$2 _tt=$3; shift 3
	"$TAPCLIENT" -t "$_tt" "$_ts" "$_tf" >"$_tf.out" 2>&1
	_trc=$?
	cat "$_tf.out"
	check_eq "$_trc" 0 "$*: tapclient status"
}

# need_cmd() - Fail clearly if a tool is missing
need_cmd() {
	for _c; do
		command -v "$_c" >/dev/null 2>&1 ||
			fail "missing tool: $_c (see .ci/run for packages)"
	done
}

# ns_dump_logs() - Print the tails of all logs in $TEST_TMP
ns_dump_logs() {
	for _f in "$TEST_TMP"/*.log; do
		[ -f "$_f" ] || continue
		echo "---- ${_f##*/} (last 100 lines) ----"
		tail -n 100 "$_f"
	done
}

# ns_cleanup() - EXIT trap: stop everything we started, dump logs on failure
ns_cleanup() {
	_rc=$?
	trap - EXIT INT TERM HUP
	for _b in $NS_BG; do
		pid_stop "$(bg_pid "$_b")"
	done
	for _p in $NS_PIDS; do
		pid_stop "$_p"
	done
	if [ "$_rc" -ne 0 ]; then
		ns_dump_logs
		echo "---- result ----"
		echo "FAIL (status $_rc): ${NS_FAIL_MSG:-see output above}"
	else
		echo "PASS"
	fi
	exit "$_rc"
}

# _ns_outer() - Before unshare: checks, then re-execute in new namespaces
_ns_outer() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "FAIL: $0 must run as root (as make check and CI do):"
		echo "it builds its own namespaces and drops to uid $TEST_UID"
		exit 1
	fi
	for _c in unshare setpriv ip mount; do
		command -v "$_c" >/dev/null 2>&1 ||
			{ echo "FAIL: missing tool: $_c"; exit 1; }
	done
	NS_OUTER_NET=$(readlink /proc/self/ns/net)
	NS_INIT_NET=$(readlink /proc/1/ns/net 2>/dev/null || echo none)
	NS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/passt-test.XXXXXX") || exit 1
	NS_INNER=1
	export NS_OUTER_NET NS_INIT_NET NS_TMP NS_INNER
	trap 'rmdir "$NS_TMP" 2>/dev/null; exit 143' TERM INT HUP
	unshare --mount --propagation private --pid --fork --kill-child \
		--mount-proc --net sh "$0" "$@"
	_rc=$?
	rmdir "$NS_TMP" 2>/dev/null
	exit $_rc
}

# _ns_build() - Inside the new namespaces: build the layout
_ns_build() {
	_net=$(readlink /proc/self/ns/net)
	if [ "$_net" = "$NS_OUTER_NET" ] || [ "$_net" = "$NS_INIT_NET" ]; then
		echo "FAIL: refusing to run in the machine's network namespace"
		exit 1
	fi
	[ "$$" -eq 1 ] || { echo "FAIL: not PID 1 of a new PID namespace"; exit 1; }

	trap ns_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	# Private, disposable scratch space the unprivileged uid owns
	mount -t tmpfs -o "mode=0755,uid=$TEST_UID,gid=$TEST_GID,size=1g" \
		tmpfs "$NS_TMP" || fail "cannot mount tmpfs on $NS_TMP"
	TEST_TMP=$NS_TMP
	export TEST_TMP

	# Private 0666 tun node
	[ -e /dev/net/tun ] || fail "/dev/net/tun missing (no tun module?)"
	mkdir -p "$TEST_TMP/.dev" && chmod 0755 "$TEST_TMP/.dev"
	mount -t tmpfs -o mode=0755 tmpfs "$TEST_TMP/.dev" &&
		mknod -m 0666 "$TEST_TMP/.dev/tun" c 10 200 &&
		chmod 0666 "$TEST_TMP/.dev/tun" &&
		mount --bind "$TEST_TMP/.dev/tun" /dev/net/tun ||
		fail "cannot set up a private /dev/net/tun"

	# Private resolv.conf pointing into the remote namespace
	printf 'nameserver %s\n' "$DNS4" >"$TEST_TMP/resolv.conf"
	chmod 0644 "$TEST_TMP/resolv.conf"
	_rc_target=$(readlink -f /etc/resolv.conf)
	if [ ! -e "$_rc_target" ]; then
		# dangling symlink (e.g. systemd-resolved not running)
		_d=$(dirname "$_rc_target")
		[ -d "$_d" ] || fail "/etc/resolv.conf: no place to mount over"
		mount -t tmpfs -o mode=0755 tmpfs "$_d" && : >"$_rc_target" ||
			fail "cannot mount over $_d"
	fi
	mount --bind "$TEST_TMP/resolv.conf" /etc/resolv.conf ||
		fail "cannot bind-mount resolv.conf"

	# Named namespaces live on a private tmpfs
	[ -d /run/netns ] || mkdir -p /run/netns
	mount -t tmpfs -o mode=0755 tmpfs /run/netns ||
		fail "cannot mount tmpfs on /run/netns"

	# No DAD delays anywhere, ping sockets for everybody in host netns
	for _k in all default; do
		echo 0 >"/proc/sys/net/ipv6/conf/$_k/accept_dad" 2>/dev/null
	done
	echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range ||
		fail "cannot set ping_group_range"

	ip link set lo up || fail "cannot set lo up"
	ip netns add "$REMOTE_NS" || fail "cannot create remote netns"
	run_remote sh -c 'for k in all default; do
		echo 0 > /proc/sys/net/ipv6/conf/$k/accept_dad; done' 2>/dev/null
	ip -n "$REMOTE_NS" link set lo up

	ip link add "$HOST_IF" type veth peer name "$REMOTE_IF" \
		netns "$REMOTE_NS" || fail "cannot create veth pair"

	ip addr add "$HOST4/$HOST4_PLEN" dev "$HOST_IF" &&
	ip -6 addr add "$HOST6/$HOST6_PLEN" dev "$HOST_IF" nodad &&
	ip link set "$HOST_IF" up &&
	ip -n "$REMOTE_NS" addr add "$GW4/24" dev "$REMOTE_IF" &&
	ip -n "$REMOTE_NS" -6 addr add "$GW6/64" dev "$REMOTE_IF" nodad &&
	ip -n "$REMOTE_NS" addr add "$FAR4/24" dev lo &&
	ip -n "$REMOTE_NS" -6 addr add "$FAR6/64" dev lo nodad &&
	ip -n "$REMOTE_NS" link set "$REMOTE_IF" up &&
	ip route add default via "$GW4" dev "$HOST_IF" &&
	ip -6 route add default via "$GW6" dev "$HOST_IF" ||
		fail "cannot configure addresses and routes"

	# Both ends up (operstate goes through linkwatch, up to 1 s late), no
	# tentative IPv6 address left on either side
	wait_for 5 sh -c "ip -o link show $HOST_IF | grep -q 'state UP' &&
		ip -n $REMOTE_NS -o link show $REMOTE_IF | grep -q 'state UP' &&
		[ -z \"\$(ip -6 addr show tentative)\" ] &&
		[ -z \"\$(ip -n $REMOTE_NS -6 addr show tentative)\" ]" ||
		fail "veth $HOST_IF <-> $REMOTE_IF did not come up"

	# The daemon under test: copied where the unprivileged uid can run it
	NS_PASST_SRC=${PASST_BIN:-$TOP/passt}
	PASST="$TEST_TMP/bin/passt"
	PASTA="$TEST_TMP/bin/pasta"
	export PASST PASTA
}

# ns_setup() - Enter fresh namespaces and build the test layout
# Pass the script's arguments: the script is executed again inside.
ns_setup() {
	if [ -z "${NS_INNER:-}" ]; then
		_ns_outer "$@"
	fi
	_ns_build
}

# SPDX-License-Identifier: GPL-2.0-or-later
# test/lib/tcpxfer.sh - TCP transfers checked end to end, with tcptool.py
#
# Sourced by pasta_ns.sh and bridge.sh (POSIX sh). The client side of a
# transfer is pasta's namespace or passt's guest: set XFER_AT to the
# function that runs a command there (in_ns, in_guest), then
#
#	xfer_init BYTES		make the file to move: $XFER_SRC, its
#				SHA-256 $XFER_SHA
#	xfer_upload LABEL ADDR	the file from the client side (socat) to a
#				sink in the remote namespace, which compares
#	xfer_download LABEL ADDR
#				the file from a source in the remote namespace
#				(socat) to the client side, which compares
#	check_ok DESC CMD...	run a tcptool client, fail unless "ok ..."
#
# Each transfer takes a fresh port from $XFER_PORT on (default 20000) and
# prints its rate; each has 120 s.

# shellcheck disable=SC2034,SC2086	# $TCPTOOL: split on purpose
TCPTOOL="python3 $TOP/test/lib/tcptool.py"
XFER_PORT=${XFER_PORT:-20000}

# xfer_now_ms() - Milliseconds since the epoch
xfer_now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# xfer_rate() - Print the rate of the file moved since $1 (milliseconds)
xfer_rate() {
	_ms=$(($(xfer_now_ms) - $1))
	[ "$_ms" -gt 0 ] || _ms=1
	echo "$((XFER_SIZE * 1000 / _ms / 1048576)) MiB/s in ${_ms} ms"
}

# xfer_sock() - socat address of a TCP peer: $1: address, $2: port
xfer_sock() {
	case "$1" in
	*:*)	echo "TCP6:[$1]:$2" ;;
	*)	echo "TCP4:$1:$2" ;;
	esac
}

# xfer_listen() - socat address of a listener: $1: address, $2: port
xfer_listen() {
	case "$1" in
	*:*)	echo "TCP6-LISTEN:$2,bind=[$1],reuseaddr" ;;
	*)	echo "TCP4-LISTEN:$2,bind=$1,reuseaddr" ;;
	esac
}

# xfer_init() - Make the file to move, readable by everybody: $1: bytes
xfer_init() {
	XFER_SIZE=$1
	XFER_SRC="$TEST_TMP/xfer-src"
	make_file "$XFER_SRC" "$XFER_SIZE"
	chmod 0644 "$XFER_SRC"
	XFER_SHA=$(sha256 "$XFER_SRC")
}

# xfer_upload() - The file from the client side to a remote sink
# $1: label, $2: remote address
xfer_upload() {
	XFER_PORT=$((XFER_PORT + 1))
	bg_start "sink$XFER_PORT" run_remote $TCPTOOL srv-sink "$2" "$XFER_PORT"
	wait_port -r tcp "$XFER_PORT" 5 || fail "remote sink not up"
	_t=$(xfer_now_ms)
	$XFER_AT timeout 120 socat -u "OPEN:$XFER_SRC" \
		"$(xfer_sock "$2" "$XFER_PORT")"
	_rc=$?
	log "$1: $(xfer_rate "$_t")"
	check_eq "$_rc" 0 "$1: socat sender exit status"
	bg_wait "sink$XFER_PORT" 30 || fail "$1: remote sink did not finish"
	check_eq "$(bg_log "sink$XFER_PORT")" "$XFER_SIZE $XFER_SHA" \
		"$1: bytes and SHA-256 received by the remote"
}

# xfer_download() - The file from a remote source to the client side
# $1: label, $2: remote address
xfer_download() {
	XFER_PORT=$((XFER_PORT + 1))
	bg_start "source$XFER_PORT" run_remote timeout 120 \
		socat -u "OPEN:$XFER_SRC" "$(xfer_listen "$2" "$XFER_PORT")"
	wait_port -r tcp "$XFER_PORT" 5 || fail "remote source not up"
	_t=$(xfer_now_ms)
	_r=$($XFER_AT timeout 120 $TCPTOOL recv "$2" "$XFER_PORT")
	log "$1: $(xfer_rate "$_t")"
	check_eq "$_r" "ok $XFER_SIZE $XFER_SHA" \
		"$1: bytes and SHA-256 received on the client side"
	bg_wait "source$XFER_PORT" 10
	check_eq "$?" 0 "$1: remote socat sender exit status"
}

# check_ok() - Run a tcptool client, fail unless it prints "ok ..."
# $1: description, rest: command (its output is shown)
check_ok() {
	_d="$1"; shift
	_o=$("$@" 2>&1)
	_r=$?
	printf '%s\n' "$_o" | sed 's/^/#   /'
	[ $_r -eq 0 ] && printf '%s\n' "$_o" | tail -n 1 | grep -q '^ok' ||
		fail "$_d: $(printf '%s\n' "$_o" | tail -n 1)"
	log "ok: $_d"
}

# SPDX-License-Identifier: GPL-2.0-or-later
#
# tcp - TCP through passt to the remote namespace (servers: tcp.host):
# bulk transfers both ways over IPv4 and IPv6 with SHA-256 checked at both
# ends, 50 short connections in a row, optionally parallel connections,
# transfers with the guest's MTU at 1500 (passt must segment to the MSS the
# guest gives), and no segment for connections that are over
#
# Variables (run.sh --var NAME=VALUE): TCP_UP_MB, TCP_DOWN_MB (sizes in
# MiB, default 24; the remote serves up to 64 MiB, or the largest size
# given), TCP_MTU_MB (size of each transfer at MTU 1500, default 8, at most
# TCP_UP_MB), TCP_SHORT (short connections, default 50), TCP_PAR (parallel
# connections, all open at once, default 0: none), TCP_XFER_T (time limit
# of each transfer, seconds, default 90). all.sh's tcp run takes 100 MiB
# everywhere, 500 short and 100 parallel connections, with more memory for
# the guest (run.sh --mem).
#
# With TCP_LIB_ONLY set, only the functions are defined (tcp-faults.sh).

XFER_T=${TCP_XFER_T:-90}
UP_MB=${TCP_UP_MB:-24}
DOWN_MB=${TCP_DOWN_MB:-24}
MTU_MB=${TCP_MTU_MB:-8}
SHORT=${TCP_SHORT:-50}
PAR=${TCP_PAR:-0}

# now() - Guest uptime, seconds with two decimals
now() {
	cut -d' ' -f1 /proc/uptime
}

# rate() - Print "S s, R MiB/s"
# $1: start, $2: end, $3: MiB
rate() {
	awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN {
		d = b - a; if (d <= 0) d = 0.01
		printf "%.2f s, %.1f MiB/s", d, m / d }'
}

# why() - Explain socat's exit status
# $1: status
why() {
	case "$1" in
	124|143)	echo "not done after the limit of $XFER_T s" ;;
	*)		echo "socat status $1" ;;
	esac
}

# sock() - socat address of a remote TCP port
# $1: 4 or 6, $2: port
sock() {
	if [ "$1" = 4 ]; then
		echo "TCP4:$REMOTE4:$2"
	else
		echo "TCP6:[$REMOTE6]:$2"
	fi
}

# upload() - Send a file to the remote sink, compare its SHA-256 there
# $1: check name, $2: 4 or 6, $3: file, $4: its SHA-256, $5: MiB
upload() {
	_t0=$(now)
	_got=$(timeout "$XFER_T" socat -t "$XFER_T" -T "$XFER_T" - \
		"$(sock "$2" 5001)" <"$3" 2>/tmp/socat.err)
	_st=$?
	_t1=$(now)
	if [ "$_got" = "$4" ]; then
		pass "$1"
		info "$1: $5 MiB in $(rate "$_t0" "$_t1" "$5")"
	else
		fail "$1" "remote got sha256 '$_got', sent $4 ($(why "$_st")," \
			"$(rate "$_t0" "$_t1" "$5"):" \
			"$(tail -n 2 /tmp/socat.err | tr '\n' ' '))"
	fi
}

# download() - Fetch N bytes from the remote source, compare with the SHA-256
# the remote computes of them
# $1: check name, $2: 4 or 6, $3: MiB
download() {
	_n=$(($3 * 1024 * 1024))
	_want=$(echo "$_n" | timeout 30 socat -t 20 -T 20 - "$(sock "$2" 5003)" \
		2>/dev/null)
	if [ ${#_want} -ne 64 ]; then
		fail "$1" "could not get the expected sha256 from port 5003"
		return
	fi
	_t0=$(now)
	_got=$( (echo "$_n" | timeout "$XFER_T" socat -t "$XFER_T" \
		-T "$XFER_T" - "$(sock "$2" 5002)" 2>/tmp/socat.err
		echo $? >/tmp/socat.st) |
		sha256sum | cut -d' ' -f1)
	_t1=$(now)
	if [ "$_got" = "$_want" ]; then
		pass "$1"
		info "$1: $3 MiB in $(rate "$_t0" "$_t1" "$3")"
	else
		fail "$1" "got sha256 $_got, expected $_want" \
			"($(why "$(cat /tmp/socat.st)"), $(rate "$_t0" "$_t1" "$3"):" \
			"$(tail -n 2 /tmp/socat.err | tr '\n' ' '))"
	fi
}

# conns_result() - Report a set of echo connections: $_ok of them right
# since $_t0, $_bad the first wrong one
# $1: check name, $2: number of connections
conns_result() {
	_t1=$(now)
	if [ "$_ok" -eq "$2" ]; then
		pass "$1"
		info "$1: $2 connections in $(rate "$_t0" "$_t1" 0 | cut -d, -f1)"
	else
		fail "$1" "$_ok of $2 echoed back intact; $_bad"
	fi
}

# short_conns() - Many short echo connections in a row, each checked
# $1: check name, $2: 4 or 6, $3: count
short_conns() {
	_ok=0
	_bad=""
	_t0=$(now)
	_i=1
	while [ "$_i" -le "$3" ]; do
		_msg="short connection $_i of $3 over IPv$2"
		_got=$(echo "$_msg" | timeout 10 socat -t 5 -T 5 - \
			"$(sock "$2" 5004)" 2>/dev/null)
		if [ "$_got" = "$_msg" ]; then
			_ok=$((_ok + 1))
			_nbad=0
		else
			_bad="${_bad:-first bad: #$_i got '$_got'}"
			_nbad=$((${_nbad:-0} + 1))
			[ "$_nbad" -ge 3 ] && _bad="$_bad, 3 in a row: stopped" &&
				break
		fi
		_i=$((_i + 1))
	done
	conns_result "$1" "$3"
}

# par_conns() - Connections all open at once, each echoing its own line
# $1: check name, $2: 4 or 6, $3: count
# Each client holds its connection for 3 s after sending its line, so that
# all are open together; the replies are compared afterwards.
par_conns() {
	_t0=$(now)
	rm -rf /tmp/par
	mkdir -p /tmp/par
	_i=1
	while [ "$_i" -le "$3" ]; do
		( (echo "parallel connection $_i of $3 over IPv$2"; sleep 3) |
			timeout 30 socat -t 5 -T 20 - "$(sock "$2" 5004)" \
			>"/tmp/par/$_i" 2>/dev/null ) &
		_i=$((_i + 1))
	done
	wait
	_ok=0
	_bad=""
	_i=1
	while [ "$_i" -le "$3" ]; do
		if [ "$(cat "/tmp/par/$_i")" = \
		     "parallel connection $_i of $3 over IPv$2" ]; then
			_ok=$((_ok + 1))
		else
			_bad="${_bad:-first bad: #$_i got '$(cat "/tmp/par/$_i")'}"
		fi
		_i=$((_i + 1))
	done
	conns_result "$1" "$3"
}

# make_upload() - Make /tmp/up.bin, random, set UP_SHA
# $1: MiB
make_upload() {
	_t0=$(now)
	if ! head -c $(($1 * 1024 * 1024)) /dev/urandom >/tmp/up.bin; then
		fail tcp-setup "cannot make a $1 MiB file in /tmp"
		return 1
	fi
	UP_SHA=$(sha256sum /tmp/up.bin | cut -d' ' -f1)
	info "upload file: $1 MiB, sha256 $UP_SHA ($(rate "$_t0" "$(now)" 0 |
		cut -d, -f1) to make)"
}

# tcp_net() - Addresses, and wait until the remote servers answer
tcp_net() {
	net_v4
	ip -6 addr add "$HOST6/64" dev eth0 nodad 2>/dev/null
	ip -6 route replace default via "$GW6" dev eth0 2>/dev/null
	wait_until "${1:-10}" sh -c \
		"echo x | socat -T 3 - '$(sock 4 5004)' | grep -q x" && return 0
	fail tcp-reach "no echo from $REMOTE4:5004 within ${1:-10} s"
	return 1
}

# tcp_quiet() - Once every connection is closed, passt must stay quiet:
# nothing retransmitted for connections that are over
# $1: seconds to watch
tcp_quiet() {
	_in0=$(tcp_in_segs)
	sleep "$1"
	_in1=$(tcp_in_segs)
	if [ "$_in1" -eq "$_in0" ]; then
		pass tcp-quiet-after-close
	else
		fail tcp-quiet-after-close "$((_in1 - _in0)) TCP segments came" \
			"in $1 s after every connection was closed (open:" \
			"$(tail -n +2 /proc/net/tcp /proc/net/tcp6 | wc -l) sockets)"
	fi
}

# tcp_in_segs() - The guest's Tcp InSegs counter
tcp_in_segs() {
	awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) n[$i] = i; h = 1 }
		else print $n["InSegs"] }' /proc/net/snmp
}

[ -n "${TCP_LIB_ONLY:-}" ] && return 0

tcp_net 10 || exit 0
make_upload "$UP_MB" || exit 0
upload tcp4-upload 4 /tmp/up.bin "$UP_SHA" "$UP_MB"
download tcp4-download 4 "$DOWN_MB"
upload tcp6-upload 6 /tmp/up.bin "$UP_SHA" "$UP_MB"
download tcp6-download 6 "$DOWN_MB"
short_conns tcp4-short 4 "$SHORT"
short_conns tcp6-short 6 "$SHORT"
if [ "$PAR" -gt 0 ]; then
	par_conns tcp4-parallel 4 "$PAR"
	par_conns tcp6-parallel 6 "$PAR"
fi

# MTU 1500: the guest's SYNs carry MSS 1460 (1440 for IPv6)
ip link set eth0 mtu 1500
if [ "$MTU_MB" -ge "$UP_MB" ]; then
	MTU_MB=$UP_MB
	mv /tmp/up.bin /tmp/up-mtu.bin
	MTU_SHA=$UP_SHA
else
	head -c $((MTU_MB * 1024 * 1024)) /tmp/up.bin >/tmp/up-mtu.bin
	rm -f /tmp/up.bin
	MTU_SHA=$(sha256sum /tmp/up-mtu.bin | cut -d' ' -f1)
fi
upload tcp4-mtu1500-upload 4 /tmp/up-mtu.bin "$MTU_SHA" "$MTU_MB"
download tcp4-mtu1500-download 4 "$MTU_MB"
upload tcp6-mtu1500-upload 6 /tmp/up-mtu.bin "$MTU_SHA" "$MTU_MB"
download tcp6-mtu1500-download 6 "$MTU_MB"
info "eth0: $(ip -o link show eth0 | sed 's/.*\(mtu [0-9]*\).*/\1/')"

# Connections the guest closed: TIME_WAIT only, nothing should arrive
tcp_quiet 4

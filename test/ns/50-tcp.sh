#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/50-tcp.sh - TCP from pasta's namespace through the tap, end to end
#
# From the namespace to servers in the remote namespace (FAR4, FAR6: the
# gateway address itself is the host's loopback, seen from the namespace):
# - 100 MiB each way (upload, download), IPv4 and IPv6, at the default MTU
#   (65520) and at MTU 1500, SHA-256 computed at both ends
# - 500 sequential and 100 parallel short connections, every echo checked;
#   the sequential ones within 30 s (about 1 s here: a connection that
#   can't send at once, e.g. a zero window in the SYN-ACK that the guest
#   has to probe for 200 ms, makes it 100 s)
# - half-close both ways: the client shuts down first and still reads the
#   answer; the server shuts down first and still reads the client's data
# - a closed port: ECONNREFUSED at once (an RST, not a timeout)
# - the server resets mid-transfer: the client gets an error, pasta lives on
# - DNS over TCP through --dns-forward to a resolver in the remote namespace

# shellcheck disable=SC2086	# $TCPTOOL is "python3 PATH": split on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
need_daemon
need_cmd socat python3 nsenter timeout sha256sum

XFER_AT=in_ns
xfer_init $((100 * 1024 * 1024))
ECHO_PORT=7000
PORT=10000

# ns_mtu() - Print the MTU of the namespace's tap interface
ns_mtu() {
	in_ns ip -o link show | awk '$2 != "lo:" {
		for (i = 1; i < NF; i++) if ($i == "mtu") print $(i + 1) }'
}

bg_start echo run_remote $TCPTOOL srv-echo :: "$ECHO_PORT"
wait_port -r tcp "$ECHO_PORT" 5 || fail "remote echo server not up"

# DNS over TCP: the resolver pasta forwards to is the first nameserver of
# the host's resolv.conf, $DNS4 (198.51.100.2), in the remote namespace
bg_start dns run_remote $TCPTOOL srv-dns "$DNS4" 53 203.0.113.77
wait_port -r tcp 53 5 || fail "remote DNS server not up"

# Default MTU (65520)
pasta_start pasta --config-net -d -l "$TEST_TMP/pasta-debug.log" \
	--dns "$DNS4" --dns-forward 198.51.100.53
check_eq "$(ns_mtu)" 65520 "namespace MTU"

xfer_upload "upload IPv4, MTU 65520" "$FAR4"
xfer_download "download IPv4, MTU 65520" "$FAR4"
xfer_upload "upload IPv6, MTU 65520" "$FAR6"
xfer_download "download IPv6, MTU 65520" "$FAR6"

for a in "$FAR4" "$FAR6"; do
	check_ok "500 sequential connections to $a" \
		in_ns timeout 120 $TCPTOOL seq "$a" "$ECHO_PORT" 500 30
	check_ok "100 parallel connections to $a" \
		in_ns timeout 60 $TCPTOOL par "$a" "$ECHO_PORT" 100
done

# Half-close: the client shuts down its write side, then reads the answer
for a in "$FAR4" "$FAR6"; do
	PORT=$((PORT + 1))
	bg_start "hc$PORT" run_remote $TCPTOOL srv-halfclose "$a" "$PORT"
	wait_port -r tcp "$PORT" 5 || fail "remote server not up"
	check_ok "half-close to $a: client shuts down, reads the answer" \
		in_ns timeout 60 $TCPTOOL halfclose "$a" "$PORT"
	bg_wait "hc$PORT" 10 || fail "half-close server did not finish"
done

# ... and the reverse: the server shuts down first, the client goes on
for a in "$FAR4" "$FAR6"; do
	PORT=$((PORT + 1))
	bg_start "cf$PORT" run_remote $TCPTOOL srv-closefirst "$a" "$PORT"
	wait_port -r tcp "$PORT" 5 || fail "remote server not up"
	r=$(in_ns timeout 60 $TCPTOOL keepsend "$a" "$PORT")
	printf "# %s\n" "$r"
	case "$r" in ok*) ;; *) fail "server closes first ($a): $r" ;; esac
	bg_wait "cf$PORT" 10 || fail "server closing first did not finish"
	check_eq "ok $(bg_log "cf$PORT")" "$r" \
		"server closes first ($a): remote got the client's data after"
done

# A closed port: ECONNREFUSED, quickly
for a in "$FAR4" "$FAR6"; do
	r=$(in_ns timeout 20 $TCPTOOL refused "$a" 5999)
	printf "# %s\n" "$r"
	case "$r" in ok*) ;; *) fail "connect to closed port $a: $r" ;; esac
	s=${r#ok }
	check "ECONNREFUSED from $a within 1 s (took $s s)" \
		[ "${s%%.*}" -lt 1 ]
done

# Reset by the peer while the client reads
for a in "$FAR4" "$FAR6"; do
	PORT=$((PORT + 1))
	bg_start "abort$PORT" run_remote $TCPTOOL srv-abort "$a" "$PORT"
	wait_port -r tcp "$PORT" 5 || fail "remote server not up"
	check_ok "peer reset mid-transfer from $a: client sees an error" \
		in_ns timeout 60 $TCPTOOL reset "$a" "$PORT"
	bg_wait "abort$PORT" 10 || fail "aborting server did not finish"
	bg_log "abort$PORT"
	daemon_alive pasta
done
# ... and pasta still serves new connections
check_ok "new connection after the resets" \
	in_ns timeout 30 $TCPTOOL seq "$FAR4" "$ECHO_PORT" 5

check_ok "DNS over TCP through --dns-forward" \
	in_ns timeout 30 $TCPTOOL dnsq 198.51.100.53 example.org 203.0.113.77

daemon_alive pasta
pasta_stop pasta

# MTU 1500
pasta_start pasta1500 --config-net -m 1500 --dns "$DNS4"
check_eq "$(ns_mtu)" 1500 "namespace MTU with -m 1500"

xfer_upload "upload IPv4, MTU 1500" "$FAR4"
xfer_download "download IPv4, MTU 1500" "$FAR4"
xfer_upload "upload IPv6, MTU 1500" "$FAR6"
xfer_download "download IPv6, MTU 1500" "$FAR6"
check_ok "100 parallel connections, MTU 1500" \
	in_ns timeout 60 $TCPTOOL par "$FAR4" "$ECHO_PORT" 100

daemon_alive pasta1500
pasta_stop pasta1500

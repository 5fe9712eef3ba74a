#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/passt/40-bridge-tcp.sh - TCP through passt, the kernel as its guest
#
# The guest is a network namespace whose tap device test/frame/tapbridge
# relays to passt's socket (see test/lib/bridge.sh): the kernel's TCP stack
# on both ends, passt in the middle, no emulator. At MTU 65520 and 1500:
# - 100 MiB each way (guest to remote, remote to guest), IPv4 and IPv6,
#   SHA-256 computed at both ends
# - 500 sequential and 100 parallel short connections to an echo server,
#   every echo checked, IPv4 and IPv6
# - a connection from the remote namespace to a port passt forwards (-t)
#   to a server in the guest
# passt must be alive at the end of each MTU's run.

# shellcheck disable=SC2086	# $TCPTOOL is "python3 PATH": split on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/bridge.sh"
. "$TOP/test/lib/tcpxfer.sh"
need_daemon
need_tapbridge
need_cmd socat python3 timeout sha256sum ping

XFER_AT=in_guest
xfer_init $((100 * 1024 * 1024))
ECHO_PORT=7000
FWD_PORT=7100	# forwarded by passt to the guest's echo server

bg_start echo run_remote $TCPTOOL srv-echo :: "$ECHO_PORT"
wait_port -r tcp "$ECHO_PORT" 5 || fail "remote echo server not up"

for mtu in 65520 1500; do
	bridge_start "passt$mtu" "$mtu" -t "$FWD_PORT"
	in_guest_bg "gecho$mtu" $TCPTOOL srv-echo :: "$FWD_PORT"
	wait_port -g tcp "$FWD_PORT" 5 || fail "echo server in the guest not up"

	for a in "$FAR4" "$FAR6"; do
		xfer_upload "guest to remote, $a, MTU $mtu" "$a"
		xfer_download "remote to guest, $a, MTU $mtu" "$a"
	done

	for a in "$FAR4" "$FAR6"; do
		check_ok "500 sequential connections to $a, MTU $mtu" \
			in_guest timeout 60 $TCPTOOL seq "$a" "$ECHO_PORT" \
			500 30
		check_ok "100 parallel connections to $a, MTU $mtu" \
			in_guest timeout 60 $TCPTOOL par "$a" "$ECHO_PORT" 100
	done

	for a in "$HOST4" "$HOST6"; do
		check_ok "remote to the guest through -t, $a, MTU $mtu" \
			run_remote timeout 60 $TCPTOOL seq "$a" "$FWD_PORT" 5
	done

	bg_stop "gecho$mtu"
	bridge_stop "passt$mtu"
	log "tapbridge (MTU $mtu): $(bg_log "passt$mtu-bridge" | tail -n 1)"
done

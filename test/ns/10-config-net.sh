#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/10-config-net.sh - pasta --config-net copies the host's setup
#
# pasta, unprivileged, runs a command in a new namespace; the command dumps
# the namespace's links, addresses and routes as JSON. Expected: a tap named
# like the host's upstream interface, up, MTU 65520, with exactly the host's
# global addresses (198.51.100.1/24, 2001:db8:1::1/64), default routes via
# the host's gateways, and loopback up.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd jq

out="$TEST_TMP/out"
mkdir -p "$out" && chown "$TEST_UID:$TEST_GID" "$out"

as_user "$PASTA" --config-net -d --dns "$DNS4" -- sh -c "
	ip -j link show >$out/link.json
	ip -j addr show >$out/addr.json
	ip -j -4 route show >$out/route4.json
	ip -j -6 route show >$out/route6.json
	readlink /proc/self/ns/net >$out/netns
	id -u >$out/uid
" >"$TEST_TMP/pasta.log" 2>&1
rc=$?
check_eq "$rc" 0 "pasta exit status"

check_not "command ran in another netns than the host's" \
	[ "$(cat "$out/netns")" = "$(readlink /proc/self/ns/net)" ]
check_eq "$(cat "$out/uid")" 0 "command's uid in its user namespace"

# Links
links=$(jq -r '[.[].ifname] | sort | join(" ")' "$out/link.json")
check_eq "$links" "$HOST_IF lo" "links in the namespace"
tap() { jq -r ".[] | select(.ifname == \"$HOST_IF\") | $1" "$out/link.json"; }
check_eq "$(tap .mtu)" 65520 "tap MTU"
check_eq "$(tap '.flags | index("UP") != null')" true "tap is up"
check_eq "$(tap .link_type)" ether "tap link type"
lo_up=$(jq -r '.[] | select(.ifname == "lo") | .flags | index("UP") != null' \
	"$out/link.json")
check_eq "$lo_up" true "loopback is up"

# Addresses
addrs=$(jq -r ".[] | select(.ifname == \"$HOST_IF\") | .addr_info[] |
	select(.scope == \"global\") | \"\(.local)/\(.prefixlen)\"" \
	"$out/addr.json" | sort | tr '\n' ' ')
check_eq "$addrs" "$HOST4/$HOST4_PLEN $HOST6/$HOST6_PLEN " \
	"global addresses on the tap"
lo_addrs=$(jq -r '.[] | select(.ifname == "lo") | .addr_info[] |
	"\(.local)/\(.prefixlen)"' "$out/addr.json" | sort | tr '\n' ' ')
check_eq "$lo_addrs" "127.0.0.1/8 ::1/128 " "loopback addresses"

# Routes
gw4=$(jq -r '.[] | select(.dst == "default") | "\(.gateway) \(.dev)"' \
	"$out/route4.json")
check_eq "$gw4" "$GW4 $HOST_IF" "IPv4 default route"
gw6=$(jq -r '.[] | select(.dst == "default") | "\(.gateway) \(.dev)"' \
	"$out/route6.json")
check_eq "$gw6" "$GW6 $HOST_IF" "IPv6 default route"

# SPDX-License-Identifier: GPL-2.0-or-later
#
# ping - Addresses (DHCP or static, SLAAC/DHCPv6 or static), ARP and NDP
# resolution of the gateway, ICMP echo to the gateway and, through it, to the
# remote namespace (which counts the echo requests it gets: ping.host)

net_v4
net_v6 5

check ping4-gateway ping -c 2 -W 3 "$GW4"
if ip neigh show "$GW4" dev eth0 | grep -q lladdr; then
	pass arp-gateway
	info "ARP: $(ip neigh show "$GW4" dev eth0)"
else
	fail arp-gateway "no neighbour entry for $GW4: $(ip neigh show dev eth0)"
fi
check ping4-remote ping -c 3 -W 3 "$REMOTE4"

check ping6-gateway ping6 -c 2 -W 3 "$GW6"
if ip -6 neigh show "$GW6" dev eth0 | grep -q lladdr; then
	pass ndp-gateway
	info "NDP: $(ip -6 neigh show "$GW6" dev eth0)"
else
	fail ndp-gateway "no neighbour entry for $GW6: $(ip -6 neigh show dev eth0)"
fi
check ping6-remote ping6 -c 3 -W 3 "$REMOTE6"
info "addresses: $(ip -o addr show dev eth0 | awk '{ print $4 }' | tr '\n' ' ')"
info "routes: $(ip route show | tr '\n' ';') $(ip -6 route show | tr '\n' ';')"
info "config: IPv4 $NET4, IPv6 $NET6"

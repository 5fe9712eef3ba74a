# SPDX-License-Identifier: GPL-2.0-or-later
#
# faults - Traffic through the fault-injecting proxy (faults.host): frames
# are dropped, duplicated, reordered, truncated and corrupted both ways.
# Nothing is asked of the replies; the host checks that passt survived.

net_v4
ip -6 addr add "$HOST6/64" dev eth0 nodad 2>/dev/null
ip -6 route replace default via "$GW6" dev eth0 2>/dev/null

n4=0
n6=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	ping -c 1 -W 1 -s $((i * 100)) "$REMOTE4" >/dev/null 2>&1 && n4=$((n4 + 1))
	ping6 -c 1 -W 1 -s $((i * 100)) "$REMOTE6" >/dev/null 2>&1 && n6=$((n6 + 1))
done
# Larger frames (one frame each at the 65520 bytes MTU that passt gives)
ping -c 2 -W 1 -s 4000 "$REMOTE4" >/dev/null 2>&1
ping6 -c 2 -W 1 -s 4000 "$REMOTE6" >/dev/null 2>&1
info "echo replies: IPv4 $n4/15, IPv6 $n6/15"
pass traffic-sent

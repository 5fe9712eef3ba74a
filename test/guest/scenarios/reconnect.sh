# SPDX-License-Identifier: GPL-2.0-or-later
#
# reconnect - The guest keeps working across a new connection to passt:
# ping, ask the host to reconnect (reconnect.host: restart passt, or cut the
# connection and reconnect to the same passt, or, with passt -1, see it exit
# and start a new one), ping again

net_v4
ip -6 addr add "$HOST6/64" dev eth0 nodad 2>/dev/null
ip -6 route replace default via "$GW6" dev eth0 2>/dev/null

if wait_until 10 ping -c 1 -W 2 "$REMOTE4"; then
	pass ping-before
else
	fail ping-before "no reply from $REMOTE4"
fi

host_sync reconnect 60
case $? in
0)	pass host-reconnect ;;
2)	fail host-reconnect "the host's reconnect step failed (see its log)" ;;
*)	fail host-reconnect "no answer from the host" ;;
esac

if wait_until 30 ping -c 1 -W 1 "$REMOTE4"; then
	pass ping4-after
else
	fail ping4-after "no reply from $REMOTE4 within 30 s"
fi
if wait_until 10 ping6 -c 1 -W 1 "$REMOTE6"; then
	pass ping6-after
else
	fail ping6-after "no reply from $REMOTE6 within 10 s"
fi

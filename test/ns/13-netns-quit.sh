#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/13-netns-quit.sh - pasta quits when its target namespace goes away
#
# A: attached by PID (pasta PID): the target process exits, pasta must exit
#    within a few seconds (the namespace is watched through /proc/PID/ns/net,
#    on procfs: the timer path).
# B: attached by path (--netns FILE --userns /proc/PID/ns/user), FILE a
#    bind mount of the namespace in a directory on tmpfs: unmounting and
#    deleting FILE (what "ip netns del" does) must make pasta exit within a
#    few seconds, while the namespace itself still lives (the inotify path).
# In both cases, first check that pasta did configure the target namespace.

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon
need_cmd nsenter jq

# ns_addrs() - Global addresses of $HOST_IF in the netns of a PID
ns_addrs() {
	nsenter -t "$1" -n ip -j addr show dev "$HOST_IF" 2>/dev/null |
		jq -r '.[0].addr_info[] | select(.scope == "global") |
		       "\(.local)/\(.prefixlen)"' | sort | tr '\n' ' '
}

# configured() - Did pasta configure the netns of a PID?
configured() {
	[ "$(ns_addrs "$1")" = "$HOST4/$HOST4_PLEN $HOST6/$HOST6_PLEN " ]
}

# wait_configured() - Wait until pasta configured the netns of a PID
wait_configured() {
	wait_for 10 configured "$1"
}

log "A: attach by PID, target exits"
bg_start holder as_user unshare -Urn sleep 1000
hp=$(bg_pid holder)
wait_for 5 sh -c "[ \"\$(readlink /proc/$hp/ns/net)\" != \
	\"\$(readlink /proc/self/ns/net)\" ]" || fail "holder has no netns"

bg_start pasta-pid as_user "$PASTA" --config-net -f -d --dns "$DNS4" "$hp"
wait_configured "$hp" || fail "pasta did not configure the netns of PID $hp"
check_eq "$(ns_addrs "$hp")" "$HOST4/$HOST4_PLEN $HOST6/$HOST6_PLEN " \
	"addresses in the target netns"
check "pasta runs while the target lives" bg_alive pasta-pid
sleep 1
check "pasta still runs after 1 s" bg_alive pasta-pid

bg_stop holder
bg_wait pasta-pid 5
st=$?
[ "$st" = 124 ] && fail "pasta still running 5 s after its target PID exited"
log "ok: pasta exited after its target PID exited"
log "pasta exit status: $st"

log "B: attach by path, path deleted"
bg_start holder2 as_user unshare -Urn sleep 1000
hp2=$(bg_pid holder2)
wait_for 5 sh -c "[ \"\$(readlink /proc/$hp2/ns/net)\" != \
	\"\$(readlink /proc/self/ns/net)\" ]" || fail "holder2 has no netns"
nsdir="$TEST_TMP/netns"
mkdir -p "$nsdir" && chmod 0755 "$nsdir" && : >"$nsdir/target" &&
	mount --bind "/proc/$hp2/ns/net" "$nsdir/target" ||
	fail "cannot bind-mount the target netns"

bg_start pasta-path as_user "$PASTA" --config-net -f -d --dns "$DNS4" \
	--netns "$nsdir/target" --userns "/proc/$hp2/ns/user"
wait_configured "$hp2" ||
	fail "pasta did not configure the netns at $nsdir/target"
check "pasta runs while the path exists" bg_alive pasta-path
sleep 1
check "pasta still runs after 1 s" bg_alive pasta-path

umount -l "$nsdir/target" && rm "$nsdir/target" || fail "cannot delete netns file"
bg_wait pasta-path 5
st=$?
[ "$st" = 124 ] && fail "pasta still running 5 s after its netns file was deleted"
log "ok: pasta exited after its netns file was deleted"
log "pasta exit status: $st"
check "target namespace still alive (exit was due to the path)" \
	bg_alive holder2

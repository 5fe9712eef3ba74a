# SPDX-License-Identifier: GPL-2.0-or-later
#
# tcp-faults - TCP transfers through the fault-injecting proxy (see
# tcp-faults.host: frames dropped, duplicated, reordered and truncated both
# ways): every transfer must complete with the right SHA-256 at both ends;
# run.sh checks that passt is still running at the end
#
# Variables (run.sh --var NAME=VALUE): TCPF_MB (size of each transfer, MiB,
# default 4), TCP_XFER_T (time limit of each transfer, default 60 s)

TCP_XFER_T=${TCP_XFER_T:-60}
TCP_LIB_ONLY=1
. /scenarios/tcp.sh

MB=${TCPF_MB:-4}

# alive() - After a failed check: does the guest still get frames at all?
# If not, stop here (see tcp-faults.host about zero-length frames)
alive() {
	grep -q "^FAIL" /tmp/guest-results || return 0
	wait_until 10 ping -c 1 -W 2 "$GW4" && return 0
	fail tcpf-link "no answer to ARP or ping from $GW4 any more: the" \
		"guest receives nothing, stopping"
	exit 0
}

# tcp_counters() - The guest TCP's view: timeouts, fast retransmits,
# reordering it believed it saw (TcpExt counters)
tcp_counters() {
	awk '$1 == "TcpExt:" {
		if (!h) { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		for (i = 2; i <= NF; i++)
			if (n[i] ~ /^TCP(Timeouts|RenoReorder|RenoRecovery|FastRetrans|SlowStartRetrans|LostRetransmit|RenoFailures|LossFailures)$/)
				printf "%s=%s ", n[i], $i }' /proc/net/netstat
}

# Under loss, DHCP and the first connection may take a few tries
tcp_net 30 || exit 0
make_upload "$MB" || exit 0
upload tcpf4-upload 4 /tmp/up.bin "$UP_SHA" "$MB"
alive
download tcpf4-download 4 "$MB"
alive
upload tcpf6-upload 6 /tmp/up.bin "$UP_SHA" "$MB"
alive
download tcpf6-download 6 "$MB"
alive
short_conns tcpf4-short 4 10
info "guest TcpExt: $(tcp_counters)"

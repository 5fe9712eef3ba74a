# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/lib.sh - What the benchmark scripts share (POSIX sh)
#
# Source after ns.sh and ns_setup. Sets RR, the path of the rr helper; set
# PASTA_PID for pasta_cpu.

RR="$TEST_TMP/bin/rr"

# perf_build_rr() - Build test/perf/rr.c as $RR, runnable by the test uid
perf_build_rr() {
	${CC:-cc} -O2 -Wall -Wextra -o "$RR" "$TOP/test/perf/rr.c" ||
		fail "cannot build test/perf/rr.c"
	chmod 0755 "$RR"
}

# perf_lo_servers() - iperf3 on port 5202 and rr on 5302 of the host's
# loopback, as the test uid, and a wide ephemeral port range
# $1: loopback address
perf_lo_servers() {
	echo "1024 65535" >/proc/sys/net/ipv4/ip_local_port_range
	bg_start iperf_lo as_user iperf3 -s -B "$1" -p 5202
	bg_start rr_lo as_user "$RR" server "$1" 5302
	wait_port tcp 5202 5 && wait_port tcp 5302 5 ||
		fail "host servers not up"
}

# proc_cpu() - Print a process's CPU time so far (user + system), in clock
# ticks, 0 if no PID is given
# $1: PID
proc_cpu() {
	[ -n "$1" ] || { echo 0; return; }
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# pasta_cpu() - Print pasta's CPU time so far, in clock ticks
pasta_cpu() {
	proc_cpu "$PASTA_PID"
}

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/splice-prof.sh - System calls and wake-ups of pasta's spliced
#			      paths, per GB and per connection
#
# Not a test, and not a speed measurement: it counts what pasta asks of the
# kernel (perf tracepoints on pasta's PID), which doesn't depend on how busy
# the machine is. Run as root; like the tests, everything happens inside
# namespaces this script creates (test/lib/ns.sh), nothing leaves them.
#
# Workloads (BENCH_TIME seconds each, default 3; IPv4 loopback):
#   tcp    iperf3 host>ns through -t, 128 KiB writes       per GB
#   tcp4   the same, 4 streams                              per GB
#   rr     test/perf/rr.c 1-byte ping-pong through -t       per transaction
#   crr    connect, request, response, close through -t     per connection
#   crrT   the same, namespace to host through -T           per connection
#   udpN   iperf3 -u -b 0 -l N, namespace to host (-U)      per GB
#          (PROF_UDP_RATE: -b, a rate pasta keeps up with, such as 1G)
#   holdN  N connections through -t open at once, then closed  per connection
#          (before "tcp": what many connections leave behind for a stream)
# Printed: pasta's CPU time (ms), the count of each system call (those over
# 0.01 per unit), its wake-ups (epoll_wait) and context switches, per unit. With PROF_RECORD=1,
# instead: where pasta spends its CPU time (perf record, kernel and user),
# the top PROF_TOP (default 25) symbols of each workload.

# shellcheck disable=SC2086	# word splitting of option lists on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
. "$TOP/test/perf/lib.sh"
need_daemon
need_cmd iperf3 python3 nsenter perf "${CC:-cc}"

T=${BENCH_TIME:-3}
KINDS=${PROF_KINDS:-tcp tcp4 rr crr crrT udp1472 udp8192 udp65000}
LO=127.0.0.1

perf_build_rr
perf_lo_servers "$LO"

pasta_start pasta --config-net --dns "$DNS4" -t 5203 -t 5303 -T 5202 \
	-T 5302 -u none -U 5202
PID=$(bg_pid pasta)
nsenter -t "$NS_PID" -U -n sh -c \
	'echo "1024 65535" > /proc/sys/net/ipv4/ip_local_port_range'
in_ns_bg iperf_ns iperf3 -s -p 5203
in_ns_bg rr_ns "$RR" server :: 5303
ns_wait_port 5203 5 && ns_wait_port 5303 5 || fail "namespace servers not up"

EVENTS="task-clock,raw_syscalls:sys_enter,context-switches"
for s in splice epoll_wait epoll_ctl setsockopt getsockopt accept4 connect \
	 socket close shutdown getsockname pipe2 fcntl clone clone3 \
	 recvmmsg sendmmsg recvmsg sendmsg wait4 setns; do
	EVENTS="$EVENTS,syscalls:sys_enter_$s"
done

# prof() - Count pasta's system calls during a command, print them per unit
# $1: workload name, $2: unit name, rest: command printing "AMOUNT" (units)
prof() {
	_n="$1" _u="$2"; shift 2
	if [ -n "$PROF_RECORD" ]; then
		perf record -q ${PROF_G:+-g} -o "$TEST_TMP/rec.$_n" -p "$PID" &
		_pp=$!
		sleep 0.5
		"$@" >/dev/null
		kill -INT "$_pp"
		wait "$_pp"
		echo "== $_n"
		perf report -q -i "$TEST_TMP/rec.$_n" ${PROF_G:+--no-children -G} --sort sym 2>/dev/null |
			head -n "${PROF_TOP:-25}"
		return
	fi
	perf stat -x, -e "$EVENTS" -p "$PID" -o "$TEST_TMP/perf.$_n" &
	_pp=$!
	sleep 0.5
	_amount=$("$@")
	kill -INT "$_pp"
	wait "$_pp"
	python3 - "$TEST_TMP/perf.$_n" "$_n" "$_u" "$_amount" <<'EOF'
import sys
path, name, unit, amount = sys.argv[1:5]
try:
    amount = float(amount)
except ValueError:
    print("%-9s error" % name); sys.exit()
out = []
for l in open(path):
    f = l.strip().split(",")
    if len(f) < 3 or not f[0].replace(".", "").isdigit():
        continue
    ev = f[2].replace("syscalls:sys_enter_", "").replace(
        "raw_syscalls:sys_enter", "syscalls").replace("task-clock", "CPU ms")
    v = float(f[0]) / amount
    if v >= 0.01:
        out.append("%s %.2f" % (ev, v))
print("%-9s per %s (%.5g): %s" % (name, unit, amount, ", ".join(out)))
EOF
}

# Workloads, each printing its amount of units
w_tcp() {
	as_user iperf3 -c "$LO" -p 5203 -t "$T" -J -l 128K "$@" | python3 -c '
import json, sys
print(json.load(sys.stdin)["end"]["sum_received"]["bytes"] / 1e9)'
}
w_rr() {
	$1 timeout $((T + 20)) "$RR" "$2" "$LO" "$3" "$T" | awk '{ print $2 }'
}
w_hold() {
	as_user python3 -c '
import socket, sys
n = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", 5303)) for _ in range(n)]
for s in socks:
    s.sendall(b"x")
for s in socks:
    s.recv(1)
    s.close()
print(n)' "$1"
}
# udp_drops() - Print UDP receive buffer drops: pasta's namespace, host
udp_drops() {
	for _f in "$(in_ns cat /proc/net/snmp)" "$(cat /proc/net/snmp)"; do
		echo "$_f" | awk '/^Udp: [0-9]/ { printf "%s ", $6 }'
	done
}
w_udp() {
	_d0=$(udp_drops)
	in_ns iperf3 -c "$LO" -p 5202 -t "$T" -J -u -b "${PROF_UDP_RATE:-0}" \
		-l "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["end"]["sum_received"]["bytes"] / 1e9)'
	echo "$_d0 $(udp_drops)" | awk '{ printf "  (receive buffer drops: " \
		"%d at pasta, %d at the receiver)\n", $3 - $1, $4 - $2 }' >&2
}

for k in $KINDS; do
	case "$k" in
	tcp)	prof tcp GB w_tcp ;;
	tcp4)	prof tcp4 GB w_tcp -P 4 ;;
	rr)	prof rr trans w_rr as_user tcp 5303 ;;
	crr)	prof crr conn w_rr as_user crr 5303 ;;
	crrT)	prof crrT conn w_rr in_ns crr 5302 ;;
	udp*)	prof "$k" GB w_udp "${k#udp}" ;;
	hold*)	prof "$k" conn w_hold "${k#hold}" ;;
	esac
done
bg_alive pasta || fail "pasta died"

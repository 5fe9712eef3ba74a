#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/splice-bench.sh - pasta's spliced path against the kernel's own
#			       loopback, measured in the same run
#
# Not a test: it never asserts a speed; it prints a table. Run as root: like
# the tests, everything happens inside namespaces this script creates
# (test/lib/ns.sh), nothing leaves them.
#
# Paths (IPv4 loopback, or BENCH_FAMILY=6 for ::1):
#   lo          client and server in the same namespace (the test's host
#               namespace) on the loopback: no pasta, the baseline
#   host>ns -t  client on the host's loopback to a port forwarded with -t,
#               server in pasta's namespace: spliced
#   ns>host -T  client on the namespace's loopback to a port forwarded with
#               -T, server on the host's loopback: spliced
#   host>ns tap the same as "host>ns -t" with --no-splice: through the tap
#               device, for comparison (BENCH_TAP=0 leaves it out)
#
# Measurements (each BENCH_TIME seconds, default 3):
#   TCP 1 stream   iperf3, 128 KiB writes: Gbit/s received
#   TCP 4 streams  iperf3 -P 4
#   TCP RR         test/perf/rr.c: one connection, 1-byte ping-pong: trans/s
#   TCP CRR        connect, 1-byte request and response, close: conn/s
# and pasta's CPU time (utime + stime, /proc/PID/stat) per GB received for
# streams, per transaction for RR and CRR, and the same for client, server
# and pasta together ("all CPU"). The ratio is ours / lo; the cost is all
# CPU / lo's all CPU, what the path costs the machine compared to loopback.

# shellcheck disable=SC2086	# word splitting of option lists on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
. "$TOP/test/perf/lib.sh"
need_daemon
need_cmd iperf3 python3 nsenter "${CC:-cc}"

T=${BENCH_TIME:-3}
LO=127.0.0.1
[ "${BENCH_FAMILY:-4}" = 6 ] && LO=::1
TABLE="$TEST_TMP/table"
CLK_TCK=$(getconf CLK_TCK)
KINDS="tcp tcp4 rr crr"

# Ports: 5202 iperf3 / 5302 rr on the host's loopback (baseline and -T),
# 5203 / 5303 in pasta's namespace (-t)
perf_build_rr
perf_lo_servers "$LO"

PASTA_PID=""
sp_name=""

# run_at() - Run a command where a client runs: host or ns
run_at() {
	_w="$1"; shift
	case "$_w" in
	host)	as_user "$@" ;;
	ns)	in_ns "$@" ;;
	esac
}

# iperf() - One iperf3 run, its JSON report to $TEST_TMP/out
# $1: where from, $2: port, rest: iperf3 options
iperf() {
	_w="$1" _p="$2"; shift 2
	run_at "$_w" timeout $((T + 20)) iperf3 -c "$LO" -p "$_p" -t "$T" -J \
		"$@" >"$TEST_TMP/out" 2>/dev/null
}

# iperf_result() - Print "GBIT_S BYTES" or "err 0" from $TEST_TMP/out
iperf_result() {
	python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("err 0"); sys.exit()
if "error" in d:
    sys.stderr.write("iperf3: %s\n" % d["error"])
    print("err 0"); sys.exit()
s = d["end"]["sum_received"]
print("%.2f %d" % (s["bits_per_second"] / 1e9, s["bytes"]))' <"$TEST_TMP/out"
}

# rr() - One rr client run, its output to $TEST_TMP/out
# $1: where from, $2: mode (tcp, crr), $3: port
rr() {
	run_at "$1" timeout $((T + 20)) "$RR" "$2" "$LO" "$3" "$T" \
		>"$TEST_TMP/out" || : >"$TEST_TMP/out"
}

# rr_result() - Print "RATE COUNT" or "err 0" from $TEST_TMP/out
rr_result() {
	awk '{ print $1, $2; f = 1 } END { if (!f) print "err 0" }' \
		"$TEST_TMP/out"
}

# servers_cpu() - Print the CPU time of the servers so far, in clock ticks
servers_cpu() {
	for _n in iperf_lo rr_lo iperf_$sp_name rr_$sp_name; do
		bg_alive "$_n" && cat "/proc/$(bg_pid "$_n")/stat"
	done 2>/dev/null | sed 's/.*) //' | awk '{ t += $12 + $13 } END {
		print t + 0 }'
}

# clients_cpu() - Print the CPU time of this shell's waited-for children
clients_cpu() {
	times >"$TEST_TMP/times"
	awk -v hz="$CLK_TCK" 'NR == 2 { split($1, u, "m"); split($2, s, "m");
		printf "%d\n", ((u[1] + s[1]) * 60 + u[2] + s[2]) * hz + 0.5 }' \
		"$TEST_TMP/times"
}

# measure() - One measurement, print "VALUE AMOUNT PASTA_TICKS ALL_TICKS":
# the CPU time of pasta, and of pasta, client and server together
# $1: kind, $2: where from, $3: iperf3 port, $4: rr port
measure() {
	_c0=$(pasta_cpu) _s0=$(servers_cpu)
	clients_cpu >"$TEST_TMP/cl0"
	case "$1" in
	tcp)	iperf "$2" "$3" -l 128K ;;
	tcp4)	iperf "$2" "$3" -l 128K -P 4 ;;
	rr)	rr "$2" tcp "$4" ;;
	crr)	rr "$2" crr "$4" ;;
	esac
	clients_cpu >"$TEST_TMP/cl1"
	_c1=$(pasta_cpu) _s1=$(servers_cpu)
	case "$1" in
	tcp*)	_r=$(iperf_result) ;;
	*)	_r=$(rr_result) ;;
	esac
	echo "$_r $((_c1 - _c0)) $((_c1 - _c0 + _s1 - _s0 + \
		$(cat "$TEST_TMP/cl1") - $(cat "$TEST_TMP/cl0")))"
}

# run_path() - All measurements of one path, appended to the table
# $1: path name, $2: where from, $3: iperf3 port, $4: rr port
run_path() {
	for _k in $KINDS; do
		_r=$(measure "$_k" "$2" "$3" "$4")
		log "$1 $_k: $_r"
		echo "$1 $_k $_r" >>"$TABLE"
	done
}

# start_pasta() - pasta with its servers in the namespace: $1: name, rest:
# pasta's options
start_pasta() {
	sp_name="$1"; shift
	pasta_start "$sp_name" --config-net --dns "$DNS4" "$@"
	PASTA_PID=$(bg_pid "$sp_name")
	nsenter -t "$NS_PID" -U -n sh -c \
		'echo "1024 65535" > /proc/sys/net/ipv4/ip_local_port_range'
	in_ns_bg "iperf_$sp_name" iperf3 -s -p 5203
	in_ns_bg "rr_$sp_name" "$RR" server :: 5303
	ns_wait_port 5203 5 && ns_wait_port 5303 5 ||
		fail "servers in the namespace not up"
}

# stop_pasta() - Stop pasta and its servers: $1: name
stop_pasta() {
	bg_alive "$1" || log "pasta ($1) died during the run"
	bg_stop "iperf_$1"
	bg_stop "rr_$1"
	bg_stop "$1"
	PASTA_PID=""
}

: >"$TABLE"
log "loopback baseline"
run_path lo host 5202 5302

start_pasta pasta -t 5203 -t 5303 -T 5202 -T 5302 -u none -U none
log "spliced"
run_path "host>ns -t" host 5203 5303
run_path "ns>host -T" ns 5202 5302
stop_pasta pasta

if [ "${BENCH_TAP:-1}" != 0 ]; then
	start_pasta pastatap --no-splice -t 5203 -t 5303 -T none -u none \
		-U none
	log "tap (--no-splice)"
	run_path "host>ns tap" host 5203 5303
	stop_pasta pastatap
fi

# Table: path, measurement, value, loopback, ratio, CPU costs
echo
python3 - "$TABLE" "$CLK_TCK" <<'EOF'
import sys
names = {"tcp": "TCP 1 stream Gbit/s", "tcp4": "TCP 4 streams Gbit/s",
         "rr": "TCP RR trans/s", "crr": "TCP CRR conn/s"}
tck = float(sys.argv[2])
rows = [l.split() for l in open(sys.argv[1])]
# path names hold one space: "host>ns -t"
rows = [[" ".join(f[:-5])] + f[-5:] if len(f) > 5 else f for f in rows]


def cost(kind, amount, ticks):
    """CPU seconds per GB (streams) or microseconds per transaction"""
    try:
        secs = int(ticks) / tck
        if kind in ("rr", "crr"):
            return secs * 1e6 / int(amount)
        return secs / (int(amount) / 1e9)
    except (ValueError, ZeroDivisionError):
        return None


def show(kind, c):
    if c is None:
        return "-"
    return ("%.1f us" if kind in ("rr", "crr") else "%.2f s") % c


base = {f[1]: f[2] for f in rows if f[0] == "lo"}
base_all = {f[1]: cost(f[1], f[3], f[5]) for f in rows if f[0] == "lo"}
fmt = "%-12s %-21s %8s %8s %6s %10s %10s %5s"
print(fmt % ("path", "measurement", "value", "lo", "ratio", "pasta CPU",
             "all CPU", "cost"))
for path, kind, val, amount, ticks, all_ticks in rows:
    ratio, rel = "-", "-"
    try:
        ratio = "%.2f" % (float(val) / float(base[kind]))
    except (ValueError, ZeroDivisionError, KeyError):
        pass
    c_all = cost(kind, amount, all_ticks)
    try:
        rel = "%.2f" % (c_all / base_all[kind])
    except (TypeError, ZeroDivisionError, KeyError):
        pass
    print(fmt % (path, names[kind], "error" if val == "err" else val,
                 base.get(kind, "-"), ratio,
                 "-" if path == "lo" else show(kind, cost(kind, amount, ticks)),
                 show(kind, c_all), rel))
EOF
echo
echo "lo: client and server on the same loopback, no pasta; ratio = value / lo"
echo "(1.00: as fast as the kernel's own loopback). pasta CPU: its user +"
echo "system time per GB received (streams) or per transaction (RR, CRR); all"
echo "CPU: the same for client, server and pasta together; cost = all CPU / lo's"
echo "all CPU (1.00: the path costs the machine what loopback does), which"
echo "depends much less on what else the machine runs than the speeds do."
echo "$(nproc) CPUs; numbers from shared machines are noisy: read the ratios."

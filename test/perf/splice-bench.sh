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
# streams, per transaction for RR and CRR. The ratio is ours / lo.

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

# run_at() - Run a command where a client runs: host or ns
run_at() {
	_w="$1"; shift
	case "$_w" in
	host)	as_user "$@" ;;
	ns)	in_ns "$@" ;;
	esac
}

# iperf() - One iperf3 run, print "GBIT_S BYTES" or "err 0"
# $1: where from, $2: port, rest: iperf3 options
iperf() {
	_w="$1" _p="$2"; shift 2
	run_at "$_w" timeout $((T + 20)) iperf3 -c "$LO" -p "$_p" -t "$T" -J \
		"$@" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("err 0"); sys.exit()
if "error" in d:
    sys.stderr.write("iperf3: %s\n" % d["error"])
    print("err 0"); sys.exit()
s = d["end"]["sum_received"]
print("%.2f %d" % (s["bits_per_second"] / 1e9, s["bytes"]))'
}

# rr() - One rr client run, print "RATE COUNT" or "err 0"
# $1: where from, $2: mode (tcp, crr), $3: port
rr() {
	_o=$(run_at "$1" timeout $((T + 20)) "$RR" "$2" "$LO" "$3" "$T") &&
		echo "$_o" | awk '{ print $1, $2 }' || echo "err 0"
}

# measure() - One measurement, print "VALUE AMOUNT CPU_TICKS"
# $1: kind, $2: where from, $3: iperf3 port, $4: rr port
measure() {
	_c0=$(pasta_cpu)
	case "$1" in
	tcp)	_r=$(iperf "$2" "$3" -l 128K) ;;
	tcp4)	_r=$(iperf "$2" "$3" -l 128K -P 4) ;;
	rr)	_r=$(rr "$2" tcp "$4") ;;
	crr)	_r=$(rr "$2" crr "$4") ;;
	esac
	echo "$_r $(($(pasta_cpu) - _c0))"
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

# Table: path, measurement, value, loopback, ratio, pasta's CPU
echo
python3 - "$TABLE" "$CLK_TCK" <<'EOF'
import sys
names = {"tcp": "TCP 1 stream Gbit/s", "tcp4": "TCP 4 streams Gbit/s",
         "rr": "TCP RR trans/s", "crr": "TCP CRR conn/s"}
tck = float(sys.argv[2])
rows = [l.split() for l in open(sys.argv[1])]
# path names hold one space: "host>ns -t"
rows = [[" ".join(f[:-4])] + f[-4:] if len(f) > 4 else f for f in rows]
base = {f[1]: f[2] for f in rows if f[0] == "lo"}
fmt = "%-12s %-21s %10s %10s %6s  %s"
print(fmt % ("path", "measurement", "value", "lo", "ratio", "pasta CPU"))
for path, kind, val, amount, ticks in rows:
    ratio, cpu = "-", "-"
    try:
        ratio = "%.2f" % (float(val) / float(base[kind]))
    except (ValueError, ZeroDivisionError, KeyError):
        pass
    if path != "lo":
        try:
            secs = int(ticks) / tck
            if kind in ("rr", "crr"):
                cpu = "%.1f us/trans" % (secs * 1e6 / int(amount))
            else:
                cpu = "%.2f s/GB" % (secs / (int(amount) / 1e9))
        except (ValueError, ZeroDivisionError):
            pass
    print(fmt % (path, names[kind], "error" if val == "err" else val,
                 base.get(kind, "-"), ratio, cpu))
EOF
echo
echo "lo: client and server on the same loopback, no pasta; ratio = value / lo"
echo "(1.00: as fast as the kernel's own loopback). pasta CPU: its user +"
echo "system time per GB received (streams) or per transaction (RR, CRR)."
echo "$(nproc) CPUs; numbers from shared machines are noisy: read the ratios."

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/perf/bench.sh - Throughput and latency of pasta and passt against a
#			kernel veth
#
# Not a test: it never asserts a speed; it prints a table. Run as root
# ('make bench'): like the tests, everything happens inside namespaces this
# script creates (test/lib/ns.sh), nothing leaves them.
#
# Paths, each at MTU 65520 and 1500 (pasta -m, and the same MTU on the
# test's veth):
#   ns>remote   client in pasta's namespace, server in the remote namespace
#               (FAR4): pasta's tap path, namespace to host sockets
#   remote>ns   client in the remote namespace to 198.51.100.1, forwarded by
#               -t / -u to a server in pasta's namespace: tap path, inbound
#   ns>hostlo   client in pasta's namespace to 127.0.0.1, forwarded by -T / -U
#               to a server on the host's loopback: the spliced path
#   guest>remote  passt, its guest the kernel of a namespace whose tap device
#               test/frame/tapbridge relays to passt's socket (as qemu does,
#               without emulation; see test/lib/bridge.sh), MTU as for pasta
#               (passt -m and the guest's tap): guest to remote (FAR4)
#   remote>guest  the remote to 198.51.100.1, forwarded by passt's -t to a
#               server in the guest
# (passt paths: TCP stream and TCP RR only), and beside each, the same
# measurement from the host namespace straight to the remote namespace over
# the kernel's veth pair, no pasta or passt ("veth"), measured in the same
# run, so that the ratio (ours / veth) is what to read.
#
# Measurements:
#   TCP stream    iperf3, one stream, 64 KiB writes: Gbit/s received
#   UDP stream    iperf3 -u -b 0, datagrams of 1472 (and, at MTU 65520,
#                 8192 and 65000) bytes: Gbit/s received, loss in brackets
#   TCP RR        test/perf/rr.c: one connection, 1-byte ping-pong: trans/s
#   TCP CRR       connect, 1-byte request/response, close: connections/s
#   UDP RR        1-byte datagram ping-pong: trans/s
# and the daemon's CPU time (pasta's or passt's, not tapbridge's: utime +
# stime from /proc/PID/stat) per GB received for streams, per transaction
# for RR.
#
# Environment: BENCH_TIME (seconds per stream, default 4), BENCH_RR_TIME
# (seconds per RR, default 3), BENCH_MTUS (default "65520 1500"),
# BENCH_PATHS (default "ns>remote remote>ns ns>hostlo"), BENCH_KINDS (the
# measurements to make, default all: tcp udp1472 udp8192 udp65000 rr crr
# udprr; those the MTU doesn't allow are left out, and passt's paths make
# only tcp and rr). BENCH_PASST=0 leaves the passt paths out.

# shellcheck disable=SC2086	# $TCPTOOL is "python3 PATH": split on purpose

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
. "$TOP/test/lib/pasta_ns.sh"
. "$TOP/test/perf/lib.sh"
. "$TOP/test/lib/bridge.sh"
need_daemon
need_cmd iperf3 python3 nsenter "${CC:-cc}"
[ "${BENCH_PASST:-1}" = 0 ] || need_tapbridge

T=${BENCH_TIME:-4}
TR=${BENCH_RR_TIME:-3}
MTUS=${BENCH_MTUS:-65520 1500}
TABLE="$TEST_TMP/table"
CLK_TCK=$(getconf CLK_TCK)

perf_build_rr

# Ports: iperf3 on 5201 in the remote (bound to FAR4, so that UDP answers
# come from the address the client talks to), 5202 on the host's loopback,
# 5203 in pasta's namespace, 5204 in passt's guest. rr servers get fresh
# ports for each set of measurements (rr_port): connect-request-response-
# close leaves tens of thousands of sockets in TIME_WAIT, and a later
# connect() to the same address and port would have to search the whole
# ephemeral range past them, which measures the kernel's port search, not
# the path. A wider ephemeral range, above the servers' ports, helps too.
for ns in "" "run_remote"; do
	$ns sh -c 'echo "10000 65535" > /proc/sys/net/ipv4/ip_local_port_range'
done
bg_start iperf_remote run_remote iperf3 -s -B "$FAR4" -p 5201
bg_start iperf_lo iperf3 -s -B 127.0.0.1 -p 5202
wait_port -r tcp 5201 5 && wait_port tcp 5202 5 || fail "servers not up"

RR_PORT=5300

# rr_port() - Start an rr server on a fresh port, set RR_PORT to it
# $1: where (remote, host, ns or guest), $2: address
rr_port() {
	RR_PORT=$((RR_PORT + 1))
	case "$1" in
	remote)	bg_start "rr$RR_PORT" run_remote "$RR" server "$2" "$RR_PORT"
		wait_port -r tcp "$RR_PORT" 5 ;;
	host)	bg_start "rr$RR_PORT" "$RR" server "$2" "$RR_PORT"
		wait_port tcp "$RR_PORT" 5 ;;
	ns)	in_ns_bg "rr$RR_PORT" "$RR" server "$2" "$RR_PORT"
		ns_wait_port "$RR_PORT" 5 ;;
	guest)	in_guest_bg "rr$RR_PORT" "$RR" server "$2" "$RR_PORT"
		wait_port -g tcp "$RR_PORT" 5 ;;
	esac || fail "rr server on port $RR_PORT ($1) not up"
}

# daemon_cpu() - Print the daemon's (pasta's, passt's) CPU time so far, in
# clock ticks
daemon_cpu() {
	proc_cpu "$DAEMON_PID"
}

# run_at() - Run a command where a client runs: host, ns, guest or remote
run_at() {
	_w="$1"; shift
	case "$_w" in
	host)	"$@" ;;
	ns)	in_ns "$@" ;;
	guest)	in_guest "$@" ;;
	remote)	run_remote "$@" ;;
	esac
}

# iperf() - One iperf3 run, print "GBIT_S BYTES LOSS%" or "err REASON"
# $1: where from, $2: address, $3: port, rest: iperf3 options
iperf() {
	_w="$1" _a="$2" _p="$3"; shift 3
	run_at "$_w" timeout $((T + 20)) iperf3 -c "$_a" -p "$_p" -t "$T" -J \
		"$@" 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("err 0 -"); sys.exit()
if "error" in d:
    sys.stderr.write("iperf3: %s\n" % d["error"])
    print("err 0 -"); sys.exit()
e = d["end"]
s = e.get("sum_received") or e["sum"]
loss = e.get("sum", {}).get("lost_percent")
print("%.2f %d %s" % (s["bits_per_second"] / 1e9, s["bytes"],
                      "-" if loss is None else "%.1f" % loss))'
}

# rr() - One rr client run, print "RATE COUNT" or "err"
# $1: where from, $2: mode (tcp, crr, udp), $3: address, $4: port
rr() {
	_o=$(run_at "$1" timeout $((TR + 20)) "$RR" "$2" "$3" "$4" "$TR") &&
		echo "$_o" | awk '{ print $1, $2 }' || echo "err 0"
}

# measure() - Run one measurement, print "VALUE AMOUNT LOSS CPU_TICKS"
# $1: kind (tcp, udp1472, udp8192, udp65000, rr, crr, udprr), $2: where
# from, $3: address, $4: iperf3 port, $5: rr port
measure() {
	_c0=$(daemon_cpu)
	case "$1" in
	tcp)	_r=$(iperf "$2" "$3" "$4" -l 64K) ;;
	rr)	_r="$(rr "$2" tcp "$3" "$5") -" ;;
	crr)	_r="$(rr "$2" crr "$3" "$5") -" ;;
	udprr)	_r="$(rr "$2" udp "$3" "$5") -" ;;
	udp*)	_r=$(iperf "$2" "$3" "$4" -u -b 0 -l "${1#udp}") ;;
	esac
	echo "$_r $(($(daemon_cpu) - _c0))"
}

# bench_path() - Each measurement on one path, a row of the table for each
# $1: path, $2: MTU, $3: measurements, $4: where from, $5: address,
# $6: iperf3 port, $7: rr port
bench_path() {
	for _k in $3; do
		_res=$(measure "$_k" "$4" "$5" "$6" "$7")
		log "$1 $2 $_k: $_res"
		echo "$1 $2 $_k $_res $(cut -d' ' -f2- "$TEST_TMP/veth-$2-$_k")" \
			>>"$TABLE"
	done
}

# kinds() - Measurements at this MTU: $1 MTU, $2 "passt" for passt's paths
kinds() {
	for _k in ${BENCH_KINDS:-tcp udp1472 udp8192 udp65000 rr crr udprr}; do
		case "${2:-}:$_k" in
		passt:tcp|passt:rr) echo "$_k" ;;
		passt:*) ;;
		*:udp8192|*:udp65000) [ "$1" -ge 65028 ] && echo "$_k" ;;
		*) echo "$_k" ;;
		esac
	done
}

: >"$TABLE"
for mtu in $MTUS; do
	log "MTU $mtu"
	ip link set "$HOST_IF" mtu "$mtu" &&
		ip -n "$REMOTE_NS" link set "$REMOTE_IF" mtu "$mtu" ||
		fail "cannot set veth MTU $mtu"

	# Kernel veth baseline: the host namespace to the remote
	DAEMON_PID=""
	rr_port remote "$FAR4"
	for k in $(kinds "$mtu"); do
		echo "$k $(measure "$k" host "$FAR4" 5201 "$RR_PORT")" \
			>"$TEST_TMP/veth-$mtu-$k"
		log "veth $mtu $k: $(cat "$TEST_TMP/veth-$mtu-$k")"
	done

	# rr ports for this pasta: remote, namespace, host loopback
	p1=$((RR_PORT + 1)) p2=$((RR_PORT + 2)) p3=$((RR_PORT + 3))
	pasta_start "pasta$mtu" --config-net -m "$mtu" --dns "$DNS4" \
		-t 5203 -u 5203 -t "$p2" -u "$p2" -T 5202 -U 5202 \
		-T "$p3" -U "$p3"
	DAEMON_PID=$(bg_pid "pasta$mtu")
	in_ns_bg "iperf_ns$mtu" iperf3 -s -p 5203
	ns_wait_port 5203 5 || fail "iperf3 server in the namespace not up"
	rr_port remote "$FAR4"
	rr_port ns ::
	rr_port host 127.0.0.1

	for path in ${BENCH_PATHS:-ns>remote remote>ns ns>hostlo}; do
		case "$path" in
		"ns>remote")	w=ns a=$FAR4 pi=5201 pr=$p1 ;;
		"remote>ns")	w=remote a=$HOST4 pi=5203 pr=$p2 ;;
		"ns>hostlo")	w=ns a=127.0.0.1 pi=5202 pr=$p3 ;;
		esac
		bench_path "$path" "$mtu" "$(kinds "$mtu")" "$w" "$a" "$pi" "$pr"
	done

	bg_alive "pasta$mtu" || log "pasta (MTU $mtu) died during the run"
	bg_stop "iperf_ns$mtu"
	bg_stop "rr$p2"
	bg_stop "pasta$mtu"

	[ "${BENCH_PASST:-1}" = 0 ] && continue

	# passt, the guest's kernel through tapbridge: rr ports remote, guest
	p1=$((RR_PORT + 1)) p2=$((RR_PORT + 2))
	bridge_start "passt$mtu" "$mtu" -t 5204 -t "$p2"
	DAEMON_PID=$(bg_pid "passt$mtu")
	in_guest_bg "iperf_guest$mtu" iperf3 -s -p 5204
	wait_port -g tcp 5204 5 || fail "iperf3 server in the guest not up"
	rr_port remote "$FAR4"
	rr_port guest ::

	k=$(kinds "$mtu" passt)
	bench_path "guest>remote" "$mtu" "$k" guest "$FAR4" 5201 "$p1"
	bench_path "remote>guest" "$mtu" "$k" remote "$HOST4" 5204 "$p2"

	bg_alive "passt$mtu" || log "passt (MTU $mtu) died during the run"
	bg_stop "iperf_guest$mtu"
	bg_stop "rr$p2"
	bridge_stop "passt$mtu"
done

# Table: path, MTU, measurement, ours, veth, ratio, pasta's CPU
echo
python3 - "$TABLE" "$CLK_TCK" <<'EOF'
import sys
names = {"tcp": "TCP stream Gbit/s", "rr": "TCP RR trans/s",
         "crr": "TCP CRR conn/s", "udprr": "UDP RR trans/s"}
tck = float(sys.argv[2])
fmt = "%-12s %5s  %-19s %14s %14s %6s  %s"
print(fmt % ("path", "MTU", "measurement", "ours", "veth", "ratio",
             "daemon CPU"))
for line in open(sys.argv[1]):
    f = line.split()
    path, mtu, kind = f[0], f[1], f[2]
    ours, amount, loss, ticks = f[3], f[4], f[5], f[6]
    veth, vloss = f[7], f[9]
    name = names.get(kind) or "UDP %s B Gbit/s" % kind[3:]
    def show(v, l):
        if v == "err":
            return "error"
        return v + ("" if l == "-" else " (%s%%)" % l)
    ratio = "-"
    try:
        ratio = "%.2f" % (float(ours) / float(veth))
    except (ValueError, ZeroDivisionError):
        pass
    cpu = "-"
    try:
        secs = int(ticks) / tck
        if kind in ("rr", "crr", "udprr"):
            cpu = "%.1f us/trans" % (secs * 1e6 / int(amount))
        else:
            cpu = "%.2f s/GB" % (secs / (int(amount) / 1e9))
    except (ValueError, ZeroDivisionError):
        pass
    print(fmt % (path, mtu, name, show(ours, loss), show(veth, vloss),
                 ratio, cpu))
EOF
echo
echo "ours: through pasta (ns paths) or passt with the kernel as its guest"
echo "(guest paths); veth: host namespace to remote namespace over the kernel"
echo "veth pair at the same MTU; ratio = ours / veth (higher is better, 1.00 ="
echo "kernel speed); UDP loss in brackets; daemon CPU: pasta's or passt's"

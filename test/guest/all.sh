#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/guest/all.sh - Real guest tests: build the image if needed, run each
# scenario with run.sh, print "PASS name" / "FAIL name" per run and a last
# line "N passed, N failed"
#
# Usage: test/guest/all.sh [NAME]...	(default: every run listed below)
# Runs as root (run.sh makes its own namespaces). Each run's output is in
# $GUEST_LOG_DIR (default: test/guest/.cache/logs), shown on failure.

cd "$(dirname "$0")" || exit 1
LOG_DIR=${GUEST_LOG_DIR:-.cache/logs}
mkdir -p "$LOG_DIR"

passed=0
failed=0
failed_names=""

# want() - Is the run named $1 selected on the command line?
want() {
	[ -z "$SELECTED" ] && return 0
	case " $SELECTED " in
	*" $1 "*)	return 0 ;;
	esac
	return 1
}
SELECTED="$*"

# run() - Run one scenario
# $1: name of the run, rest: run.sh arguments (environment may precede)
run() {
	_name=$1
	shift
	want "$_name" || return 0
	_log="$LOG_DIR/$_name.log"
	_t0=$(date +%s)
	if "$@" >"$_log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS $_name ($(($(date +%s) - _t0)) s)"
		grep '^# boot:' "$_log" | sed 's/^/    /'
	else
		failed=$((failed + 1))
		failed_names="$failed_names $_name"
		echo "FAIL $_name ($(($(date +%s) - _t0)) s), log: $_log"
		grep -E '^(FAIL |# host check|  GUEST-RESULT: FAIL)' "$_log" |
			sed 's/^/    /'
		tail -n 30 "$_log" | sed 's/^/    | /'
	fi
}

# Image (and the package download, outside any namespace) once for all
if ! bash ./mkimage.sh >"$LOG_DIR/mkimage.log" 2>&1; then
	echo "FAIL mkimage"
	tail -n 30 "$LOG_DIR/mkimage.log"
	echo "0 passed, 1 failed"
	exit 1
fi

if command -v python3 >/dev/null 2>&1; then
	run proxy-selftest sh -c 'cc -std=gnu11 -O2 -Wall -Wextra -Werror \
		-o ../proxy/proxy ../proxy/proxy.c &&
		timeout 300 python3 ../proxy/selftest.py ../proxy/proxy'
fi
run smoke		sh ./run.sh smoke
run ping		sh ./run.sh ping
run ping-fd		sh ./run.sh --fd ping
run ping-proxy		sh ./run.sh --proxy "--seed 1" ping
run reconnect-restart	env RECONNECT_MODE=restart sh ./run.sh reconnect
run reconnect-same	env RECONNECT_MODE=same sh ./run.sh reconnect
run reconnect-one-off	env RECONNECT_MODE=same sh ./run.sh reconnect -1
run faults		env FAULT_SEED=1 sh ./run.sh faults
run faults-seed2	env FAULT_SEED=2 FAULT_RATE=20% sh ./run.sh faults
# tcp: issue 6's sizes, 100 MiB each way over IPv4 and IPv6 at MTU 65520
# and 1500, 500 sequential and 100 parallel connections per IP version
# (about 2.5 min under TCG); GUEST_TCP_MB, GUEST_TCP_SHORT and GUEST_TCP_PAR
# make it smaller, to try something out
run tcp			sh ./run.sh --mem 1024 --timeout 1800 \
			--var TCP_UP_MB="${GUEST_TCP_MB:-100}" \
			--var TCP_DOWN_MB="${GUEST_TCP_MB:-100}" \
			--var TCP_MTU_MB="${GUEST_TCP_MB:-100}" --var TCP_XFER_T=600 \
			--var TCP_SHORT="${GUEST_TCP_SHORT:-500}" \
			--var TCP_PAR="${GUEST_TCP_PAR:-100}" tcp
run udp			sh ./run.sh udp
run forward		sh ./run.sh forward
run dns			sh ./run.sh dns
run tcp-faults		env FAULT_SEED=1 sh ./run.sh tcp-faults

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/fuzz/run.sh - Run each fuzz target for a while, one after the other
#
# Usage: test/fuzz/run.sh SECONDS [TARGET...]	(default: every target)
#
# The targets must be built (make -C test/fuzz, or 'make fuzz'). Runs
# itself under 'unshare -Urn'. Each target starts from corpus/TARGET (the
# seeds, in git) and build/corpus/TARGET (what earlier runs found, not in
# git), and adds what it finds to the latter; 'make -C test/fuzz merge'
# minimises that into corpus/TARGET. Crashing inputs are written to
# crashes/TARGET-crash-HASH (and -leak-, -timeout-, -oom-).
#
# Environment:
#	FUZZ_JOBS		libFuzzer -jobs/-workers (default: 1)
#	FUZZ_ARGS		more libFuzzer options
#	FUZZ_TAP_KNOWN_BUGS	see fuzz_tap.c: go on past known, unfixed bugs
#
# Prints, per target: executions, executions per second, coverage (edges),
# inputs kept in build/corpus/TARGET so far, and whether it crashed. Exits 1
# if any target crashed.

. "$(dirname "$0")/lib.sh"
fuzz_isolate "$@"

secs="${1:-60}"
shift
targets="${*:-$FUZZ_ALL}"
mkdir -p "$FUZZ_DIR/crashes"

# opts() - libFuzzer options of a target
opts() {
	case "$1" in
	fuzz_tap|fuzz_tap_pasta)
			echo "-max_len=65536 -timeout=20" \
			     "-dict=$FUZZ_DIR/dict/fuzz_tap.dict" ;;
	fuzz_conf)	echo "-max_len=2048 -timeout=10" \
			     "-dict=$FUZZ_DIR/dict/fuzz_conf.dict" ;;
	fuzz_fwd_spec)	echo "-max_len=512 -timeout=10" \
			     "-dict=$FUZZ_DIR/dict/fuzz_fwd_spec.dict" ;;
	fuzz_dhcp)	echo "-max_len=1500 -timeout=10" \
			     "-dict=$FUZZ_DIR/dict/fuzz_dhcp.dict" ;;
	*)		echo "-max_len=1500 -timeout=10" ;;
	esac
}

rc=0
summary=""
for t in $targets; do
	bin="$FUZZ_BUILD/$t"
	[ -x "$bin" ] || { echo "$t: $bin not built" >&2; exit 1; }
	work="$FUZZ_BUILD/corpus/$t"
	log="$FUZZ_BUILD/$t.log"
	mkdir -p "$work" "$FUZZ_DIR/corpus/$(fuzz_corpus "$t")"

	echo "== $t: ${secs}s"
	start=$(date +%s)
	jobs=
	[ "${FUZZ_JOBS:-1}" -gt 1 ] && jobs="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"
	# shellcheck disable=SC2046,SC2086
	(cd "$FUZZ_BUILD" && "$bin" -max_total_time="$secs" \
		-print_final_stats=1 -artifact_prefix="$FUZZ_DIR/crashes/$t-" \
		$jobs $(opts "$t") $FUZZ_ARGS \
		"$work" "$FUZZ_DIR/corpus/$(fuzz_corpus "$t")") >"$log" 2>&1
	status=$?
	elapsed=$(($(date +%s) - start))
	if [ -n "$jobs" ]; then
		cat "$FUZZ_BUILD"/fuzz-*.log >>"$log" 2>/dev/null
		rm -f "$FUZZ_BUILD"/fuzz-*.log
	fi

	# Final statistics: one set, or one per job
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		awk '{ s += $1 } END { print s + 0 }')
	speed=$((execs / (elapsed > 0 ? elapsed : 1)))
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ncorp=$(find "$work" -type f | wc -l)
	if grep -q "^SUMMARY\|ERROR: libFuzzer\|==FUZZ==" "$log" ||
	   [ $status -ne 0 ]; then
		res="CRASH (see $log, crashes/$t-*)"
		grep -m1 -A30 "ERROR\|==FUZZ==" "$log" | grep -v '^ *#[1-9][0-9]' |
			head -40 | sed 's/^/    /'
		rc=1
	else
		res=ok
	fi
	line=$(printf '%-14s %10s execs in %5ss %7s/s  cov %5s  kept %5s  %s' \
		"$t" "$execs" "$elapsed" "$speed" "${cov:-?}" "$ncorp" "$res")
	echo "$line"
	summary="$summary$line
"
done

echo
echo "== Summary (${secs}s per target)"
printf '%s' "$summary"
exit $rc

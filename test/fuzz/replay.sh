#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/fuzz/replay.sh - Run every corpus file through its target, once
#
# Usage: test/fuzz/replay.sh [--crashes] [TARGET...]
#	--crashes	also the inputs in crashes/ (to check fixes: they
#			crashed once, and belong in the corpus once fixed)
#	TARGET		fuzz_tap, fuzz_dhcp... (default: all)
#
# The targets must be built (make -C test/fuzz, or 'make fuzz-replay').
# Runs itself under 'unshare -Urn': fuzz_tap's frames make the daemon's code
# open sockets. Exits 1 if any input crashes or trips a sanitizer, and
# prints the report of each one that does. fuzz_tap's inputs are replayed
# four times, shifted by 0 to 3 bytes (FUZZ_TAP_SHIFT, see fuzz_tap.c): each
# header at each alignment, for UBSan's alignment check.

. "$(dirname "$0")/lib.sh"
fuzz_isolate "$@"

crashes=
targets=
for a; do
	case "$a" in
	--crashes)	crashes=1 ;;
	*)		targets="$targets $a" ;;
	esac
done
[ -z "$targets" ] && targets=$FUZZ_ALL

rc=0
total=0
noise='^INFO:\|^Running:\|^\*\*\*\|^Executed'	# libFuzzer's own lines
for t in $targets; do
	bin="$FUZZ_BUILD/$t"
	[ -x "$bin" ] || { echo "FAIL $t: $bin not built"; rc=1; continue; }

	# In name order: inputs run one after the other in one process, and
	# what one leaves (the clock, the daemon's state) is the next one's
	# start, so the order must be the same in every replay
	list=$(mktemp)
	{
		find "$FUZZ_DIR/corpus/$(fuzz_corpus "$t")" -type f 2>/dev/null
		[ -n "$crashes" ] && find "$FUZZ_DIR/crashes" -type f \
			-name "$t-*" 2>/dev/null
	} | LC_ALL=C sort >"$list"
	n=$(wc -l <"$list")
	if [ "$n" -eq 0 ]; then
		echo "FAIL $t: no corpus in corpus/$(fuzz_corpus "$t")"
		rc=1
		rm -f "$list"
		continue
	fi

	log=$(mktemp)
	shifts=0
	[ "$t" = fuzz_tap ] && shifts="0 1 2 3"
	for s in $shifts; do
		name=$t
		[ "$s" -gt 0 ] && name="$t (FUZZ_TAP_SHIFT=$s)"

		# All files in one process; on a failure, each file on its
		# own, to name every input that fails
		start=$(date +%s)
		if FUZZ_TAP_SHIFT=$s xargs "$bin" -timeout=25 <"$list" \
			>"$log" 2>&1; then
			echo "ok   $name: $n inputs" \
			     "($(($(date +%s) - start))s)"
		else
			bad=0
			while read -r f; do
				FUZZ_TAP_SHIFT=$s "$bin" -timeout=25 "$f" \
					>"$log.1" 2>&1 && continue
				bad=$((bad + 1))
				echo "FAIL $name: ${f#"$FUZZ_DIR"/}"
				grep -v "$noise" "$log.1" | head -60 |
					sed 's/^/    /'
			done <"$list"
			if [ "$bad" -eq 0 ]; then
				echo "FAIL $name: only in sequence (each" \
				     "input passes alone), in this order:"
				grep '^Running:' "$log" | tail -3 |
					sed 's/^/    /'
				tail -40 "$log"
			fi
			echo "FAIL $name: $bad of $n inputs"
			rc=1
		fi
		total=$((total + n))
	done
	rm -f "$list" "$log" "$log.1"
done

echo "replayed $total inputs: $([ $rc -eq 0 ] && echo ok || echo FAILED)"
exit $rc

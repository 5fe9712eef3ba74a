#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/11-exit-status.sh - pasta -- CMD exits with CMD's status
#
# exit 0, exit 7, exit 255, false -> the same status; a command killed by a
# signal (SIGKILL from outside, SIGSEGV) -> 128 + signal number; a missing
# command -> non-zero. Each run must end promptly (the daemon must not
# outlive the command).

. "$(dirname "$0")/../lib/ns.sh"
ns_setup "$@"
need_daemon

n=0
# run_pasta() - Run CMD in pasta, pasta's exit status in $st
run_pasta() {
	n=$((n + 1))
	echo "pasta $*" >"$TEST_TMP/pasta-$n.log"
	# shellcheck disable=SC2086
	timeout -k 2 20 setpriv $NS_SETPRIV -- env HOME="$TEST_TMP" \
		"$PASTA" --config-net -d --dns "$DNS4" -- "$@" \
		>>"$TEST_TMP/pasta-$n.log" 2>&1
	st=$?
}

run_pasta true;			check_eq "$st" 0 "status of 'true'"
run_pasta sh -c 'exit 7';	check_eq "$st" 7 "status of 'exit 7'"
run_pasta sh -c 'exit 255';	check_eq "$st" 255 "status of 'exit 255'"
run_pasta false;		check_eq "$st" 1 "status of 'false'"
# The command is PID 1 of a new PID namespace: signals it sends itself are
# ignored. A shell reporting its child's death by SIGTERM exits with 143:
# shellcheck disable=SC2016
run_pasta sh -c 'sh -c "kill -TERM \$\$"'
check_eq "$st" 143 "status of a shell whose child got SIGTERM"

# Killed by a signal itself: SIGKILL from outside, a real segmentation fault
# cmd_pid() - PID (in our namespace) of the child "sleep" of a process
cmd_pid() {
	for _s in $(grep -l "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status \
		    2>/dev/null); do
		_c=${_s%/status}
		[ "$(cat "$_c/comm" 2>/dev/null)" = sleep ] && echo "${_c#/proc/}"
	done | head -n 1
}
has_child() {
	[ -n "$(cmd_pid "$1")" ]
}
n=$((n + 1))
bg_start "pasta-$n" as_user "$PASTA" --config-net -d --dns "$DNS4" \
	-- sleep 100
pp=$(bg_pid "pasta-$n")
wait_for 10 has_child "$pp" || fail "pasta did not start its command"
cp=$(cmd_pid "$pp")
check_eq "$(cat "/proc/$cp/comm")" sleep "command found as PID $cp"
kill -KILL "$cp"
bg_wait "pasta-$n" 10
check_eq "$?" 137 "status of a command killed by SIGKILL"

cat >"$TEST_TMP/segv.c" <<EOF
#include <sys/prctl.h>
int main(void)
{
	prctl(PR_SET_DUMPABLE, 0);	/* no core dump */
	return *(volatile int *)0;
}
EOF
${CC:-cc} -O0 -o "$TEST_TMP/segv" "$TEST_TMP/segv.c" ||
	fail "cannot build the crashing helper"
chmod 0755 "$TEST_TMP/segv"
run_pasta "$TEST_TMP/segv"
check_eq "$st" 139 "status of a command killed by SIGSEGV"

run_pasta /nonexistent/command
check_not "missing command gives non-zero status (got $st)" [ "$st" = 0 ]
check_not "missing command does not hang (got $st)" [ "$st" = 124 ]

rm -f "$TEST_TMP"/pasta-*.log	# all good: no need to keep them

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/guest/run.sh - Boot the test guest (qemu) on passt, run one scenario
#
# Usage: test/guest/run.sh [OPTIONS] SCENARIO [PASST_OPTION]...
#
# Runs as root. Builds the guest image if needed (mkimage.sh, before any
# namespace: it may need the package mirror), then, inside fresh mount, PID
# and network namespaces made by test/lib/ns.sh (the "host" namespace of the
# test, a veth to a "remote" namespace, documentation addresses, a private
# resolv.conf), starts passt as an unprivileged uid, boots qemu on it with
# scenario=SCENARIO (test/guest/scenarios/SCENARIO.sh inside the guest), and
# reads the guest's serial console until GUEST-DONE.
#
# Options:
#   --fd			give passt and qemu the two ends of a socketpair
#				(passt --fd N, -netdev stream,addr.type=fd)
#   --proxy "ARGS"		put test/proxy/proxy between qemu and passt,
#				with these fault options (e.g. "--drop 5%")
#   --reconnect			qemu reconnects when passt goes away: qemu's own
#				reconnect-ms= (9.2) or reconnect= (8.0) if it
#				has one, else through the proxy's --reconnect
#   --no-passt			no back-end (the device has no peer)
#   --timeout SECONDS		limit for the guest run (default 120)
#   --mem MIB			the guest's memory (default 256)
#   --accel kvm|tcg		skip the probe, use this
#   --var NAME=VALUE		exported to the guest scenario (gv.NAME=VALUE)
#   -v, --verbose		show every console line as it comes
#   -i, --interactive		console on this terminal, no scenario given:
#				a shell (poweroff -f to leave)
#
# A scenario may come with test/guest/scenarios/SCENARIO.host (POSIX sh,
# sourced by this script) that sets defaults (G_NO_PASST=1, G_TIMEOUT=...,
# G_PROXY_ARGS=..., G_RECONNECT=1) and defines hooks: host_setup (before
# passt starts), host_sync TAG (on the guest's "GUEST-SYNC TAG"; status 0
# answers ACK, else NAK), host_check (after the guest is done; call g_fail
# to report a failure).
#
# Exit status: 0 if every guest check passed and passt did not crash.
#
# Environment: GUEST_CACHE (see mkimage.sh), GUEST_ACCEL (kvm or tcg),
# PASST_BIN (daemon binary, default: ./passt at the top of the tree), QEMU
# (default: qemu-system-x86_64), TEST_UID (see test/lib/ns.sh).

G_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$G_DIR/../.." && pwd)
export TOP
G_CACHE=${GUEST_CACHE:-$G_DIR/.cache}
G_PROXY_BIN=$TOP/test/proxy/proxy
G_FDPAIR=$G_CACHE/fdpair
G_QEMU=${QEMU:-qemu-system-x86_64}
G_FDA=5		# --fd mode: passt's end of the socketpair
G_FDB=6		# --fd mode: qemu's end
G_CONSOLE_FD=7	# console FIFO, read side

# g_usage() - Print usage and exit
# $1: exit status
g_usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "$G_DIR/run.sh"
	exit "$1"
}

# g_parse() - Parse options: set G_* variables, G_SHIFT: options consumed
g_parse() {
	G_MODE=socket
	G_PROXY=0
	G_PROXY_ARGS_OPT=""
	G_RECONNECT_OPT=""
	G_NO_PASST_OPT=""
	G_TIMEOUT_OPT=""
	G_MEM=256
	G_ACCEL=${GUEST_ACCEL:-}
	G_VARS=""
	G_INTERACTIVE=0
	G_VERBOSE=0
	G_SHIFT=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--fd)		G_MODE=fd ;;
		--proxy)	G_PROXY=1; G_PROXY_ARGS_OPT=$2
				shift; G_SHIFT=$((G_SHIFT + 1)) ;;
		--reconnect)	G_RECONNECT_OPT=1 ;;
		--no-passt)	G_NO_PASST_OPT=1 ;;
		--timeout)	G_TIMEOUT_OPT=$2
				shift; G_SHIFT=$((G_SHIFT + 1)) ;;
		--accel)	G_ACCEL=$2
				shift; G_SHIFT=$((G_SHIFT + 1)) ;;
		--mem)		G_MEM=$2
				shift; G_SHIFT=$((G_SHIFT + 1)) ;;
		--var)		G_VARS="$G_VARS gv.$2"
				shift; G_SHIFT=$((G_SHIFT + 1)) ;;
		-i|--interactive) G_INTERACTIVE=1 ;;
		-v|--verbose)	G_VERBOSE=1 ;;
		-h|--help)	g_usage 0 ;;
		--)		shift; G_SHIFT=$((G_SHIFT + 1)); break ;;
		-*)		echo "run.sh: unknown option $1" >&2; g_usage 1 ;;
		*)		break ;;
		esac
		shift
		G_SHIFT=$((G_SHIFT + 1))
	done
	if [ $# -gt 0 ]; then
		G_SCENARIO=$1
		G_SHIFT=$((G_SHIFT + 1))
	elif [ "$G_INTERACTIVE" = 1 ]; then
		G_SCENARIO=shell
	else
		echo "run.sh: no scenario given" >&2
		g_usage 1
	fi
	case "$G_ACCEL" in
	""|kvm|tcg) ;;
	*) echo "run.sh: --accel: kvm or tcg" >&2; exit 1 ;;
	esac
	case "$G_MEM" in
	""|*[!0-9]*) echo "run.sh: --mem: MiB, a number" >&2; exit 1 ;;
	esac
}

g_parse "$@"

# Scenario defaults and hooks
G_NO_PASST=""
G_TIMEOUT=120
G_PROXY_ARGS=""
G_RECONNECT=""
if [ -f "$G_DIR/scenarios/$G_SCENARIO.host" ]; then
	. "$G_DIR/scenarios/$G_SCENARIO.host"
elif [ "$G_SCENARIO" != shell ] &&
     [ ! -f "$G_DIR/scenarios/$G_SCENARIO.sh" ]; then
	echo "run.sh: no scenario $G_DIR/scenarios/$G_SCENARIO.sh" >&2
	exit 1
fi
[ -n "$G_NO_PASST_OPT" ] && G_NO_PASST=1
[ -n "$G_TIMEOUT_OPT" ] && G_TIMEOUT=$G_TIMEOUT_OPT
[ -n "$G_RECONNECT_OPT" ] && G_RECONNECT=1
if [ "$G_PROXY" = 1 ]; then
	G_PROXY_ARGS=$G_PROXY_ARGS_OPT
elif [ -n "$G_PROXY_ARGS" ]; then
	G_PROXY=1
fi

# g_build() - Build a helper from one C file if missing or older
# $1: source, $2: binary
g_build() {
	if [ ! -x "$2" ] || [ "$1" -nt "$2" ]; then
		${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Werror -o "$2.tmp.$$" \
			"$1" || return 1
		mv "$2.tmp.$$" "$2"
	fi
}

# g_prepare() - Outside any namespace: tools, image, helpers
g_prepare() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "run.sh: must run as root (it makes its own namespaces," \
		     "and runs passt as an unprivileged uid)" >&2
		exit 1
	fi
	if ! command -v "$G_QEMU" >/dev/null 2>&1; then
		echo "run.sh: installing qemu-system-x86" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends qemu-system-x86 >&2 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends \
			qemu-system-x86 >&2; } ||
		{ echo "run.sh: cannot install qemu-system-x86" >&2; exit 1; }
	fi
	bash "$G_DIR/mkimage.sh" || exit 1
	g_build "$G_DIR/fdpair.c" "$G_FDPAIR" || exit 1
	g_build "$TOP/test/proxy/proxy.c" "$G_PROXY_BIN" || exit 1
}

if [ -z "${NS_INNER:-}" ] && [ -z "${G_WRAPPED:-}" ]; then
	g_prepare
	G_WRAPPED=1
	export G_WRAPPED
	# --fd: the pair is made here and inherited through the namespaces
	if [ "$G_MODE" = fd ]; then
		set -- "$G_FDPAIR" "$G_FDA" "$G_FDB" sh "$0" "$@"
	else
		set -- sh "$0" "$@"
	fi
	[ "$G_INTERACTIVE" = 1 ] && exec "$@"
	# Probes (first run only) may take up to 100 s more
	exec timeout -k 10 $((G_TIMEOUT + 150)) "$@"
fi

# g_layout() - Enter the namespaces of the test and build its network
# Everything below runs in them. The layout is test/lib/ns.sh's: host
# namespace (this script, PID 1) 198.51.100.1/24 2001:db8:1::1/64 on a veth
# to the remote namespace 198.51.100.2/24 2001:db8:1::2/64 (the default
# gateway), with 203.0.113.1/24 and 2001:db8:2::1/64 on the remote's lo.
g_layout() {
	. "$TOP/test/lib/ns.sh"
	ns_setup "$@"
}
g_layout "$@"
shift "$G_SHIFT"	# what is left: passt options

G_PASST_SOCK="$TEST_TMP/passt.sock"
G_QEMU_SOCK="$TEST_TMP/qemu.sock"
G_INITRD="$G_CACHE/initramfs.cpio"
G_HOST_FAIL=""
G_PASST_N=0
G_PASST_NAME=""
G_PASST_ARGS=""
for _g_a; do
	G_PASST_ARGS="$G_PASST_ARGS $_g_a"
done

# g_fail() - Record a host-side failure (the run goes on, then fails)
g_fail() {
	echo "# host check failed: $*"
	G_HOST_FAIL="${G_HOST_FAIL:+$G_HOST_FAIL; }$*"
}

# g_bg() - Start a background process, minding the --fd socketpair
# $1: name, $2: socketpair end to keep open ("-": none), rest: command,
# which may start with as_user. Output goes to $TEST_TMP/NAME.log (shown by
# test/lib/ns.sh on failure), the PID to $TEST_TMP/.guest/NAME.pid; the
# library's cleanup stops it.
g_bg() {
	_g_name=$1
	_g_keep=$2
	shift 2
	if [ "$1" = as_user ]; then
		shift
		# shellcheck disable=SC2086
		set -- setpriv $NS_SETPRIV -- env HOME="$TEST_TMP" "$@"
	fi
	(
		for _g_fd in $G_FDA $G_FDB $G_CONSOLE_FD; do
			[ "$_g_fd" = "$_g_keep" ] || eval "exec $_g_fd>&-"
		done
		exec "$@"
	) >"$TEST_TMP/$_g_name.log" 2>&1 </dev/null &
	mkdir -p "$TEST_TMP/.guest"
	echo $! >"$TEST_TMP/.guest/$_g_name.pid"
	ns_track_pid $!
}

# g_pid() - PID of a process started by g_bg
# $1: name
g_pid() {
	cat "$TEST_TMP/.guest/$1.pid"
}

# g_alive() - Is a process started by g_bg still running?
# $1: name
g_alive() {
	pid_alive "$(g_pid "$1")"
}

# g_stop() - Stop a process started by g_bg
# $1: name
# Return: its exit status (143: it obeyed SIGTERM)
g_stop() {
	_g_p=$(g_pid "$1")
	pid_stop "$_g_p"
	wait "$_g_p" 2>/dev/null
}

# g_wait() - Wait for a process started by g_bg to exit by itself
# $1: name, $2: time limit in seconds
# Return: its exit status, 124 if still running
g_wait() {
	_g_p=$(g_pid "$1")
	pid_wait_gone "$_g_p" "$2" || return 124
	wait "$_g_p" 2>/dev/null
}

# g_log() - Print the output of a process started by g_bg
g_log() {
	cat "$TEST_TMP/$1.log"
}

# g_now() - Print the time in seconds, with nanoseconds
g_now() {
	date +%s.%N
}

# g_elapsed() - Print $2 - $1 with two decimals
g_elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'
}

# g_qemu_version_key() - Identify qemu's binary, for cached verdicts
g_qemu_version_key() {
	"$G_QEMU" --version 2>/dev/null | head -n 1 | tr -c 'A-Za-z0-9.+\n' _
}

# g_probe_boot() - Boot the smoke scenario without network
# $1: accel, $2: kernel, $3: time limit (s)
# Return: 0 if the guest reached GUEST-DONE
g_probe_boot() {
	_g_out="$TEST_TMP/probe-$1-$(basename "$2").txt"
	timeout -k 2 "$3" "$G_QEMU" -nodefaults -no-user-config -display none \
		-accel "$1" -m 256 -smp 1 -no-reboot \
		-kernel "$2" -initrd "$G_INITRD" \
		-append "console=ttyS0 quiet panic=-1 scenario=smoke" \
		-serial "file:$_g_out" -device virtio-net-pci \
		</dev/null >/dev/null 2>&1
	grep -q '^GUEST-DONE' "$_g_out" 2>/dev/null
}

# g_boot_choice() - Decide kernel file and accelerator, probing once
# Sets G_KERNEL, G_KERNEL_KIND, G_ACCEL. Verdicts are cached in
# $G_CACHE/boot-verdict (per image) and $G_CACHE/kvm-verdict (per kernel
# package and qemu version).
g_boot_choice() {
	_g_stamp=$(cat "$G_CACHE/stamp")
	_g_kpkg=$(cat "$G_CACHE/kernel/.from" 2>/dev/null)
	_g_v=$(cat "$G_CACHE/boot-verdict" 2>/dev/null)
	if [ "${_g_v% *}" = "$_g_stamp" ]; then
		G_KERNEL_KIND=${_g_v#* }
	else
		G_KERNEL_KIND=""
		if [ "$(cat "$G_CACHE/pvh" 2>/dev/null)" = yes ] &&
		   g_probe_boot tcg "$G_CACHE/vmlinux" 60; then
			G_KERNEL_KIND=vmlinux
		elif g_probe_boot tcg "$G_CACHE/vmlinuz" 90; then
			G_KERNEL_KIND=vmlinuz
			echo "# PVH boot of vmlinux failed: using the bzImage"
		else
			echo "# the guest does not boot, probe console output:"
			cat "$TEST_TMP"/probe-*.txt 2>/dev/null | tail -n 40
			fail "guest boot probe failed"
		fi
		echo "$_g_stamp $G_KERNEL_KIND" >"$G_CACHE/boot-verdict"
	fi
	G_KERNEL="$G_CACHE/$G_KERNEL_KIND"

	if [ -z "$G_ACCEL" ]; then
		_g_key="$_g_kpkg $(g_qemu_version_key)"
		_g_v=$(cat "$G_CACHE/kvm-verdict" 2>/dev/null)
		if [ "${_g_v% *}" = "$_g_key" ]; then
			G_ACCEL=${_g_v##* }
		else
			G_ACCEL=tcg
			if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
				echo "# probing KVM (once, up to 20 s)"
				g_probe_boot kvm "$G_KERNEL" 20 && G_ACCEL=kvm
			fi
			echo "# KVM probe verdict: $G_ACCEL"
			echo "$_g_key $G_ACCEL" >"$G_CACHE/kvm-verdict"
		fi
	fi
}

# g_qemu_has_reconnect() - Does this qemu reconnect -netdev stream clients?
# Sets G_RECONNECT_OPT to the option (reconnect-ms=1000 since qemu 9.2,
# reconnect=1 since 8.0). A qemu that accepts the option keeps running
# (-S, no machine) until the time limit.
g_qemu_has_reconnect() {
	for _g_o in reconnect-ms=1000 reconnect=1; do
		timeout 3 "$G_QEMU" -nodefaults -no-user-config -display none \
			-machine none -S -netdev \
			"stream,id=x,server=off,$_g_o,addr.type=unix,addr.path=$TEST_TMP/none" \
			</dev/null >/dev/null 2>&1
		if [ $? = 124 ]; then
			G_RECONNECT_OPT=$_g_o
			return 0
		fi
	done
	return 1
}

# g_passt_bound() - Is a socket bound at passt's path in this namespace?
# The file may be gone already: passt -1 may remove it once a client came.
g_passt_bound() {
	test -S "$G_PASST_SOCK" ||
		awk -v p="$G_PASST_SOCK" '$NF == p { f = 1 } END { exit !f }' \
			/proc/net/unix
}

# g_start_passt() - Start (or start again) passt, wait until it serves
# Options: the run's passt options. In --fd mode, passt gets its end of the
# socketpair (only once).
g_start_passt() {
	G_PASST_N=$((G_PASST_N + 1))
	G_PASST_NAME=passt
	[ "$G_PASST_N" -gt 1 ] && G_PASST_NAME=passt-$G_PASST_N
	if [ "$G_MODE" = fd ]; then
		# shellcheck disable=SC2086
		g_bg "$G_PASST_NAME" "$G_FDA" as_user "$PASST" -f \
			--fd "$G_FDA" --dns "$DNS4" $G_PASST_ARGS
		sleep 0.2
	else
		rm -f "$G_PASST_SOCK"
		# shellcheck disable=SC2086
		g_bg "$G_PASST_NAME" - as_user "$PASST" -f -s "$G_PASST_SOCK" \
			--dns "$DNS4" $G_PASST_ARGS
		wait_for 10 g_passt_bound || {
			g_log "$G_PASST_NAME" | tail -n 20
			fail "passt did not create $G_PASST_SOCK"
		}
	fi
	g_alive "$G_PASST_NAME" || {
		g_log "$G_PASST_NAME" | tail -n 20
		fail "passt exited at start"
	}
	if [ "$G_MODE" = fd ]; then
		_g_how="--fd $G_FDA"
	else
		_g_how="-s $G_PASST_SOCK"
	fi
	echo "# passt started, PID $(g_pid "$G_PASST_NAME"), uid $TEST_UID:" \
	     "passt -f $_g_how --dns $DNS4$G_PASST_ARGS"
}

# g_passt_pid() - PID of the current passt
g_passt_pid() {
	g_pid "$G_PASST_NAME"
}

# g_stop_passt() - Stop the current passt, print its exit status
# Return: its exit status (143: it obeyed SIGTERM)
g_stop_passt() {
	g_stop "$G_PASST_NAME"
	_g_st=$?
	echo "$_g_st" >"$TEST_TMP/$G_PASST_NAME.status"
	return "$_g_st"
}

# g_restart_passt() - Stop passt and start a new one on the same socket
g_restart_passt() {
	g_stop_passt
	echo "# passt stopped (status $?), starting it again"
	g_start_passt
}

# g_proxy_cut() - Ask the proxy to cut its connection to passt now
g_proxy_cut() {
	kill -USR1 "$(g_pid proxy)"
}

# g_start_proxy() - Start the proxy between qemu ($G_QEMU_SOCK) and passt
g_start_proxy() {
	_g_extra=""
	[ "$G_RECONNECT" = 1 ] && [ "$G_NATIVE_RECONNECT" != 1 ] &&
		_g_extra="--reconnect"
	rm -f "$G_QEMU_SOCK"
	# shellcheck disable=SC2086
	g_bg proxy - "$G_PROXY_BIN" --listen "$G_QEMU_SOCK" \
		--connect "$G_PASST_SOCK" $_g_extra $G_PROXY_ARGS
	wait_for 5 test -S "$G_QEMU_SOCK" || {
		g_log proxy
		fail "the proxy did not start"
	}
	echo "# proxy: $G_PROXY_BIN $_g_extra $G_PROXY_ARGS"
}

# g_sync() - Answer a GUEST-SYNC: run the scenario's hook, ACK or NAK
# $1: tag
g_sync() {
	_g_ans=ACK
	if command -v host_sync >/dev/null 2>&1; then
		echo "# sync: $1"
		host_sync "$1" || _g_ans=NAK
	else
		echo "# sync: $1 (no host_sync hook)"
	fi
	printf '%s %s\n' "$_g_ans" "$1" >"$TEST_TMP/ctl.in"
}

# g_run_guest() - Boot qemu, follow the console until it powers off
g_run_guest() {
	_g_app="console=ttyS0 quiet panic=-1 scenario=$G_SCENARIO$G_VARS"
	_g_net=""
	_g_keep=-
	if [ "$G_NO_PASST" = 1 ]; then
		_g_net=""
	elif [ "$G_MODE" = fd ]; then
		_g_net="-netdev stream,id=n0,server=off,addr.type=fd,addr.str=$G_FDB"
		_g_keep=$G_FDB
	else
		_g_sock=$G_PASST_SOCK
		[ "$G_PROXY" = 1 ] && _g_sock=$G_QEMU_SOCK
		_g_net="-netdev stream,id=n0,server=off,addr.type=unix,addr.path=$_g_sock"
		[ "$G_NATIVE_RECONNECT" = 1 ] &&
			_g_net="$_g_net,$G_RECONNECT_OPT"
	fi
	[ -n "$_g_net" ] && _g_net="$_g_net -device virtio-net-pci,netdev=n0"
	[ -z "$_g_net" ] && _g_net="-device virtio-net-pci"

	if [ "$G_INTERACTIVE" = 1 ]; then
		echo "# interactive guest: 'poweroff -f' in the guest to stop" \
		     "(Ctrl-a x: quit qemu)"
		# shellcheck disable=SC2086
		(
			for _g_fd in $G_FDA $G_FDB; do
				[ "$_g_fd" = "$_g_keep" ] || eval "exec $_g_fd>&-"
			done
			exec "$G_QEMU" -nodefaults -no-user-config -display none \
				-accel "$G_ACCEL" -m "$G_MEM" -smp 1 -no-reboot \
				-kernel "$G_KERNEL" -initrd "$G_INITRD" \
				-append "$_g_app" -serial mon:stdio $_g_net
		)
		return
	fi

	rm -f "$TEST_TMP/console.fifo" "$TEST_TMP/ctl.in" "$TEST_TMP/ctl.out"
	mkfifo "$TEST_TMP/console.fifo" "$TEST_TMP/ctl.in" "$TEST_TMP/ctl.out"
	: >"$TEST_TMP/console.log"
	G_T0=$(g_now)
	# shellcheck disable=SC2086
	(
		for _g_fd in $G_FDA $G_FDB; do
			[ "$_g_fd" = "$_g_keep" ] || eval "exec $_g_fd>&-"
		done
		exec timeout -k 5 "$G_TIMEOUT" "$G_QEMU" -nodefaults \
			-no-user-config -display none \
			-accel "$G_ACCEL" -m "$G_MEM" -smp 1 -no-reboot \
			-kernel "$G_KERNEL" -initrd "$G_INITRD" -append "$_g_app" \
			-serial stdio -serial "pipe:$TEST_TMP/ctl" $_g_net
	) >"$TEST_TMP/console.fifo" 2>"$TEST_TMP/qemu.log" </dev/null &
	G_QEMU_PID=$!
	ns_track_pid "$G_QEMU_PID"
	# Only passt and qemu keep the socketpair open
	[ "$G_MODE" = fd ] && eval "exec $G_FDA>&- $G_FDB>&-"

	G_T_BOOT=""
	G_UPTIME_BOOT=""
	G_DONE=""
	_g_cr=$(printf '\r')
	eval "exec $G_CONSOLE_FD<\"\$TEST_TMP/console.fifo\""
	while IFS= read -r _g_line <&"$G_CONSOLE_FD" || [ -n "$_g_line" ]; do
		_g_line=${_g_line%"$_g_cr"}
		printf '%s\n' "$_g_line" >>"$TEST_TMP/console.log"
		case "$_g_line" in
		GUEST-BOOTED*)
			G_T_BOOT=$(g_now)
			G_UPTIME_BOOT=${_g_line#*uptime=}
			G_UPTIME_BOOT=${G_UPTIME_BOOT%% *}
			;;
		GUEST-SYNC\ *)
			g_sync "${_g_line#GUEST-SYNC }"
			;;
		GUEST-RESULT:*|GUEST-INFO:*)
			echo "  $_g_line"
			;;
		GUEST-DONE*)
			G_DONE=$_g_line
			;;
		*)
			[ "$G_VERBOSE" = 1 ] && echo "  | $_g_line"
			;;
		esac
		_g_line=""
	done
	eval "exec $G_CONSOLE_FD<&-"
	wait "$G_QEMU_PID"
	G_QEMU_STATUS=$?
	G_T_END=$(g_now)
}

# g_report() - Decide and print the result
# Return: 0 on pass
g_report() {
	_g_why=""
	if [ -n "$G_T_BOOT" ]; then
		echo "# boot: $(g_elapsed "$G_T0" "$G_T_BOOT") s from qemu start" \
		     "to scenario (kernel start to scenario, guest uptime:" \
		     "$G_UPTIME_BOOT s), run $(g_elapsed "$G_T0" "$G_T_END") s" \
		     "in all, $G_KERNEL_KIND, $G_ACCEL"
	fi
	if [ "$G_QEMU_STATUS" = 124 ] || [ "$G_QEMU_STATUS" = 137 ]; then
		_g_why="timeout: no GUEST-DONE after $G_TIMEOUT s"
	elif [ -z "$G_T_BOOT" ]; then
		_g_why="the guest did not reach its scenario (qemu status $G_QEMU_STATUS)"
	elif [ -z "$G_DONE" ]; then
		_g_why="the guest stopped without GUEST-DONE (qemu status $G_QEMU_STATUS)"
	else
		case "$G_DONE" in
		*status=PASS*)	;;
		*)	_g_why="guest checks failed:$(sed -n \
				's/^GUEST-RESULT: FAIL \([^ ]*\).*/ \1/p' \
				"$TEST_TMP/console.log" | tr -d '\n')" ;;
		esac
	fi
	[ -n "$G_HOST_FAIL" ] && _g_why="${_g_why:+$_g_why; }host: $G_HOST_FAIL"

	if [ -n "$_g_why" ]; then
		# test/lib/ns.sh's cleanup shows console.log, qemu.log, passt.log
		echo "FAIL guest/$G_SCENARIO: $_g_why"
		return 1
	fi
	echo "PASS guest/$G_SCENARIO"
	return 0
}

# Main, inside the namespaces
need_cmd "$G_QEMU" timeout setpriv mkfifo awk
g_boot_choice
G_NATIVE_RECONNECT=0
if [ "$G_RECONNECT" = 1 ] && [ "$G_NO_PASST" != 1 ]; then
	if [ "$G_MODE" = fd ]; then
		fail "--reconnect makes no sense with --fd"
	elif g_qemu_has_reconnect; then
		G_NATIVE_RECONNECT=1
	else
		G_PROXY=1	# qemu < 8.0: the proxy reconnects for it
	fi
fi
[ "$G_MODE" = fd ] && [ "$G_PROXY" = 1 ] &&
	fail "--proxy works on passt's socket, not with --fd"
_g_backend=none
if [ "$G_NO_PASST" != 1 ]; then
	_g_backend="passt $G_MODE"
	[ "$G_PROXY" = 1 ] && _g_backend="$_g_backend + proxy"
	[ "$G_RECONNECT" = 1 ] && _g_backend="$_g_backend, reconnect" &&
		{ [ "$G_NATIVE_RECONNECT" = 1 ] && _g_backend="$_g_backend (qemu)" ||
		  _g_backend="$_g_backend (proxy)"; }
fi
echo "# guest: scenario $G_SCENARIO, kernel $G_KERNEL_KIND, accel $G_ACCEL," \
     "back-end $_g_backend"

if command -v host_setup >/dev/null 2>&1; then
	host_setup || fail "host_setup hook failed"
fi
if [ "$G_NO_PASST" != 1 ]; then
	need_daemon
	g_start_passt
	[ "$G_PROXY" = 1 ] && g_start_proxy
fi

g_run_guest
[ "$G_INTERACTIVE" = 1 ] && exit 0

if command -v host_check >/dev/null 2>&1; then
	host_check
fi

if [ "$G_PROXY" = 1 ]; then
	g_stop proxy
	grep '^proxy: ' "$TEST_TMP/proxy.log" | grep -E 'frames=|end=' |
		sed 's/^/# /'
fi
if [ "$G_NO_PASST" != 1 ]; then
	# passt must still run, or have ended by itself with status 0 (-1)
	if g_alive "$G_PASST_NAME"; then
		g_stop_passt
		_g_st=$?
		[ "$_g_st" = 143 ] || [ "$_g_st" = 0 ] ||
			g_fail "passt ended with status $_g_st on SIGTERM"
	else
		g_wait "$G_PASST_NAME" 1
		_g_st=$?
		case " $G_PASST_ARGS " in
		*" -1 "*|*" --one-off "*)
			[ "$_g_st" = 0 ] ||
				g_fail "passt (one-off) exited with status $_g_st" ;;
		*)	g_fail "passt exited during the run, status $_g_st" ;;
		esac
	fi
	if grep -qiE 'sanitizer|segmentation|assert' \
		"$TEST_TMP"/passt*.log 2>/dev/null; then
		g_fail "passt log shows a crash"
	fi
fi

g_report

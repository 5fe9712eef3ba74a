#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/05-options.sh - Command line errors, --version, --help, against
# the built binary
#
# Every invocation here must exit before anything starts, but to respect the
# rule anyway, the whole script re-runs itself in a fresh user and network
# namespace first. Exit status 0 if every check passed.

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

if [ -z "$OPTIONS_TEST_IN_NS" ]; then
	OPTIONS_TEST_IN_NS=1 exec unshare -Urn sh "$0" "$@"
	echo "unshare failed" >&2
	exit 1
fi

PASST="$TOP/passt"
PASTA="$TOP/pasta"
if [ ! -x "$PASST" ] || [ ! -e "$PASTA" ]; then
	echo "FAIL: $PASST or $PASTA missing: run 'make' first"
	exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

# ok() - Count a passed check
ok() {
	passed=$((passed + 1))
}

# bad() - Count a failed check and say why
# $1: description
bad() {
	failed=$((failed + 1))
	echo "FAIL: $1"
}

# run() - Run a command with a time limit, keep status, stdout, stderr
# $@: command
run() {
	timeout 10 "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	rc=$?
	err_lines=$(wc -l <"$TMP/err")
	first=$(head -n 1 "$TMP/err")
}

# expect_fail() - Command fails with status 1, one line naming the problem
# $1: text the only line of stderr must contain
# $@: command
expect_fail() {
	text="$1"; shift
	run "$@"
	if [ "$rc" -ne 1 ]; then
		bad "$* : status $rc, expected 1"
	elif [ "$err_lines" -ne 1 ]; then
		bad "$* : $err_lines lines on stderr, expected 1:
$(cat "$TMP/err")"
	elif ! grep -qF -- "$text" "$TMP/err"; then
		bad "$* : expected \"$text\", got \"$first\""
	elif [ -s "$TMP/out" ]; then
		bad "$* : unexpected output on stdout"
	else
		ok
	fi
}

# expect_first() - Command fails with status 1, stderr starts with a line
# $1: exact first line of stderr
# $@: command
expect_first() {
	line="$1"; shift
	run "$@"
	if [ "$rc" -ne 1 ]; then
		bad "$* : status $rc, expected 1"
	elif [ "$first" != "$line" ]; then
		bad "$* : first line \"$first\", expected \"$line\""
	else
		ok
	fi
}

# expect_version() - Command prints the version and exits 0
# $1: name expected first on stdout
# $@: command
expect_version() {
	name="$1"; shift
	run "$@"
	if [ "$rc" -ne 0 ]; then
		bad "$* : status $rc, expected 0 ($first)"
	elif ! head -n 1 "$TMP/out" | grep -q "^$name [^ ]"; then
		bad "$* : expected \"$name VERSION\", got \"$(head -n 1 "$TMP/out")\""
	else
		ok
	fi
}

# Unknown options: getopt's own text, which Podman and rootlesskit look for
expect_first "pasta: unrecognized option '--x'" "$PASTA" --x
expect_first "passt: unrecognized option '--x'" "$PASST" --x
expect_first "pasta: unrecognized option '--bogus'" "$PASTA" -d --bogus
expect_first "pasta: invalid option -- 'Z'" "$PASTA" -Z
expect_first "pasta: option '--mtu' requires an argument" "$PASTA" --mtu
expect_first "passt: option '--debug' doesn't allow an argument" \
	"$PASST" --debug=1
run "$PASTA" --x
if grep -q "^Usage: pasta" "$TMP/err" && [ ! -s "$TMP/out" ]; then
	ok
else
	bad "pasta --x: usage expected on stderr only"
fi

# --version, also after known options (rootlesskit probes so), even with
# values we'd reject, but not after unknown ones
expect_version pasta "$PASTA" --version
expect_version passt "$PASST" --version
expect_version pasta "$PASTA" --config-net --version
expect_version pasta "$PASTA" --host-lo-to-ns-lo --version
expect_version pasta "$PASTA" --map-guest-addr 169.254.1.2 --version
expect_version pasta "$PASTA" --mtu 99999 --version
expect_version passt "$PASST" --config-net --version
expect_version pasta "$PASTA" --version --bogus
expect_first "pasta: unrecognized option '--no-such-option'" \
	"$PASTA" --no-such-option --version

# --print-capabilities
run "$PASST" --print-capabilities
if [ "$rc" -eq 0 ] && grep -q '"type": "net"' "$TMP/out"; then
	ok
else
	bad "passt --print-capabilities: status $rc, $(cat "$TMP/out")"
fi

# --help: stdout, status 0, every option of the mode
common="--debug --trace --quiet --foreground --stderr --log-file --log-size
	--runas --help --version --print-capabilities --pcap --pid --mtu
	--address --netmask --mac-addr --gateway --interface --outbound
	--outbound-if4 --outbound-if6 --dns --dns-forward --dns-host --search
	--hostname --fqdn --no-tcp --no-udp --no-icmp --no-dhcp --no-ndp
	--no-dhcpv6 --no-ra --freebind --no-map-gw --map-host-loopback
	--map-guest-addr --ipv4-only --ipv6-only --tcp-ports --udp-ports"
passt_only="--socket --socket-path --fd --one-off --no-dhcp-dns
	--no-dhcp-search"
pasta_only="--ns-ifname --tcp-ns --udp-ns --userns --netns --netns-only
	--no-netns-quit --config-net --ns-mac-addr --no-splice
	--host-lo-to-ns-lo --dhcp-dns --dhcp-search --no-copy-routes
	--no-copy-addrs"

# check_help() - --help lists the options of the mode, and not the others
# $1: binary, $2: its options, $3: options of the other mode only
check_help() {
	run "$1" --help
	if [ "$rc" -ne 0 ] || [ -s "$TMP/err" ]; then
		bad "$1 --help: status $rc, stderr: $first"
		return
	fi
	for o in $2; do
		if grep -q -- "$o\\([^-a-z0-9]\\|$\\)" "$TMP/out"; then
			ok
		else
			bad "$1 --help doesn't mention $o"
		fi
	done
	for o in $3; do
		if grep -q -- "$o\\([^-a-z0-9]\\|$\\)" "$TMP/out"; then
			bad "$1 --help mentions $o of the other mode"
		else
			ok
		fi
	done
	if awk 'length > 80 { exit 1 }' "$TMP/out"; then
		ok
	else
		bad "$1 --help has lines longer than 80 columns"
	fi
}
check_help "$PASST" "$common $passt_only" "--tcp-ns --config-net"
check_help "$PASTA" "$common $pasta_only" "--one-off --socket"
run "$PASST" -h
[ "$rc" -eq 0 ] && grep -q "^Usage: passt" "$TMP/out" && ok || bad "passt -h"

# Invalid values: one line naming option, value and reason
expect_fail "pasta: Invalid --mtu value '70000': must be 0 (none) or 68-65520" \
	"$PASTA" --mtu 70000
expect_fail "Invalid --mtu value '67'" "$PASST" -m 67
expect_fail "Invalid --mtu value 'x'" "$PASST" --mtu=x
expect_fail "Invalid --address value '127.0.0.1': loopback address" \
	"$PASST" -a 127.0.0.1
expect_fail "Invalid --address value 'nonsense'" "$PASTA" --address nonsense
expect_fail "Invalid --address value '198.51.100.1/40'" "$PASST" -a 198.51.100.1/40
expect_fail "Invalid --netmask value '255.0.255.0'" "$PASST" -n 255.0.255.0
expect_fail "Invalid --netmask value '33'" "$PASTA" --netmask=33
expect_fail "Invalid --mac-addr value '02:00:00:00:00'" \
	"$PASST" -M 02:00:00:00:00
expect_fail "Invalid --ns-mac-addr value 'x'" "$PASTA" --ns-mac-addr x
expect_fail "Invalid --gateway value '0.0.0.0'" "$PASST" -g 0.0.0.0
expect_fail "Invalid --outbound value 'out'" "$PASST" -o out
expect_fail "Invalid --dns value 'dns'" "$PASST" -D dns
expect_fail "Invalid --dns-forward value '127.0.0.1'" \
	"$PASTA" --dns-forward 127.0.0.1
expect_fail "Invalid --dns-host value '::'" "$PASTA" --dns-host ::
expect_fail "Invalid --search value 'a b c d e f'" "$PASST" -S "a b c d e f"
expect_fail "Invalid --map-host-loopback value '::1'" \
	"$PASTA" --map-host-loopback ::1
expect_fail "Invalid --map-guest-addr value 'x'" "$PASTA" --map-guest-addr x
expect_fail "Invalid --log-size value '10'" "$PASST" --log-size 10
expect_fail "Invalid --runas value 'no_such_user_here'" \
	"$PASST" --runas no_such_user_here
expect_fail "Invalid --interface value 'interface_name_too_long'" \
	"$PASST" -i interface_name_too_long
expect_fail "Invalid --ns-ifname value 'interface_name_too_long'" \
	"$PASTA" -I interface_name_too_long
expect_fail "Invalid --fd value 'x'" "$PASST" --fd x
expect_fail "Invalid --hostname value ''" "$PASST" -H ""

# Port specifications
expect_fail "Invalid --tcp-ports value '0': port 0 out of range 1-65535" \
	"$PASST" -t 0
expect_fail "Invalid --udp-ports value '65536'" "$PASST" -u 65536
expect_fail "Invalid --tcp-ports value '80-22': range 80-22 is reversed" \
	"$PASTA" -t 80-22
expect_fail "Invalid --tcp-ports value '22-80:32'" "$PASST" -t 22-80:32
expect_fail "Invalid --tcp-ports value '22': port 22 is already forwarded" \
	"$PASST" -t 22 -t 22
expect_fail "Invalid --tcp-ports value '20-30': port 25 is already forwarded" \
	"$PASST" -t 25 -t 20-30
expect_fail "Invalid --tcp-ports value 'auto'" "$PASST" -t auto
expect_fail "Invalid --tcp-ports value 'all'" "$PASTA" -t all
expect_fail "Invalid --tcp-ports value '~22,~22'" "$PASST" -t "~22,~22"
expect_fail "Invalid --tcp-ports value '300.0.0.1/22'" \
	"$PASST" -t 300.0.0.1/22
expect_fail "Invalid --tcp-ns value '::1/22'" "$PASTA" -T ::1/22
expect_fail "Invalid --udp-ns value 'x'" "$PASTA" -U x
expect_fail "Invalid --tcp-ports value 'none': conflicts" \
	"$PASTA" -t 22 -t none

# Options of the other mode, stray arguments, bad combinations
expect_fail "passt: Option --config-net is only valid for pasta" \
	"$PASST" --config-net
expect_fail "passt: Option --tcp-ns is only valid for pasta" "$PASST" -T 22
expect_fail "passt: Option --netns is only valid for pasta" \
	"$PASST" --netns x
expect_fail "pasta: Option --socket is only valid for passt" \
	"$PASTA" -s /tmp/x.socket
expect_fail "pasta: Option --one-off is only valid for passt" "$PASTA" -1
expect_fail "pasta: Option --fd is only valid for passt" "$PASTA" -F 3
expect_fail "passt: Unexpected argument 'extra'" "$PASST" -f extra
expect_fail "pasta: Both --netns and a PID or command given" \
	"$PASTA" --netns x 1
expect_fail "pasta: Invalid PID '0'" "$PASTA" 0
expect_fail "pasta: --host-lo-to-ns-lo can't be used with --no-splice" \
	"$PASTA" --host-lo-to-ns-lo --no-splice

echo "05-options: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

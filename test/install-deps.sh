#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test/install-deps.sh - Install what the test suites use (Debian, as root)
#
# The daemon itself needs none of this: only the tests do. Only missing
# packages are installed, with retries: package mirrors can be flaky. If
# some still can't be installed, say which: the tests that need them fail
# and name the missing tool.
set -uo pipefail

pkgs=(
	build-essential make gcc clang clang-tidy cppcheck	# build, lint
	libclang-rt-14-dev					# fuzzing
	iproute2 util-linux procps				# namespaces
	valgrind						# test/ns/95-valgrind.sh
	socat iperf3 busybox-static iputils-ping jq python3	# test tools
	tcpdump isc-dhcp-client dhcpcd-base			# DHCP clients
	qemu-system-x86						# guest tests
	man-db ca-certificates
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
for try in 1 2 3; do
	apt-get -o Acquire::Retries=3 update -qq || true
	apt-get -o Acquire::Retries=3 install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null && exit 0
	sleep $((try * 10))
done
echo "WARNING: could not install: ${missing[*]}" >&2
exit 0

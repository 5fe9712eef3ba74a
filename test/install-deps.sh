#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/install-deps.sh - Install what the test suites use (Debian, as root)
#
# The daemon itself needs none of this: only the tests do.
set -e

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential make gcc clang clang-tidy cppcheck \
	iproute2 util-linux procps kmod \
	socat iperf3 busybox-static iputils-ping jq python3 tcpdump \
	isc-dhcp-client dhcpcd-base \
	qemu-system-x86 groff man-db ca-certificates >/dev/null

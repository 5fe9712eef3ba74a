#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# test/ns/90-fuzz-replay.sh - Every fuzzing corpus input, once, through the
# parsers built with AddressSanitizer and UBSan (test/fuzz/)
#
# No daemon runs here: the libFuzzer targets call the parsers directly.
# test/fuzz/replay.sh re-executes itself under 'unshare -Urn' (fuzz_tap's
# frames make the daemon's code open sockets: only in a namespace with
# nothing but a loopback interface). Needs clang and its libFuzzer runtime
# (Debian: clang, libclang-rt-14-dev): without them, this fails and says so.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ_DIR="$TOP/test/fuzz"
export FUZZ_DIR
. "$FUZZ_DIR/lib.sh"

if ! command -v clang >/dev/null; then
	echo "FAIL: clang is needed to build the fuzz targets" \
	     "(Debian: clang, libclang-rt-14-dev)"
	exit 1
fi
fuzz_need_libfuzzer

echo "# building the fuzz targets"
mkdir -p "$FUZZ_DIR/build"
if ! make -C "$FUZZ_DIR" -j"$(nproc)" >"$FUZZ_DIR/build/make.log" 2>&1; then
	tail -40 "$FUZZ_DIR/build/make.log"
	echo "FAIL: can't build the fuzz targets (test/fuzz/build/make.log)"
	exit 1
fi

sh "$FUZZ_DIR/replay.sh" || { echo "FAIL: a corpus input crashes"; exit 1; }
echo "PASS"

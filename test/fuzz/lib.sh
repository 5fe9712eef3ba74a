# SPDX-License-Identifier: GPL-2.0-or-later
# test/fuzz/lib.sh - Shared by run.sh and replay.sh (POSIX sh, sourced)

FUZZ_DIR=${FUZZ_DIR:-$(cd "$(dirname "$0")" && pwd)}
FUZZ_BUILD="$FUZZ_DIR/build"
FUZZ_ALL="fuzz_tap fuzz_tap_pasta fuzz_dhcp fuzz_dhcpv6 fuzz_ndp fuzz_conf
fuzz_fwd_spec"

# fuzz_corpus() - Name of the corpus directory of a target: fuzz_tap_pasta
# shares fuzz_tap's (same input format, another framing)
# $1: target
fuzz_corpus() {
	case "$1" in
	fuzz_tap_pasta)	echo fuzz_tap ;;
	*)		echo "$1" ;;
	esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# fuzz_isolate() - Re-execute the calling script in a new user and network
# namespace (only a loopback interface, down), unless already in one
# $@: the script's arguments
fuzz_isolate() {
	[ -n "$FUZZ_ISOLATED" ] && return 0
	if ! command -v unshare >/dev/null; then
		echo "$0: unshare (util-linux) is needed" >&2
		exit 1
	fi
	FUZZ_ISOLATED=1 exec unshare -Urn sh "$0" "$@"
}

# fuzz_need_libfuzzer() - Fail with a clear message if clang can't link a
# libFuzzer target (clang, or its libFuzzer runtime, missing)
fuzz_need_libfuzzer() {
	_t=$(mktemp -d)
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' >"$_t/t.c"
	if ! clang -fsanitize=fuzzer,address,undefined -o "$_t/t" "$_t/t.c" \
		>"$_t/log" 2>&1; then
		echo "FAIL: can't build libFuzzer targets with clang:" >&2
		sed 's/^/    /' "$_t/log" >&2
		echo "Install clang and its libFuzzer runtime (Debian 12:" \
		     "clang, libclang-rt-14-dev)." >&2
		rm -rf "$_t"
		exit 1
	fi
	rm -rf "$_t"
}

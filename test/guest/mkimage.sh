#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test/guest/mkimage.sh - Build (and cache) the kernel and initramfs of the
# test guest
#
# Usage: test/guest/mkimage.sh [--force] [--print]
#   --force	rebuild even if the inputs did not change
#   --print	only print the paths of the cached kernel and initramfs
#
# Output, under test/guest/.cache/ (or $GUEST_CACHE):
#   vmlinux		uncompressed ELF kernel with a PVH entry note (fast boot)
#   vmlinuz		the package's bzImage (fallback if PVH boot fails)
#   initramfs.cpio	busybox-static, virtio_net and its dependencies, ip,
#			socat, iperf3, dhcpcd (DHCPv6, if it could be fetched),
#			/init and every test/guest/scenarios/*.sh
#   stamp		hash of the inputs: nothing is rebuilt while it matches
#
# The kernel comes from Debian's linux-image-amd64 (its current dependency,
# linux-image-6.1.*-amd64 on Debian 12), fetched with 'apt-get download' and
# unpacked with 'dpkg-deb -x': nothing is installed. Tools the image copies
# from this machine (busybox-static, iproute2, socat, iperf3) are installed
# with apt-get if missing. This script needs the package mirror only the
# first time, or when the kernel package changes: run it before entering
# any network namespace (run.sh does).
#
# Environment:
#   GUEST_CACHE		cache directory (default: test/guest/.cache)
#   GUEST_KERNEL_PKG	kernel package to use, e.g. linux-image-6.1.0-28-amd64
#			(default: what linux-image-amd64 depends on)
#   GUEST_MODULES	modules to load at boot, in order, dependencies are
#			added (default: "virtio_pci virtio_net")
#   GUEST_COMPRESS	"none" (default: the fastest to boot) or "gzip"

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${GUEST_CACHE:-$HERE/.cache}
MODULES=${GUEST_MODULES:-virtio_pci virtio_net}
COMPRESS=${GUEST_COMPRESS:-none}
FORCE=0
PRINT=0

for arg in "$@"; do
	case "$arg" in
	--force)	FORCE=1 ;;
	--print)	PRINT=1 ;;
	-h|--help)	sed -n '4,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*)		echo "mkimage.sh: unknown argument: $arg" >&2; exit 1 ;;
	esac
done

# Tools copied into the guest from this machine: name, path, package
TOOLS="ip:/usr/sbin/ip:iproute2 socat:/usr/bin/socat:socat
       iperf3:/usr/bin/iperf3:iperf3"

# Bounded apt-get: a mirror that does not answer must not hang the tests
APT_OPTS="-o Acquire::Retries=2 -o Acquire::http::Timeout=30"
apt_get() {
	# shellcheck disable=SC2086
	timeout 600 apt-get $APT_OPTS "$@"
}

log() {
	echo "mkimage: $*" >&2
}

die() {
	echo "mkimage: error: $*" >&2
	exit 1
}

# apt_update_once() - Run 'apt-get update' at most once per invocation
# (also from subshells: the marker is a file named after this script's PID)
apt_update_once() {
	local mark="$CACHE/.apt-updated.$$"

	[ -e "$mark" ] && return 0
	mkdir -p "$CACHE"
	: >"$mark"
	log "apt-get update"
	apt_get update -qq >&2 || log "apt-get update failed, going on"
}

# pkg_installed() - Is Debian package $1 installed?
pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# ensure_pkgs() - apt-get install the packages given that are missing
ensure_pkgs() {
	local missing="" p
	for p in "$@"; do
		pkg_installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root, or install them)"
	log "installing:$missing"
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt_get install -y -qq \
		--no-install-recommends $missing >&2; then
		apt_update_once
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt_get install -y -qq \
			--no-install-recommends $missing >&2 ||
			die "apt-get install$missing failed"
	fi
}

# apt_download() - Fetch the .deb of package $1 into directory $2
# Prints the path of the file; reuses one already there.
# Packages downloaded once are also kept machine-wide, so that a fresh clone
# (CI) on the same machine doesn't depend on the mirror being reachable
DEB_CACHE=${GUEST_DEB_CACHE:-/var/cache/passt-test/debs}

apt_download() {
	local pkg="$1" dir="$2" f
	mkdir -p "$dir"
	f=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
	if [ -n "$f" ]; then
		echo "$f"
		return 0
	fi
	f=$(find "$DEB_CACHE" -maxdepth 1 -name "${pkg}_*.deb" 2>/dev/null |
	    sort | tail -n 1)
	if [ -n "$f" ] && cp "$f" "$dir/"; then
		echo "$dir/$(basename "$f")"
		return 0
	fi
	log "apt-get download $pkg"
	if ! (cd "$dir" && apt_get download -qq "$pkg" >&2 2>/dev/null); then
		apt_update_once
		(cd "$dir" && apt_get download -qq "$pkg" >&2) || return 1
	fi
	f=$(find "$dir" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
	mkdir -p "$DEB_CACHE" 2>/dev/null && cp "$f" "$DEB_CACHE/" 2>/dev/null
	echo "$f"
}

# kernel_pkg() - Name of the kernel image package to use
kernel_pkg() {
	local p
	if [ -n "${GUEST_KERNEL_PKG:-}" ]; then
		echo "$GUEST_KERNEL_PKG"
		return
	fi
	p=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
	if [ -z "$p" ]; then
		apt_update_once
		p=$(apt-cache depends linux-image-amd64 2>/dev/null |
		    sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' |
		    head -n 1)
	fi
	if [ -z "$p" ]; then
		# Offline: whatever kernel is already in a cache
		p=$(find "$CACHE/debs" "$DEB_CACHE" -maxdepth 1 \
			-name 'linux-image-*.deb' 2>/dev/null | sort | tail -n 1)
		p=$(basename "${p%%_*}")
	fi
	[ -n "$p" ] || die "cannot find a linux-image-*-amd64 package"
	echo "$p"
}

# extract_vmlinux() - Uncompress the ELF kernel found inside a bzImage
# $1: bzImage, $2: output file
#
# Same approach as the kernel's scripts/extract-vmlinux: find the magic of
# each compression format, try to decompress from there, keep the first
# result that is an ELF file.
extract_vmlinux() {
	local img="$1" out="$2" spec magic cmd pos

	for spec in '\xfd7zXZ\x00:xz -dc' '\x1f\x8b\x08:gzip -dc' \
		    '\x28\xb5\x2f\xfd:zstd -dcq' 'BZh:bzip2 -dc' \
		    '\x5d\x00\x00\x00:xz -dc --format=lzma' \
		    '\x02\x21\x4c\x18:lz4 -dc' '\x89LZO:lzop -dc'; do
		magic=${spec%%:*}
		cmd=${spec#*:}
		command -v "${cmd%% *}" >/dev/null || continue
		for pos in $(LC_ALL=C grep -obUaP "$magic" "$img" | cut -d: -f1); do
			tail -c +"$((pos + 1))" "$img" | $cmd >"$out" 2>/dev/null || :
			if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' \n')" = \
			     "7f454c46" ]; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

# has_pvh_note() - Does ELF kernel $1 have a XEN_ELFNOTE_PHYS32_ENTRY note?
has_pvh_note() {
	if command -v readelf >/dev/null; then
		readelf -n "$1" 2>/dev/null |
			grep -qE '^[[:space:]]*Xen[[:space:]]+0x[0-9a-f]+[[:space:]]+.*(0x00000012|PHYS32)'
		return
	fi
	# No binutils: assume it has one, run.sh falls back to the bzImage
	# if booting it fails
	return 0
}

# copy_with_libs() - Copy a binary and the shared libraries it needs
# $1: binary, $2: destination inside the root ($ROOT), $3: library search root
copy_with_libs() {
	local bin="$1" dst="$2" lib
	mkdir -p "$ROOT/$(dirname "$dst")"
	cp -L "$bin" "$ROOT/$dst"
	for lib in $(ldd "$bin" 2>/dev/null |
		     sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		[ -e "$ROOT/$lib" ] && continue
		mkdir -p "$ROOT/$(dirname "$lib")"
		cp -L "$lib" "$ROOT/$lib"
	done
}

# module_deps() - Print module $1 and its dependencies, dependencies first
# Uses modules.dep of the unpacked kernel ($MODDIR).
module_deps() {
	local name="$1" line path deps d
	line=$(grep -E "(^|/)${name//_/[_-]}\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" |
	       head -n 1) || true
	if [ -z "$line" ]; then
		if grep -qE "(^|/)${name//_/[_-]}\.ko$" "$MODDIR/modules.builtin"; then
			return 0	# built in: nothing to load
		fi
		die "module $name not found in $MODDIR/modules.dep"
	fi
	path=${line%%:*}
	deps=${line#*:}
	# modprobe loads the last dependency first
	for d in $(echo "$deps" | tr ' ' '\n' | tac); do
		d=$(basename "$d")
		d=${d%%.ko*}
		module_deps "$d"
	done
	echo "$path"
}

# inputs_hash() - Hash of everything the image is made of
inputs_hash() {
	{
		echo "kernel=$KPKG_DEB"
		echo "modules=$MODULES compress=$COMPRESS dhcpcd=${DHCPCD_DEB:-none}"
		sha256sum "$HERE/mkimage.sh" "$HERE/init" "$HERE/guest-lib.sh" \
			"$HERE/udhcpc.script" \
			"$HERE"/scenarios/*.sh
		sha256sum /bin/busybox
		for t in $TOOLS; do
			sha256sum "$(echo "$t" | cut -d: -f2)"
		done
	} | sha256sum | cut -d' ' -f1
}

# build_root() - Populate $ROOT with the guest's file system
build_root() {
	local m p t name path applet

	mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev}
	mkdir -p "$ROOT"/{tmp,run,var/run,var/lib/dhcpcd,root,scenarios}
	mkdir -p "$ROOT"/usr/share/udhcpc "$ROOT"/lib/modules
	chmod 1777 "$ROOT/tmp"

	cp /bin/busybox "$ROOT/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] && continue
		ln -sf busybox "$ROOT/bin/$applet"
	done

	for t in $TOOLS; do
		name=$(echo "$t" | cut -d: -f1)
		path=$(echo "$t" | cut -d: -f2)
		copy_with_libs "$path" "$path"
	done

	if [ -n "${DHCPCD_DIR:-}" ] && [ -x "$DHCPCD_DIR/usr/sbin/dhcpcd" ]; then
		copy_with_libs "$DHCPCD_DIR/usr/sbin/dhcpcd" /usr/sbin/dhcpcd
		# Without hooks: dhcpcd configures addresses itself
		mkdir -p "$ROOT/usr/lib/dhcpcd" "$ROOT/var/lib/dhcpcd" \
			 "$ROOT/usr/share/dhcpcd"
	fi

	# Modules, uncompressed, loaded in this order by init
	: >"$ROOT/lib/modules/load.order"
	for m in $MODULES; do
		for p in $(module_deps "$m"); do
			name=$(basename "$p")
			name=${name%%.ko*}
			grep -qx "$name" "$ROOT/lib/modules/load.order" && continue
			case "$p" in
			*.ko)		cp "$MODDIR/$p" "$ROOT/lib/modules/$name.ko" ;;
			*.ko.xz)	xz -dc "$MODDIR/$p" >"$ROOT/lib/modules/$name.ko" ;;
			*.ko.zst)	zstd -dcq "$MODDIR/$p" >"$ROOT/lib/modules/$name.ko" ;;
			*.ko.gz)	gzip -dc "$MODDIR/$p" >"$ROOT/lib/modules/$name.ko" ;;
			*)		die "unknown module format: $p" ;;
			esac
			echo "$name" >>"$ROOT/lib/modules/load.order"
		done
	done

	cp "$HERE/init" "$ROOT/init"
	chmod 755 "$ROOT/init"
	cp "$HERE/guest-lib.sh" "$ROOT/lib/guest-lib.sh"
	cp "$HERE"/scenarios/*.sh "$ROOT/scenarios/"
	cp "$HERE/udhcpc.script" "$ROOT/usr/share/udhcpc/default.script"
	chmod 755 "$ROOT/usr/share/udhcpc/default.script"

	cat >"$ROOT/etc/passwd" <<-EOF
		root:x:0:0:root:/root:/bin/sh
		dhcpcd:x:100:65534:dhcpcd:/usr/lib/dhcpcd:/bin/false
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$ROOT/etc/group" <<-EOF
		root:x:0:
		nogroup:x:65534:
	EOF
	printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost\n' >"$ROOT/etc/hosts"
	printf 'hosts: files dns\n' >"$ROOT/etc/nsswitch.conf"
	: >"$ROOT/etc/resolv.conf"
	# DHCPv6 (see guest-lib.sh net_v6): ask for an address right away,
	# without waiting for a router advertisement's M flag
	printf 'ia_na 1\nnoipv6rs\n' >"$ROOT/etc/dhcpcd.conf"
	echo guest >"$ROOT/etc/hostname"
	echo "$KPKG_DEB" >"$ROOT/etc/guest-kernel"
}

main() {
	local kdeb kver vmlinuz hash old tmpimg

	mkdir -p "$CACHE"

	if [ "$PRINT" = 1 ]; then
		echo "$CACHE/vmlinux"
		echo "$CACHE/vmlinuz"
		echo "$CACHE/initramfs.cpio"
		return
	fi

	ensure_pkgs busybox-static iproute2 socat iperf3 xz-utils
	[ -x /bin/busybox ] || die "/bin/busybox missing after installing busybox-static"
	if ! LC_ALL=C file /bin/busybox 2>/dev/null | grep -q 'statically linked' &&
	   ldd /bin/busybox >/dev/null 2>&1; then
		die "/bin/busybox is not static: install busybox-static"
	fi

	# Kernel package: fetched, not installed
	KPKG=$(kernel_pkg)
	if ! kdeb=$(apt_download "$KPKG" "$CACHE/debs"); then
		# Stale package lists: update, the name may have changed too
		apt_update_once
		KPKG=$(kernel_pkg)
		kdeb=$(apt_download "$KPKG" "$CACHE/debs") ||
			die "cannot download $KPKG"
	fi
	KPKG_DEB=$(basename "$kdeb")

	# DHCPv6 client: optional (busybox-static has no udhcpc6)
	DHCPCD_DEB=""
	DHCPCD_DIR=""
	if [ "${GUEST_NO_DHCPCD:-0}" != 1 ]; then
		if p=$(apt_download dhcpcd-base "$CACHE/debs" 2>/dev/null) && [ -n "$p" ]; then
			DHCPCD_DEB=$(basename "$p")
			DHCPCD_DIR="$CACHE/dhcpcd"
			if [ ! -f "$DHCPCD_DIR/.from" ] ||
			   [ "$(cat "$DHCPCD_DIR/.from")" != "$DHCPCD_DEB" ]; then
				rm -rf "$DHCPCD_DIR"
				dpkg-deb -x "$p" "$DHCPCD_DIR"
				echo "$DHCPCD_DEB" >"$DHCPCD_DIR/.from"
			fi
		else
			log "dhcpcd-base not available: no DHCPv6 client in the guest"
		fi
	fi

	hash=$(inputs_hash)
	old=$(cat "$CACHE/stamp" 2>/dev/null || true)
	if [ "$FORCE" = 0 ] && [ "$hash" = "$old" ] &&
	   [ -f "$CACHE/initramfs.cpio" ] && [ -f "$CACHE/vmlinuz" ]; then
		log "up to date ($KPKG_DEB)"
		return 0
	fi

	# Unpack the kernel once per package version
	KDIR="$CACHE/kernel"
	if [ ! -f "$KDIR/.from" ] || [ "$(cat "$KDIR/.from")" != "$KPKG_DEB" ]; then
		log "unpacking $KPKG_DEB"
		rm -rf "$KDIR"
		dpkg-deb -x "$kdeb" "$KDIR"
		kver=$(ls "$KDIR/lib/modules")
		if [ ! -s "$KDIR/lib/modules/$kver/modules.dep" ]; then
			# Made by depmod at install time, not shipped
			log "depmod $kver"
			/bin/busybox depmod -b "$KDIR" "$kver"
		fi
		echo "$KPKG_DEB" >"$KDIR/.from"
		# Old kernels' packages are not needed any more
		find "$CACHE/debs" -maxdepth 1 -name 'linux-image-*.deb' \
			! -name "$KPKG_DEB" -delete
	fi
	kver=$(ls "$KDIR/lib/modules")
	MODDIR="$KDIR/lib/modules/$kver"
	vmlinuz=$(ls "$KDIR"/boot/vmlinuz-*)

	cp "$vmlinuz" "$CACHE/vmlinuz.new"
	mv "$CACHE/vmlinuz.new" "$CACHE/vmlinuz"
	rm -f "$CACHE/vmlinux" "$CACHE/pvh"
	if extract_vmlinux "$vmlinuz" "$CACHE/vmlinux.new"; then
		mv "$CACHE/vmlinux.new" "$CACHE/vmlinux"
		if has_pvh_note "$CACHE/vmlinux"; then
			echo yes >"$CACHE/pvh"
			log "vmlinux extracted, PVH entry note present"
		else
			echo no >"$CACHE/pvh"
			log "vmlinux has no PVH entry note: bzImage boot"
		fi
	else
		echo no >"$CACHE/pvh"
		log "could not extract vmlinux: bzImage boot"
	fi

	ROOT="$CACHE/root"
	rm -rf "$ROOT"
	build_root

	tmpimg="$CACHE/initramfs.cpio.new"
	(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort |
		/bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) >"$tmpimg"
	if [ "$COMPRESS" = gzip ]; then
		gzip -1 -n <"$tmpimg" >"$tmpimg.gz"
		mv "$tmpimg.gz" "$tmpimg"
	fi
	mv "$tmpimg" "$CACHE/initramfs.cpio"
	cp "$ROOT/lib/modules/load.order" "$CACHE/modules.order"
	rm -rf "$ROOT"
	echo "$hash" >"$CACHE/stamp"
	log "built $CACHE/initramfs.cpio ($(du -h "$CACHE/initramfs.cpio" |
	     cut -f1)), kernel $kver, modules: $(tr '\n' ' ' \
	     <"$CACHE/modules.order")"
}

trap 'rm -f "$CACHE/.apt-updated.$$"' EXIT
main

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-debug-kernel.sh [SERIES]
#
# Build the debug kernel of `make check-debug` from Debian's linux-source of
# SERIES (default 6.12; the version of the stock kernel scripts/fetch-kernel.sh
# resolves): "make tinyconfig" plus selftests/debug.config (what the guest
# and the tests need, plus KASAN, lockdep, kmemleak, debug objects, failslab).
# The source is unpacked once into .cache/debug-kernel/src-VERSION/ and
# built (make O=) under .cache/debug-kernel/VERSION-HASH/, HASH being that
# of the fragment, laid out like a fetch-kernel.sh directory so that
# selftests/vm.sh boots it the same way:
#   build/      the build tree: KDIR of out-of-tree module builds
#   vmlinuz     -> build/arch/x86/boot/bzImage
#   root/       modules_install staging; modules -> root/lib/modules/RELEASE
#   build.log, build-seconds
# Everything is cached; a second call only checks. Prints the directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEG6_MIG_CACHE:-$top/.cache}
series=${1:-6.12}
fragment=$top/selftests/debug.config

log() { echo "build-debug-kernel: $*" >&2; }

stock=$("$top/scripts/fetch-kernel.sh" "$series")
srcver=$(cat "$cache/kernels/$stock/src/VERSION")
hash=$(sha256sum < "$fragment" | cut -c1-12)
dir=$cache/debug-kernel/$srcver-$hash
if [[ -f $dir/.done ]]; then
	echo "$dir"
	exit 0
fi

jobs=${SEG6_MIG_BUILD_JOBS:-$(nproc)}
SECONDS=0
log "building $srcver + $(basename "$fragment") in $dir (make -j$jobs, nice 10)"
src=$cache/debug-kernel/src-$srcver
if [[ ! -f $src/.done ]]; then
rm -rf "$src"
mkdir -p "$src" "$cache/debug-kernel/debs"
deb=$(ls "$cache"/debug-kernel/debs/linux-source-"$series"_"$srcver"_all.deb 2>/dev/null || true)
if [[ -z $deb ]]; then
	(cd "$cache/debug-kernel/debs" && apt-get download -q -o APT::Sandbox::User=root \
		"linux-source-$series=$srcver" >&2)
	deb=$(ls "$cache"/debug-kernel/debs/linux-source-"$series"_"$srcver"_all.deb)
fi
tarball=$(dpkg-deb -c "$deb" | grep -o 'usr/src/linux-source-[^ ]*\.tar\.xz')
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./$tarball" |
	xz -dc -T0 | tar -x -C "$src" --strip-components=1
touch "$src/.done"
fi
# An interrupted build resumes: make is incremental, and the configuration
# comes out the same.
mkdir -p "$dir/build"

kmake() {
	nice -n 10 make -C "$src" O="$dir/build" ARCH=x86_64 -j"$jobs" "$@"
}
{
	kmake tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" \
		"$dir/build/.config" "$fragment"
	echo 'CONFIG_LOCALVERSION="-s6m-debug"' >> "$dir/build/.config"
	echo '# CONFIG_LOCALVERSION_AUTO is not set' >> "$dir/build/.config"
	kmake olddefconfig
} > "$dir/config.log" 2>&1 || { cat "$dir/config.log" >&2; exit 1; }

# Every line of the fragment must have survived (an unmet dependency drops
# an option silently).
bad=0
while IFS= read -r line; do
	[[ $line == CONFIG_* ]] || continue
	opt=${line%%=*}
	if [[ $line == *=n ]]; then
		grep -qx "# $opt is not set" "$dir/build/.config" && continue
	else
		grep -qxF "$line" "$dir/build/.config" && continue
	fi
	log "$line did not survive olddefconfig: $(grep -E "^(# )?${opt}[= ]" "$dir/build/.config" || echo absent)"
	bad=1
done < "$fragment"
((bad == 0)) || exit 1
[[ ${DEBUG_KERNEL_CONFIG_ONLY:-} ]] && { echo "$dir"; exit 0; }

kmake all > "$dir/build.log" 2>&1 || { tail -n 50 "$dir/build.log" >&2; exit 1; }
rel=$(kmake -s kernelrelease)
kmake INSTALL_MOD_PATH="$dir/root" modules_install >> "$dir/build.log" 2>&1
ln -sfn build/arch/x86/boot/bzImage "$dir/vmlinuz"
ln -sfn "root/lib/modules/$rel" "$dir/modules"
mkdir -p "$dir/src"
echo "$srcver" > "$dir/src/VERSION"
echo "$rel" > "$dir/release"
echo "$SECONDS" > "$dir/build-seconds"
log "built $rel in ${SECONDS}s"
touch "$dir/.done"
echo "$dir"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh SERIES|RELEASE
#
# Resolve a kernel series ("6.12") to the newest Debian amd64 kernel release
# the archive has ("6.12.117+deb12-amd64"), download its image, headers,
# kbuild and matching linux-source, and unpack them under
# .cache/kernels/RELEASE/:
#   root/        image + headers + kbuild, as they would be installed
#   build        -> the headers tree to build modules against (KDIR)
#   vmlinuz      the kernel to boot
#   src/         from linux-source: checkpatch and the net selftests
# Everything is cached; a second call only resolves. Prints RELEASE.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEG6_MIG_CACHE:-$top/.cache}
want=${1:?usage: fetch-kernel.sh SERIES|RELEASE}

log() { echo "fetch-kernel: $*" >&2; }

# linux-image-6.1.0-56-amd64-unsigned, linux-image-6.12.117+deb12-amd64-unsigned
resolve() {
	local series=$1 re
	re="^linux-image-${series//./\\.}[.-][0-9][^ ]*-amd64-unsigned\$"
	apt-cache pkgnames linux-image- | grep -E "$re" |
		grep -Ev -- '-(cloud|rt)-amd64' | sed -e 's/^linux-image-//' \
		-e 's/-unsigned$//' | sort -V | tail -n 1
}

if [[ $want =~ -amd64$ ]]; then
	release=$want
else
	series=${want%%[-+]*}
	series=$(echo "$series" | cut -d. -f1,2)
	release=$(resolve "$series")
	[[ -n $release ]] || {
		log "no linux-image-$series*-amd64-unsigned in the archive (apt-get update?)"
		exit 1
	}
	# A full release or prefix given: it must be the one the archive has.
	[[ $release == "$want"* ]] || {
		log "$want is not in the archive; the newest $series is $release"
		exit 1
	}
fi

dir=$cache/kernels/$release
if [[ -f $dir/.done ]]; then
	echo "$release"
	exit 0
fi

log "fetching $release"
rm -rf "$dir"
mkdir -p "$dir/debs" "$dir/root"
img=linux-image-$release-unsigned
hdr=linux-headers-$release
deps=$(apt-cache depends "$hdr" | sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p')
src=linux-source-$(echo "$release" | cut -d. -f1,2)
(cd "$dir/debs" && apt-get download -q -o APT::Sandbox::User=root \
	"$img" "$hdr" $deps "$src" >&2)

for deb in "$dir"/debs/linux-{image,headers,kbuild}-*.deb; do
	dpkg-deb -x "$deb" "$dir/root"
done
# The headers' Makefile includes the common tree by absolute path.
kdir=$dir/root/usr/src/linux-headers-$release
sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" "$kdir/Makefile"
ln -sfn "root/usr/src/linux-headers-$release" "$dir/build"
ln -sfn "root/boot/vmlinuz-$release" "$dir/vmlinuz"
# Debian generates modules.dep at install time; do it here.
depmod -b "$dir/root" "$release"
ln -sfn "root/lib/modules/$release" "$dir/modules"

# From linux-source: checkpatch and the networking selftests.
srcver=$(dpkg-deb -f "$dir"/debs/linux-source-*.deb Version)
imgver=$(dpkg-deb -f "$dir"/debs/linux-image-*.deb Version)
[[ $srcver == "$imgver" ]] ||
	log "warning: linux-source $srcver does not match image $imgver"
tarball=$(dpkg-deb -c "$dir"/debs/linux-source-*.deb | grep -o 'usr/src/linux-source-[^ ]*\.tar\.xz')
mkdir -p "$dir/src" "$dir/tmp"
dpkg-deb --fsys-tarfile "$dir"/debs/linux-source-*.deb |
	tar -x -C "$dir/tmp" "./$tarball"
top_src=$(basename "$tarball" .tar.xz)
tar -xJf "$dir/tmp/$tarball" -C "$dir/src" --strip-components=1 \
	"$top_src/scripts/checkpatch.pl" "$top_src/scripts/spelling.txt" \
	"$top_src/scripts/const_structs.checkpatch" \
	"$top_src/tools/testing/selftests/net" \
	"$top_src/tools/testing/selftests/kselftest" \
	"$top_src/tools/testing/selftests/kselftest.h" \
	"$top_src/tools/testing/selftests/lib.mk"
echo "$srcver" > "$dir/src/VERSION"
rm -rf "$dir/tmp" "$dir/debs"/linux-source-*.deb
touch "$dir/.done"
echo "$release"

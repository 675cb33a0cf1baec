#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-iproute2.sh: build `ip` from Debian's iproute2 source with every
# patch listed in iproute2-patch/series applied, in that order.
# The tree is rebuilt when the series or a patch changes. Prints the path
# of the directory holding the built `ip`.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEG6_MIG_CACHE:-$top/.cache}
patches=$top/iproute2-patch
dir=$cache/iproute2

log() { echo "build-iproute2: $*" >&2; }

mkdir -p "$dir/src"
if ! ls -d "$dir"/src/iproute2-*/ >/dev/null 2>&1; then
	log "fetching Debian's iproute2 source"
	(cd "$dir/src" && apt-get source -qq iproute2 >&2) || {
		log "apt-get source iproute2 failed: is deb-src enabled? (scripts/install-deps.sh)"
		exit 1
	}
fi
pristine=$(ls -d "$dir"/src/iproute2-*/ | head -n 1)

# Patches in series order; blank lines and comments ignored.
series=()
if [[ -f $patches/series ]]; then
	while read -r p; do
		[[ -z $p || $p == \#* ]] || series+=("$patches/$p")
	done < "$patches/series"
fi
stamp=$( (basename "$pristine"; cat "${series[@]}" /dev/null) | sha256sum | cut -c1-16)
build=$dir/build-$stamp

if [[ ! -x $build/ip/ip ]]; then
	log "building $(basename "$pristine") with ${#series[@]} patch(es)"
	rm -rf "$dir"/build-*
	cp -a "$pristine" "$build"
	for p in "${series[@]}"; do
		log "applying $(basename "$p")"
		patch -d "$build" -p1 --quiet --no-backup-if-mismatch < "$p"
	done
	(cd "$build" && ./configure > configure.log 2>&1 &&
	 make -j"$(nproc)" SUBDIRS="lib ip" > make.log 2>&1) || {
		log "build failed, see $build/make.log"
		tail -n 20 "$build/make.log" >&2
		exit 1
	}
fi
echo "$build/ip"

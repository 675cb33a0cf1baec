#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, from Debian's archive, what building and testing seg6_mig needs on
# a Debian 12 host, and enable deb-src so that `apt-get source` works.
# Idempotent and quiet when everything is already there.
set -euo pipefail

PACKAGES=(
	# build the module and check it
	build-essential gcc-12 make bc bison flex libelf-dev libssl-dev sparse
	kmod dpkg-dev xz-utils zstd cpio perl dwarves
	# build iproute2 (`ip`) and the tools
	pkg-config libmnl-dev libcap-dev libbpf-dev libdb-dev libselinux1-dev
	# unit tests of the tools
	libcmocka-dev
	# run guests
	qemu-system-x86 busybox-static
	# used by the tests inside the guest (from the host's root filesystem)
	iproute2 iputils-ping tcpdump ethtool procps psmisc python3 netcat-openbsd
	nftables iptables socat jq python3-scapy iperf3
	# plots of `make bench`
	gnuplot-nox
)

[[ $(id -u) == 0 ]] || { echo "install-deps: must run as root (apt-get)" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

need_update=
# deb-src for `apt-get source iproute2`: Debian 12 ships deb822 sources.
for f in /etc/apt/sources.list.d/debian.sources; do
	[[ -f $f ]] || continue
	if grep -q '^Types: deb$' "$f"; then
		sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
		need_update=1
	fi
done
if [[ -f /etc/apt/sources.list ]] && grep -q '^deb ' /etc/apt/sources.list &&
   ! grep -q '^deb-src ' /etc/apt/sources.list; then
	sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >> /etc/apt/sources.list
	need_update=1
fi
# The lists may be absent on a fresh machine.
ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || need_update=1

export DEBIAN_FRONTEND=noninteractive
if [[ -n $need_update || ${#missing[@]} -gt 0 ]]; then
	apt-get update -qq
fi
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "install-deps: installing ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

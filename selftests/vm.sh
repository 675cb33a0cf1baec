#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh: run the selftests in QEMU guests booting Debian's stock kernels.
#
#   vm.sh [-k SERIES|RELEASE]... [-t TEST]... [-j JOBS] [-S SHARDS] [-T SECONDS] [-x DIR]
#
#   -k  kernel to test (default: every series in selftests/kernels);
#       "debug": the debug kernel (scripts/build-debug-kernel.sh), whose
#       run also ends with a kmemleak scan (kmemleak_scan.sh)
#   -t  test to run, by name or shell pattern (default: all)
#   -j  guests booted at once (default: 2)
#   -S  split each kernel's tests over SHARDS guests (default: 1), test i
#       of the plan in guest i mod SHARDS (a TCG guest leaves host CPU
#       idle: make check-debug runs two)
#   -T  time limit of one guest, in seconds (default: 3600, debug: 14400)
#   -x  run the tests of DIR instead (the runner's own test uses it)
#
# Environment passed on to the tests, where set: STRESS_SECONDS,
# STRESS_ROUND, STRESS_RATE, STRESS_FAIL_NTH (stress.sh); SEG6_MIG_TEST_LIMIT,
# one test's time limit in seconds (default 900, debug: 3600).
#
# For each kernel: fetch image + headers + linux-source (cached), build
# seg6_mig.ko against the headers with W=1 and sparse, build an initramfs,
# boot the kernel with the host's root file system read-only (9p) under a
# tmpfs overlay and a writable 9p scratch directory, run the tests there
# (selftests/guest/run-tests.sh) and read back their KTAP results.
#
# The run fails when a test fails, when a guest does not power off within
# its time limit, and when the guest's kernel log shows a warning
# (selftests/kernel-warnings). Everything a run wrote stays under
# .cache/runs/<kernel>/ (<kernel>.<i>of<SHARDS>/ for a shard): console.log,
# dmesg, ktap, logs/<test>.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEG6_MIG_CACHE:-$top/.cache}
selftests=$top/selftests

kernels=()
tests=()
jobs=2
shards=1
limit=
testdir=$selftests
while getopts "k:t:j:S:T:x:h" opt; do
	case $opt in
	k) kernels+=("$OPTARG") ;;
	t) tests+=("$OPTARG") ;;
	j) jobs=$OPTARG ;;
	S) shards=$OPTARG ;;
	T) limit=$OPTARG ;;
	x) testdir=$(cd "$OPTARG" && pwd) ;;
	*) sed -n '4,17s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "vm.sh: -S wants a number >= 1" >&2; exit 2; }
if ((${#kernels[@]} == 0)); then
	mapfile -t kernels < <(grep -v -e '^#' -e '^$' "$selftests/kernels")
fi

log() { echo "# vm.sh: $*"; }

# Where each release's kernel lives (fetch-kernel.sh's layout): vmlinuz,
# build, modules, src/VERSION; initramfs.gz is written there.
declare -A kernel_dir=()
# The releases that are debug kernels: slower (time limits x4), and a
# kmemleak scan ends their run.
declare -A debug=()

# Tests of the project (selftests/Makefile TEST_PROGS), then the kernel's own
# SRv6 selftests, from the newest supported series' linux-source on every
# kernel (as SPEC section 5 states their known results).
# "NAME<TAB>DIR<TAB>COMMAND".
list_tests() {
	local t
	for t in $(make -s -C "$testdir" print-tests); do
		printf '%s\t%s\t%s\n' "${t%.sh}" "$testdir" "./$t"
	done
	[[ $testdir == "$selftests" ]] || return 0
	for t in "$cache/kernels/$srv6_rel"/src/tools/testing/selftests/net/srv6_*.sh; do
		[[ -e $t ]] || continue
		printf '%s\t%s\t%s\n' "$(basename "${t%.sh}")" "$(dirname "$t")" \
			"bash ./$(basename "$t")"
	done
}

selected() {
	local name=$1 pat
	((${#tests[@]} == 0)) && return 0
	for pat in "${tests[@]}"; do
		# shellcheck disable=SC2053 # a pattern on purpose
		[[ $name == $pat || $name == "${pat%.sh}" ]] && return 0
	done
	return 1
}

# Kernel modules the initramfs needs to mount the 9p root, with their
# dependencies, in load order.
initramfs_modules() {
	local moddir=$1 m
	declare -A seen=()
	resolve() {
		local path deps d
		path=$(grep -E "(^|/)$1\.ko(\.xz)?:" "$moddir/modules.dep" | cut -d: -f1)
		[[ -n $path ]] || return 0	# built in
		[[ -z ${seen[$path]:-} ]] || return 0
		seen[$path]=1
		deps=$(grep -E "^$path:" "$moddir/modules.dep" | cut -d: -f2)
		for d in $deps; do
			resolve "$(basename "${d%%.ko*}")"
		done
		echo "$path"
	}
	for m in virtio_pci 9pnet_virtio 9p overlay; do
		resolve "$m"
	done
}

make_initramfs() {
	local rel=$1 kdir=${kernel_dir[$1]} work m
	work=$(mktemp -d)
	mkdir -p "$work"/{bin,modules,proc,sys,dev}
	# Empty when every module is built in (the debug kernel).
	: > "$work/modules/order"
	cp /bin/busybox "$work/bin/busybox"
	cp "$selftests/guest/init" "$work/init"
	for m in $(initramfs_modules "$kdir/modules"); do
		if [[ $m == *.xz ]]; then
			xz -dc "$kdir/modules/$m" > "$work/modules/$(basename "${m%.xz}")"
		else
			cp "$kdir/modules/$m" "$work/modules/"
		fi
		basename "${m%.xz}" >> "$work/modules/order"
	done
	# Replaced atomically: another run may be booting the old one.
	(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) > "$work.gz"
	mv "$work.gz" "$kdir/initramfs.gz"
	rm -rf "$work"
}

# Build seg6_mig.ko for one kernel in its own tree (builds for several
# kernels can then run side by side). Warnings are kept for the build test.
build_module() {
	local rel=$1 b=$cache/build/$1
	rm -rf "$b"
	mkdir -p "$b"
	cp -a "$top/Kbuild" "$top/module" "$top/uapi" "$b/"
	make -C "${kernel_dir[$rel]}/build" M="$b" W=1 C=1 modules > "$b/build.log" 2>&1 || {
		cat "$b/build.log"
		log "module build failed for $rel"
		return 1
	}
}

# boot_guest RELEASE RUN_DIR LIMIT: boot one kernel and run the plan in
# RUN_DIR; leaves the results there.
boot_guest() {
	local rel=$1 run=$2 limit=$3 accel=tcg,thread=multi
	[[ ${SEG6_MIG_ACCEL:-} == kvm ]] && accel=kvm
	timeout -k 10 "$limit" qemu-system-x86_64 \
		-nodefaults -no-reboot -display none -monitor none \
		-machine q35 -accel "$accel" -cpu max -smp 2 -m 2048 \
		-kernel "${kernel_dir[$rel]}/vmlinuz" \
		-initrd "${kernel_dir[$rel]}/initramfs.gz" \
		-append "console=ttyS0 panic=-1 S6M_TOP=$top S6M_RUN=$run S6M_MODULES=$(readlink -f "${kernel_dir[$rel]}/modules")" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path="$run",mount_tag=scratch,security_model=none \
		-serial file:"$run/console.log" \
		> "$run/qemu.log" 2>&1
}

# The expected failure of TEST on kernel RELEASE (selftests/expected-failures,
# whose SERIES column matches every release of that series), as
# "FAILING-CASES<TAB>WHY"; nothing if none.
xfail_of() {
	local rel=$1 name=$2
	awk -F'\t' -v r="$rel" -v t="$name" \
		'!/^#/ && index(r, $1 ".") == 1 && $2 == t { print $3 "\t" $4 }' \
		"$selftests/expected-failures"
}

# The module and the initramfs of one kernel, once for all its shards.
prepare_kernel() {
	local rel=$1
	build_module "$rel" || { echo "build failed" > "$cache/build/$rel/error"; return; }
	make_initramfs "$rel" ||
		{ echo "initramfs failed" > "$cache/build/$rel/error"; return; }
}

# The run directory of shard I (0-based) of RELEASE.
run_dir() {
	if ((shards == 1)); then
		echo "$cache/runs/$1"
	else
		echo "$cache/runs/$1.$(($2 + 1))of$shards"
	fi
}

# run_kernel RELEASE SHARD: one guest of a kernel, from its plan to its
# results. Prints its KTAP as it comes.
run_kernel() {
	local rel=$1 shard=$2 run name dir cmd xf tlimit=${SEG6_MIG_TEST_LIMIT:-900} var
	local glimit=${limit:-3600} slow=1 i=0 tag=$1
	run=$(run_dir "$rel" "$shard")
	((shards == 1)) || tag=${run##*/}
	if [[ -n ${debug[$rel]:-} ]]; then
		tlimit=${SEG6_MIG_TEST_LIMIT:-3600}
		glimit=${limit:-14400}
		slow=5		# the tests' own time limits (lib.sh SLOW)
	fi
	rm -rf "$run"
	mkdir -p "$run"
	: > "$run/ktap"
	if [[ -f $cache/build/$rel/error ]]; then
		cp "$cache/build/$rel/error" "$run/error"
		return
	fi
	# The build check and the leak scan are in every shard, the tests
	# dealt out in turn.
	while IFS=$'\t' read -r name dir cmd; do
		# The debug kernel's leak scan ends every run of it, whatever -t.
		[[ $name == kmemleak ]] || selected "$name" || continue
		if [[ $name != build && $name != kmemleak ]]; then
			((i++ % shards == shard)) || continue
		fi
		xf=$(xfail_of "$rel" "$name")
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" $tlimit "${xf:-$'-\t-'}" "$dir" "$cmd"
	done < <(printf 'build\t%s\t./build_log_clean.sh %s\n' "$selftests" "$cache/build/$rel/build.log"
		list_tests
		[[ -z ${debug[$rel]:-} ]] ||
			printf 'kmemleak\t%s\t./kmemleak_scan.sh\n' "$selftests") > "$run/plan"
	cat > "$run/env" <<-EOT
		PATH=$IP_DIR:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		SEG6_MIG_KO=$cache/build/$rel/seg6_mig.ko
		SEG6_MIG_TOP=$top
		SEG6_MIG_SLOW=$slow
	EOT
	# The stress and scenario knobs (and the test bed's) reach the guest.
	for var in $(compgen -v STRESS_) $(compgen -v SCEN_) $(compgen -v TB_); do
		[[ -z ${!var:-} ]] || printf 'export %s=%q\n' "$var" "${!var}" >> "$run/env"
	done
	# Progress as it comes; tail ends with this subshell.
	local me=$BASHPID
	tail -n +1 -F --pid="$me" "$run/ktap" 2>/dev/null |
		sed -u "s/^/# [$tag] /" &
	local rc=0
	boot_guest "$rel" "$run" "$glimit" || rc=$?
	if ((rc == 124 || rc == 137)); then
		echo "guest did not power off within ${glimit}s" > "$run/error"
	elif [[ ! -f $run/finished ]]; then
		echo "guest stopped before the tests finished (qemu exit $rc)" > "$run/error"
	fi
}

# first_splat LOG: the first kernel report in LOG, from its first line to
# its "---[ end" trailer (at most 80 lines).
first_splat() {
	awk -v pat="$(grep -v '^#' "$selftests/kernel-warnings" | paste -sd'|')" '
		!on && $0 ~ pat && $0 !~ /seg6_mig-selftests/ { on = 1 }
		on { print; if (++n >= 80 || /---\[ end/) exit }' "$1"
}

# report RUN_DIR: summarise one guest: its KTAP, plus the run-level
# failures (no result for a planned test, guest lost, warning anywhere in
# the console log).
report() {
	local run=$1 rel=${1##*/} pass fail skip xfail planned got
	echo "# ==== $rel ===="
	cat "$run/ktap"
	pass=$(grep -cE '^ok [0-9]+ [^#]*$' "$run/ktap" || true)
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$run/ktap" || true)
	xfail=$(grep -cE '^ok [0-9]+ .*# XFAIL' "$run/ktap" || true)
	fail=$(grep -cE '^not ok ' "$run/ktap" || true)
	planned=$(grep -c . "$run/plan" 2>/dev/null || echo 0)
	got=$((pass + skip + xfail + fail))
	if [[ -f $run/error ]]; then
		echo "# $rel: $(cat "$run/error"); see $run/console.log"
		# run-tests.sh marks each test's start in the kernel log.
		echo "# $rel: the last test started: $(sed -n 's/.*seg6_mig-selftests: start //p' \
			"$run/console.log" 2>/dev/null | tail -n 1)"
		fail=$((fail + 1))
	fi
	if ((planned == 0)); then
		echo "# $rel: no test was planned: the run failed before the guest booted"
		fail=$((fail + 1))
	fi
	if ((got < planned)); then
		echo "# $rel: $((planned - got)) planned test(s) gave no result"
		fail=$((fail + planned - got))
	fi
	local splat
	splat=$(grep -E -f <(grep -v '^#' "$selftests/kernel-warnings") \
		"$run/console.log" 2>/dev/null | grep -v 'seg6_mig-selftests' | head -n 5 || true)
	if [[ -n $splat ]]; then
		echo "# $rel: kernel warning in the guest's console log ($run/console.log):"
		sed 's/^/#   /' <<< "$splat"
		# The first report whole (registers, call trace): all CI keeps.
		echo "# $rel: the first report:"
		first_splat "$run/console.log" | sed 's/^/#   /'
		# Counted once more unless a test already failed for it.
		grep -q '# kernel warning$' "$run/ktap" || fail=$((fail + 1))
	fi
	echo "$rel: $pass passed, $fail failed, $skip skipped, $xfail expected failures"
	total_xfail=$((total_xfail + xfail))
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
}

SECONDS=0
"$top/scripts/install-deps.sh"
releases=()
for k in "${kernels[@]}"; do
	if [[ $k == debug ]]; then
		d=$("$top/scripts/build-debug-kernel.sh")
		rel=$(cat "$d/release")
		debug[$rel]=1
	else
		rel=$("$top/scripts/fetch-kernel.sh" "$k")
		d=$cache/kernels/$rel
	fi
	kernel_dir[$rel]=$d
	log "kernel $k -> $rel (linux-source $(cat "$d/src/VERSION"))"
	releases+=("$rel")
done
newest=$(grep -v -e '^#' -e '^$' "$selftests/kernels" | tail -n 1)
srv6_rel=$("$top/scripts/fetch-kernel.sh" "$newest")
log "SRv6 selftests from linux-source $(cat "$cache/kernels/$srv6_rel/src/VERSION")"
IP_DIR=$("$top/scripts/build-iproute2.sh")
log "ip: $("$IP_DIR/ip" -V)"
for d in "$top/tools" "$selftests/tools"; do
	if [[ -f $d/Makefile ]]; then
		make -s -C "$d" >/dev/null
	fi
done

# Modules built side by side, then the guests, at most $jobs at a time.
for rel in "${releases[@]}"; do
	rm -f "$cache/build/$rel/error"
	prepare_kernel "$rel" &
done
wait
for rel in "${releases[@]}"; do
	for ((shard = 0; shard < shards; shard++)); do
		while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
		log "booting $rel$( ((shards == 1)) || echo " (shard $((shard + 1)) of $shards)")"
		run_kernel "$rel" "$shard" &
	done
done
wait

total_pass=0 total_fail=0 total_skip=0 total_xfail=0
for rel in "${releases[@]}"; do
	for ((shard = 0; shard < shards; shard++)); do
		report "$(run_dir "$rel" "$shard")"
	done
done
log "${#releases[@]} kernel(s) in ${SECONDS}s"
echo "$total_pass passed, $total_fail failed, $total_skip skipped, $total_xfail expected failures"
((total_fail == 0))

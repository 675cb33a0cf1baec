# SPDX-License-Identifier: GPL-2.0
#
#   make                 build seg6_mig.ko against KDIR (W=1)
#   make C=1             ... and run sparse on it
#   make checkpatch      checkpatch.pl --strict on module/ and uapi/
#   make demo            install what is needed, boot one guest (6.12), migrate
#                        a VM under each mechanism, print the loss table
#   make bench           the benchmarks in one guest (6.12): writes
#                        Documentation/benchmarks.{md,json} and bench/*.png
#   make check           install what is needed, check style, run the tools'
#                        unit tests and host checks (the libvirt listener,
#                        the test programs), test the test runner, then run
#                        the whole suite (with seg6mig gw's checks, which
#                        need the kernel's seg6 encap) in QEMU guests on
#                        every supported kernel
#                          KVER=6.12 (or a full release): one kernel
#                          T=name (or a shell pattern): one test
#   make check-debug     build the debug kernel (KASAN, lockdep, kmemleak...;
#                        scripts/build-debug-kernel.sh, cached) and run the
#                        whole suite in a guest booting it, ending with a
#                        kmemleak scan; any splat or leak fails
#                          T=name (or a shell pattern): one test
#   make stress          selftests/stress.sh for 10 minutes of guest time
#                        (1 in make check) on every supported kernel
#                          KVER=6.12, or KVER=debug: the debug kernel,
#                          with failslab; STRESS_SECONDS=N: another length
#   make install         install seg6mig and its man pages (PREFIX=/usr/local)
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
CACHE := $(CURDIR)/.cache
# The kernel whose linux-source provides checkpatch.pl.
CHECKPATCH_SERIES := $(lastword $(shell grep -v '^\#' selftests/kernels))

all: module

module:
	@test -d $(KDIR) || { echo "No kernel build tree at $(KDIR): set KDIR, e.g." \
		"make KDIR=\$$(ls -d $(CACHE)/kernels/*/build | tail -n 1)" \
		"(fetched by make check or scripts/fetch-kernel.sh 6.12)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 $(if $(C),C=$(C)) modules

install:
	$(MAKE) -C tools install

# Not Kbuild's clean: it deletes every *.ko and *.o below M, and .cache/
# holds the guests' kernel modules and their builds.
clean:
	rm -f *.ko *.mod *.mod.c *.o .*.o .*.cmd Module.symvers modules.order \
		module/*.o module/.*.cmd
	$(MAKE) -C tools clean

checkpatch:
	@rel=$$(scripts/fetch-kernel.sh $(CHECKPATCH_SERIES)) && \
	$(CACHE)/kernels/$$rel/src/scripts/checkpatch.pl --strict --no-tree \
		-f $(wildcard module/*.[ch] module/*/*.[ch] uapi/linux/*.h)

demo:
	selftests/bench/demo.sh

bench:
	selftests/bench/run.sh

check:
	scripts/install-deps.sh
	$(MAKE) checkpatch
	$(MAKE) -C tools seg6mig tests/unit
	tools/tests/unit
	bash tools/libvirt/test_events.sh
	$(MAKE) -C selftests/tools
	selftests/tools/test_tools.sh
	$(if $(KVER)$(T),,selftests/runner_selftest.sh)
	selftests/vm.sh $(if $(KVER),-k $(KVER)) $(if $(T),-t '$(T)')

check-debug:
	scripts/install-deps.sh
	scripts/build-debug-kernel.sh
	selftests/vm.sh -k debug -S 2 $(if $(T),-t '$(T)')

# A round of stress.sh takes about twice its traffic's time under TCG.
stress:
	scripts/install-deps.sh
	STRESS_SECONDS=$(or $(STRESS_SECONDS),600) \
	SEG6_MIG_TEST_LIMIT=$$(( $(or $(STRESS_SECONDS),600) * 10 + 900 )) \
		selftests/vm.sh $(if $(KVER),-k $(KVER)) -t stress -T 14400

.PHONY: all module install clean checkpatch check check-debug stress demo bench

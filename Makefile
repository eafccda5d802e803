# SPDX-License-Identifier: GPL-2.0
#
# /dev/iommu (iommufd) for Linux 6.12 LTS: build, demo and tests.
#
#   make run                     boot x86-vtd and run the demo
#   make run DEMO=qemu           QEMU 10 in x86-vtd assigns edu to a nested
#                                guest through /dev/iommu; it DMAs
#   make check                   every suite on every machine
#   make check MACHINES=x86-vtd  one machine (space separated list)
#   make check SUITES=static     one suite: static, machine, iommufd, edu, fuzz
#   make kernel [TARGET=arm64]   just build a kernel (x86_64, x86_64-debug,
#                                x86_64-type1, x86_64-base, arm64)
#   make vm MACHINE=x86-amd TESTS="prog dir ..."   run any test programs
#   make bench [BENCH_ARGS="--sizes 64M"]  map/unmap benchmark (instruction-time)
#   make bench-vtd [BENCH_ARGS=...]  the same through the edu device's real VT-d
#                                domain: ours, vfio type1 and the base tree's own
#                                iommufd side by side (x86_64-type1 and x86_64-base)
#   make fuzz [SEED="1 2"] [CALLS=n | TIME=s] [FAULTS=pct] [MACHINE=x86-debug]
#                                iommufd_fuzz alone, one boot per seed (see
#                                tools/testing/iommufd/fuzz/run-fuzz.sh)
#   make clean                   drop build/ except the extracted base tree

H := tools/testing/iommufd
TARGET ?= x86_64
MACHINE ?= x86-vtd

export QEMU MACHINES SUITES IOMMUFD_TESTS FUZZ_SEED FUZZ_TIME FUZZ_FAULTS FUZZ_MACHINES

.PHONY: all run check kernel vm bench bench-vtd fuzz clean setup

all: check

setup:
	@$(H)/setup.sh

check:
	@$(H)/check.sh

run:
	@DEMO='$(DEMO)' $(H)/demo.sh

kernel: setup
	@$(H)/prepare-tree.sh $(if $(filter x86_64-base,$(TARGET)),base)
	@$(H)/build-kernel.sh $(TARGET)

bench: setup
	@$(H)/prepare-tree.sh
	@$(H)/build-kernel.sh x86_64 >/dev/null
	@$(H)/bench/run-bench.sh $(BENCH_ARGS)

bench-vtd: setup
	@$(H)/prepare-tree.sh
	@$(H)/build-kernel.sh x86_64-type1 >/dev/null
	@$(H)/prepare-tree.sh base
	@$(H)/build-kernel.sh x86_64-base >/dev/null
	@$(H)/bench/run-bench.sh --edu $(BENCH_ARGS)

# make fuzz defaults to the debug machine, not to MACHINE's x86-vtd
FUZZ_MACHINE := $(if $(filter command line environment,$(origin MACHINE)),$(MACHINE),x86-debug)

fuzz: setup
	@$(H)/prepare-tree.sh
	@MACHINE=$(FUZZ_MACHINE) SEED='$(SEED)' CALLS='$(CALLS)' TIME='$(TIME)' \
		FAULTS='$(FAULTS)' FAULT_FROM='$(FAULT_FROM)' \
		THREADS='$(THREADS)' TRACE='$(TRACE)' LOG='$(LOG)' \
		FUZZ_ARGS='$(FUZZ_ARGS)' TIMEOUT='$(TIMEOUT)' KERNEL='$(KERNEL)' \
		$(H)/fuzz/run-fuzz.sh

vm:
	@$(H)/vm-run.sh $(MACHINE) $(TESTS)

clean:
	rm -rf build/src build/obj-* build/tests-* build/logs build/results build/*.log \
		build/base-kernel/obj-*

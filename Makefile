# SPDX-License-Identifier: GPL-2.0
#
# tlsnic: user entry points. The module itself is described by Kbuild.
#
#   make            build tlsnic.ko for the test kernel (build/test/tlsnic.ko)
#   make demo       set up, build, boot the release kernel and run the demo
#   make check      set up, build, and run every test (host + QEMU guest)
#   make check-quick  developer tool: host unit tests, module build, a guest smoke test
#   make check-long   the suite with its scale tests at full size
#   make bench      benchmarks (release kernel), not tests
#   make profile    where the guest's CPU time goes, one TLS path at a time (perf)
#   make samples    userspace kTLS tools and BPF policy programs (build/samples/)
#   make install    build for the running kernel (or KVER/KDIR), install under
#                   /lib/modules/KVER/extra and run depmod; make uninstall removes it
#   make FLAVOUR=release      build against the release kernel instead
#   make KDIR=/path/to/linux  build against your own configured 6.12 tree

FLAVOUR ?= test

.PHONY: all module setup kernel demo check check-quick check-long bench profile host-test samples \
	install uninstall clean

all: module

setup:
	scripts/setup.sh

kernel: setup
	scripts/build-kernel.sh $(FLAVOUR)

module: setup
	scripts/build-module.sh $(FLAVOUR)

samples: setup
	scripts/build-samples.sh

host-test:
	scripts/host-test.sh
	scripts/fuzz.sh

demo:
	scripts/demo.sh

check:
	scripts/check.sh

check-quick:
	scripts/check.sh --quick

check-long:
	scripts/check.sh --long

bench:
	scripts/bench.sh

profile:
	scripts/profile.sh

install:
	scripts/install.sh install

uninstall:
	scripts/install.sh uninstall

clean:
	rm -rf build rust/core/target

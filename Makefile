# SPDX-License-Identifier: GPL-3.0-or-later
#
# nmidbg: the host tool, its tests, and the QEMU arm64 test board.
#
#   make            build/nmidbg
#   make install    PREFIX=/usr/local: nmidbg, its man page, bash completion,
#                   gdbscripts/ and the kernel series (as documentation)
#   make deb        build/nmidbg_VERSION_ARCH.deb (debhelper, debian/)
#   make deps       install the Debian packages everything needs
#   make board      the test board: cached arm64 kernel + initramfs
#                   (KERNEL=6.1: on Linux 6.1 instead of 6.12; make board-6.1)
#   make demo       set up, boot the board, break in, show the evidence
#   make test       the whole suite (unit, ASan/UBSan, e2e on the board)
#   make bench      benchmarks (break-in latency and success rate, ...)
#   make fuzz       the codecs' libFuzzer targets, FUZZ_RUNS (10^7) each

BUILD   ?= build
PREFIX  ?= /usr/local
DOCDIR  ?= $(PREFIX)/share/doc/nmidbg
PYTHON  := /usr/bin/python3
# The one version: VERSION, then the commit (and .dirty for a changed
# tree).  It is also the Debian package's (scripts/deb.sh), so it keeps to
# the characters a Debian version may hold.
VERSION := $(shell cat VERSION)$(shell git describe --always --dirty=.dirty 2>/dev/null | sed 's/^/+g/')

# host/ is laid out by the rule that matters: codec/ is pure (bytes in,
# events or text out: what the fuzzers and the codec unit tests link), io/
# talks to ports and sockets, cmd/ holds the commands and main().
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
	-Wshadow -Wstrict-prototypes -g -MMD -MP -Ihost/codec -Ihost/io -Ihost/cmd \
	-DNMIDBG_VERSION='"$(VERSION)"' -DNMIDBG_DATADIR='"$(PREFIX)/share/nmidbg"'
CFLAGS ?= -O2
SAN     := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
LDLIBS  := $(shell pkg-config --libs libserialport libelf libdw) -lreadline

vpath %.c host/codec host/io host/cmd
CODEC_SRCS := $(wildcard host/codec/*.c)
IO_SRCS    := $(wildcard host/io/*.c)
CMD_SRCS   := $(wildcard host/cmd/*.c)
HOST_SRCS  := $(CODEC_SRCS) $(IO_SRCS) $(CMD_SRCS)
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
PARSERS    := $(CODEC_SRCS)

OBJ      := $(BUILD)/obj
ASAN_OBJ := $(BUILD)/asan/obj
objs = $(patsubst %.c,$(1)/%.o,$(notdir $(2)))
UNITS      := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZERS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_RUNS ?= 10000000
ASAN_UNITS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/tests/%)

all: $(BUILD)/nmidbg

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(ASAN_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(SAN) -c -o $@ $<

$(BUILD)/nmidbg: $(call objs,$(OBJ),$(HOST_SRCS))
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/asan/nmidbg: $(call objs,$(ASAN_OBJ),$(HOST_SRCS))
	$(CC) $(SAN) -o $@ $^ $(LDLIBS)

# Unit tests link the codecs only; the few that test I/O code or the
# command table say so below (and only those link the libraries).
$(BUILD)/tests/%: tests/unit/%.c $(call objs,$(OBJ),$(CODEC_SRCS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Itests/unit -o $@ $(filter %.c %.o,$^) $(TEST_LIBS) -lcmocka

$(BUILD)/asan/tests/%: tests/unit/%.c $(call objs,$(ASAN_OBJ),$(CODEC_SRCS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(SAN) -Itests/unit -o $@ $(filter %.c %.o,$^) $(TEST_LIBS) -lcmocka

IO_TESTS := test_seams test_port_dev test_port_sock test_vmlinux test_symres test_outq
$(IO_TESTS:%=$(BUILD)/tests/%): $(call objs,$(OBJ),$(IO_SRCS)) tests/unit/script_port.c
$(IO_TESTS:%=$(BUILD)/asan/tests/%): $(call objs,$(ASAN_OBJ),$(IO_SRCS)) tests/unit/script_port.c
$(IO_TESTS:%=$(BUILD)/tests/%) $(IO_TESTS:%=$(BUILD)/asan/tests/%): TEST_LIBS = $(LDLIBS)
$(BUILD)/tests/test_cmd: $(OBJ)/cmd.o
$(BUILD)/asan/tests/test_cmd: $(ASAN_OBJ)/cmd.o

# libFuzzer targets for the pure codecs: parsers, the JSON writer (clang,
# libclang-rt-14-dev).
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/digest.h $(PARSERS) $(wildcard host/codec/*.h)
	@mkdir -p $(@D)
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Ihost/codec -g -O1 \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(PARSERS)

# make fuzz: each target, one at a time, for FUZZ_RUNS executions from the
# committed seeds (tests/fuzz/corpus/TARGET) with its dictionary.  New
# inputs go to build/corpus/TARGET and any crash to build/fuzz/artifacts/:
# the checkout is never written.  Measured niced on the 2-core build
# machine beside kernel builds: fuzz_gdbin 2071 s, fuzz_mode 1009 s,
# fuzz_rsp 823 s; fuzz_telnet ran at 15.5k exec/s (about 650 s) and
# fuzz_triage about as fast: roughly 95 minutes in all, no finding.
# fuzz_doctor (added later) ran at 4.7k exec/s under the CPU lock: about
# 35 minutes more; its first 2 minutes found an overread, fixed.
# fuzz_telnet_port (issue 20, a telnet port's reads) ran 10^6 at 7.2k
# exec/s beside a kernel build: about 23 minutes more at FUZZ_RUNS.
# fuzz_jsonw (the JSON writer driven by any call sequence) ran 10^6 at
# 52.6k exec/s and 10^7 in 342 s (29k exec/s), niced: about 6 minutes
# more; its first seconds found a refused call that had written a byte.
fuzz: $(FUZZERS)
	@mkdir -p $(BUILD)/fuzz/artifacts
	@for f in $(FUZZERS); do t=$$(basename $$f); mkdir -p $(BUILD)/corpus/$$t; \
		echo "== $$t ($(FUZZ_RUNS) runs)"; start=$$(date +%s); \
		$$f -runs=$(FUZZ_RUNS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/artifacts/ -dict=tests/fuzz/$$t.dict \
			$(BUILD)/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
		echo "== $$t: $$(( $$(date +%s) - start )) s"; done

# ---- the test board -------------------------------------------------------
$(BUILD)/board/init: tests/board/init.c
	@mkdir -p $(@D)
	aarch64-linux-gnu-gcc -static -Os -std=gnu11 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/board/initramfs.cpio: $(BUILD)/board/init tests/board/mkcpio.py
	$(PYTHON) tests/board/mkcpio.py $< $@

# KERNEL: the base of the board's kernel, 6.12 (kernel-patches/) or 6.1
# (kernel-patches/linux-6.1/, built in $(BUILD)/kernel/6.1-default).
# board-lockdep and board-6.1 are the suite's kdb-only boards: built without
# DWARF (tests/board/lean.config): a fifth to a quarter faster to build.
KERNEL ?= 6.12

board: $(BUILD)/board/initramfs.cpio
	@KERNEL=$(KERNEL) tests/board/build-kernel.sh default

board-lockdep: $(BUILD)/board/initramfs.cpio
	@KERNEL=6.12 tests/board/build-kernel.sh lockdep

board-6.1: $(BUILD)/board/initramfs.cpio
	@KERNEL=6.1 tests/board/build-kernel.sh lean

install: $(BUILD)/nmidbg
	install -D -m 755 $(BUILD)/nmidbg $(DESTDIR)$(PREFIX)/bin/nmidbg
	install -D -m 644 docs/nmidbg.1 $(DESTDIR)$(PREFIX)/share/man/man1/nmidbg.1
	install -D -m 644 contrib/nmidbg.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/nmidbg
	install -D -m 644 -t $(DESTDIR)$(PREFIX)/share/nmidbg/gdbscripts \
		gdbscripts/nmidbg.py gdbscripts/batch.py gdbscripts/kaslr.py \
		gdbscripts/nmidbg_drgn.py
	install -D -m 644 -t $(DESTDIR)$(DOCDIR)/gdbscripts gdbscripts/README.md
	install -D -m 644 -t $(DESTDIR)$(DOCDIR)/kernel-patches kernel-patches/README.md \
		kernel-patches/cover-letter.txt kernel-patches/*.patch kernel-patches/series
	install -D -m 644 -t $(DESTDIR)$(DOCDIR)/kernel-patches/linux-6.1 \
		kernel-patches/linux-6.1/cover-letter.txt kernel-patches/linux-6.1/*.patch \
		kernel-patches/linux-6.1/series

# The Debian package, built from a copy of the tree under build/deb/ (the
# checkout is never written); a no-op while nothing it holds has changed.
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB      := $(BUILD)/nmidbg_$(VERSION)_$(DEB_ARCH).deb
DEB_SRCS := Makefile VERSION README.md $(HOST_SRCS) $(wildcard host/*/*.h) docs/nmidbg.1 \
	contrib/nmidbg.bash-completion $(wildcard gdbscripts/* debian/* debian/*/*) \
	$(shell find kernel-patches contrib/labgrid -name __pycache__ -prune -o -type f -print 2>/dev/null)

$(DEB): scripts/deb.sh $(DEB_SRCS)
	@scripts/deb.sh "$(VERSION)" $(BUILD)/deb $@

deb: $(DEB)
	@echo "deb: $(DEB)"

# ---- the two commands -----------------------------------------------------
deps:
	@scripts/deps.sh

# T=PATTERN runs only the tests whose name contains PATTERN.
test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/asan/nmidbg $(UNITS) $(ASAN_UNITS) $(FUZZERS) board board-lockdep board-6.1 deb
	@$(PYTHON) tests/run.py --units "$(UNITS) $(ASAN_UNITS)" $(if $(T),-k '$(T)')

demo: deps
	@$(MAKE) --no-print-directory all board
	@$(PYTHON) tests/demo.py

# Benchmarks: numbers, not pass/fail tests.
bench: deps
	@$(MAKE) --no-print-directory all board
	@$(PYTHON) bench/breakin.py
	@$(PYTHON) bench/console.py
	@$(PYTHON) bench/memread.py
	@$(PYTHON) bench/gdbrtt.py
	@$(PYTHON) bench/triage.py
	@$(PYTHON) bench/fleet.py
	@$(PYTHON) bench/drgn.py

# The kernel series: checkpatch --strict every patch and nmi-tty/
# (KERNEL=6.1 for the 6.1 series).
checkpatch: board
	@KERNEL=$(KERNEL) scripts/kernel-series.sh check

# Every patch of the series builds on its own (about 6 minutes; KERNEL=6.1
# for the 6.1 series).
check-series: board
	@KERNEL=$(KERNEL) scripts/series-bisect-build.sh

clean:
	rm -rf $(BUILD)/obj $(BUILD)/asan $(BUILD)/tests $(BUILD)/fuzz $(BUILD)/board $(BUILD)/nmidbg

distclean:
	rm -rf $(BUILD)

.PHONY: all install deb deps board board-lockdep board-6.1 test demo bench fuzz checkpatch check-series clean distclean

-include $(wildcard $(OBJ)/*.d $(ASAN_OBJ)/*.d)

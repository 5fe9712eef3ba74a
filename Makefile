# SPDX-License-Identifier: GPL-2.0-or-later
# Makefile - passt / pasta

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)

CC ?= cc
prefix ?= /usr/local
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
mandir ?= $(prefix)/share/man
man1dir ?= $(mandir)/man1
DESTDIR ?=

SRCS := $(sort $(wildcard *.c))
OBJS := $(SRCS:.c=.o)
LIB_OBJS := $(filter-out passt.o,$(OBJS))

BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-DVERSION_STR=\"$(VERSION)\" -pipe
HARDEN_CFLAGS := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
	-Wformat -Wformat-security
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now

CFLAGS ?= -g
override CFLAGS += $(BASE_CFLAGS) $(HARDEN_CFLAGS) -MMD -MP
override LDFLAGS += $(HARDEN_LDFLAGS)

.PHONY: all clean install uninstall check lint unit tidy cppcheck
.PHONY: asan asan-unit bench valgrind
.PHONY: fuzz fuzz-replay

all: passt pasta

passt: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $(OBJS) $(LDFLAGS)

pasta: passt
	ln -sf passt pasta

%.o: %.c
	$(CC) $(CFLAGS) -c -o $@ $<

# The seccomp filter's lists, from the #syscalls annotations in the sources
seccomp.h: seccomp.sh $(SRCS)
	./seccomp.sh $@ $(CC) $(SRCS)

isolation.o asan/isolation.o valgrind/isolation.o: seccomp.h


-include $(SRCS:.c=.d)

# Unit tests: each test/unit/test_*.c links against every object but main()
UNIT_SRCS := $(sort $(wildcard test/unit/test_*.c))
UNIT_BINS := $(patsubst test/unit/%.c,test/unit/bin/%,$(UNIT_SRCS))

test/unit/bin/%: test/unit/%.c test/unit/unit.h $(LIB_OBJS)
	@mkdir -p test/unit/bin
	$(CC) $(CFLAGS) -I. -o $@ $< $(LIB_OBJS) $(LDFLAGS)

unit: $(UNIT_BINS)
	test/run unit

# The unit tests again, linked with the ASan+UBSan objects
ASAN_UNIT_BINS := $(patsubst test/unit/%.c,test/unit/asan-bin/%,$(UNIT_SRCS))
ASAN_LIB_OBJS := $(addprefix asan/,$(LIB_OBJS))

test/unit/asan-bin/%: test/unit/%.c test/unit/unit.h $(ASAN_LIB_OBJS)
	@mkdir -p test/unit/asan-bin
	$(CC) $(BASE_CFLAGS) $(ASAN_FLAGS) -I. -o $@ $< $(ASAN_LIB_OBJS)

asan-unit: $(ASAN_UNIT_BINS)

# Everything that runs without opt-in: unit, namespace, passt and guest
# tests, and the unit and namespace tests again against the ASan+UBSan build
check: all valgrind $(UNIT_BINS) asan $(ASAN_UNIT_BINS)
	test/run all

lint: tidy cppcheck

tidy: seccomp.h
	clang-tidy --quiet $(SRCS) -- $(BASE_CFLAGS) -I.

cppcheck: seccomp.h
	cppcheck --std=c11 --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --quiet --suppressions-list=.cppcheck-suppress \
		-D_GNU_SOURCE -DVERSION_STR=\"lint\" -DSECCOMP_NO_CHECK -I. \
		--library=gnu $(SRCS)

# Same sources, built with AddressSanitizer and UBSan, into asan/: objects
# asan/*.o, binary asan/passt, link asan/pasta. No _FORTIFY_SOURCE (it hides
# overflows from ASan). Every UBSan check is on, alignment included: headers
# in frames are accessed through the types of hdr.h, valid at any address.
# The process aborts on the first report (no recovery), so that a test sees
# it. PASST_SANITIZER lets the sanitizers' run-time make its calls under the
# seccomp filter. 'make check' runs the unit and namespace tests against this
# build too (test/run asan), with the unit tests in test/unit/asan-bin/.
ASAN_FLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -DPASST_SANITIZER

# variant_rules - Rules for a build of the same sources into a directory:
# objects DIR/*.o, binary DIR/passt, link DIR/pasta
# $(1): directory (and target name), $(2): name of the variable with flags
define variant_rules
$(1): $(1)/passt $(1)/pasta

$(1)/%.o: %.c
	@mkdir -p $(1)
	$$(CC) $$(BASE_CFLAGS) $$($(2)) -MMD -MP -c -o $$@ $$<

$(1)/passt: $(addprefix $(1)/,$(OBJS))
	$$(CC) $$($(2)) -o $$@ $(addprefix $(1)/,$(OBJS))

$(1)/pasta: $(1)/passt
	ln -sf passt $$@

-include $(addprefix $(1)/,$(OBJS:.o=.d))
endef

$(eval $(call variant_rules,asan,ASAN_FLAGS))

# Same sources, built for valgrind, into valgrind/: objects valgrind/*.o,
# binary valgrind/passt, link valgrind/pasta. -O1 -g, frame pointers, no
# _FORTIFY_SOURCE (its checked variants of memcpy() and friends only get in
# the way of valgrind's own replacements). PASST_VALGRIND marks this build:
# pasta's ns_call() switches network namespace in our own task (valgrind
# can't follow the clone() it uses otherwise: see pasta.c), and valgrind
# makes system calls on our behalf (signals, its own memory mappings, reading
# the binary): a seccomp filter has to allow those, and setns() in our own
# task, in this build only. Run by test/ns/95-valgrind.sh (make check).
VALGRIND_FLAGS := -g -O1 -fno-omit-frame-pointer -DPASST_VALGRIND

$(eval $(call variant_rules,valgrind,VALGRIND_FLAGS))

install: all
	mkdir -p $(DESTDIR)$(bindir) $(DESTDIR)$(man1dir)
	cp -f passt $(DESTDIR)$(bindir)/passt
	ln -sf passt $(DESTDIR)$(bindir)/pasta
	cp -f passt.1 $(DESTDIR)$(man1dir)/passt.1
	ln -sf passt.1 $(DESTDIR)$(man1dir)/pasta.1

uninstall:
	rm -f $(DESTDIR)$(bindir)/passt $(DESTDIR)$(bindir)/pasta
	rm -f $(DESTDIR)$(man1dir)/passt.1 $(DESTDIR)$(man1dir)/pasta.1

bench: all
	test/perf/bench.sh

# Fuzzing with clang's libFuzzer, AddressSanitizer and UBSan: the targets,
# their build and corpora are in test/fuzz/ (see test/fuzz/README.md).
# 'fuzz' runs each target for FUZZ_SECONDS, 'fuzz-replay' runs every corpus
# input once (also part of the namespace tests: test/ns/90-fuzz-replay.sh)
FUZZ_SECONDS ?= 60

fuzz:
	$(MAKE) -C test/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-replay:
	$(MAKE) -C test/fuzz replay

clean:
	rm -f passt pasta *.o *.d seccomp.h
	rm -rf test/unit/bin test/unit/asan-bin asan valgrind

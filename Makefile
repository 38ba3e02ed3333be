# l2sim: one non-recursive Makefile. Each folder lists its sources in Makefile.inc.
#
#   make              build build/l2sim (installs missing Debian packages first)
#   make demo         build and run scenarios/quickstart.json
#   make test         build and run every test: unit tests (with the property test's
#                     200 scenarios and a few-second smoke run of the benchmark), the
#                     acceptance and example scenarios, the doc examples, sweeps,
#                     the golden outputs, hardening, the pictures of run --svg/--html,
#                     and the fuzz regression inputs
#   make pictures     redraw the pictures the docs show (docs/img/; make test checks them)
#   make golden       rewrite tests/golden/ (only in a commit that says which output
#                     changed and why; make test compares them)
#   make SAN=1 test   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-long    the randomized property test with 10,000 generated scenarios
#   make bench        the full benchmark: how fast the simulator is (about a minute of CPU)
#   make fuzz         libFuzzer targets (clang) in build-fuzz/, 30 s each (tests/fuzz/)
#   make DEBUG=1      unoptimised build with assertions
#   make L2SIM_NO_MPI=1   build without Open MPI (no sweep --mpi); by default it is
#                     used when pkg-config finds ompi-c, installed when missing
#   make install PREFIX=/usr/local   (make uninstall removes it)
#   make clean
#   .ci/run           CI: make test, make SAN=1 test, valgrind, make fuzz

.DEFAULT_GOAL := all
SHELL := /bin/bash

CC ?= cc
PREFIX ?= /usr/local
ACCEPTANCE ?= ../shared/acceptance
ACCEPTANCE_ROUTING ?= ../shared/acceptance-routing

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wpointer-arith
CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L

ifeq ($(SAN),1)
  BUILD ?= build-san
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  LDSAN := -fsanitize=address,undefined
else ifeq ($(DEBUG),1)
  BUILD ?= build-debug
  OPT := -O0 -g
else
  BUILD ?= build
  # Release: no per-block conservation check (debug and sanitizer builds do check).
  OPT := -O2 -g -DNDEBUG
endif

# Dependencies come from pkg-config; tools/setup.sh installs them when missing.
DEPS_OK := $(shell pkg-config --exists libsodium libcjson criterion 2>/dev/null && echo yes)
ifneq ($(DEPS_OK),yes)
  ifeq ($(filter clean,$(MAKECMDGOALS)),)
    $(info l2sim: libsodium, libcjson or Criterion not found; running tools/setup.sh)
    SETUP_STATUS := $(shell bash tools/setup.sh >&2; echo $$?)
    ifneq ($(SETUP_STATUS),0)
      $(error set-up failed: see the message above)
    endif
  endif
endif

# Open MPI is optional: it gives `sweep --mpi` (tools/sweep_mpi.c, linked into l2sim
# alone). When pkg-config cannot find ompi-c, tools/setup.sh tries to install it; where
# it cannot (no apt, no root), the build goes on without --mpi, says so, and remembers
# the attempt in $(BUILD)/.no-mpi (remove it to try again). L2SIM_NO_MPI=1 skips MPI.
ifneq ($(L2SIM_NO_MPI),1)
  MPI_OK := $(shell pkg-config --exists ompi-c 2>/dev/null && echo yes)
  ifneq ($(MPI_OK),yes)
    ifeq ($(filter clean,$(MAKECMDGOALS)),)
      ifeq ($(wildcard $(BUILD)/.no-mpi),)
        $(info l2sim: Open MPI (pkg-config ompi-c) not found; running tools/setup.sh to add it)
        MPI_SETUP := $(shell mkdir -p $(BUILD); bash tools/setup.sh >&2 || touch $(BUILD)/.no-mpi)
        MPI_OK := $(shell pkg-config --exists ompi-c 2>/dev/null && echo yes)
      endif
      ifneq ($(MPI_OK),yes)
        $(info l2sim: building without Open MPI: sweep --mpi is off (tools/setup.sh installs it; then rm -f $(BUILD)/.no-mpi))
      endif
    endif
  endif
endif
ifeq ($(MPI_OK),yes)
  # -isystem: the MPI headers are not held to -Werror.
  MPI_CFLAGS := -DL2SIM_HAVE_MPI $(patsubst -I%,-isystem %,$(shell pkg-config --cflags ompi-c))
  MPI_LIBS := $(shell pkg-config --libs ompi-c)
endif

SODIUM_CFLAGS := $(shell pkg-config --cflags libsodium 2>/dev/null)
SODIUM_LIBS := $(shell pkg-config --libs libsodium 2>/dev/null)
CJSON_CFLAGS := $(shell pkg-config --cflags libcjson 2>/dev/null)
CJSON_LIBS := $(shell pkg-config --libs libcjson 2>/dev/null)
CRITERION_CFLAGS := $(shell pkg-config --cflags criterion 2>/dev/null)
CRITERION_LIBS := $(shell pkg-config --libs criterion 2>/dev/null)

CFLAGS_ALL := $(CSTD) $(WARN) $(OPT) -I. $(SODIUM_CFLAGS) $(CJSON_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL := $(LDSAN) $(LDFLAGS)
LIBS := $(SODIUM_LIBS) -lm

include l1sim/Makefile.inc
include l2/Makefile.inc
include tools/Makefile.inc
include tests/Makefile.inc

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

L1SIM_LIB := $(BUILD)/libl1sim.a
L2_LIB := $(BUILD)/libl2.a
TOOLS_LIB := $(BUILD)/libl2simtools.a
L2SIM := $(BUILD)/l2sim

# The fuzz targets and their replay drivers (needs the library names above).
include tests/fuzz/Makefile.inc

L2SIM_MPI_OBJS := $(if $(MPI_OK),$(call obj,$(TOOLS_MPI_SRCS)))
ALL_OBJS := $(call obj,$(L1SIM_SRCS) $(L2_SRCS) $(TOOLS_SRCS) $(TOOLS_MAIN) $(TEST_SRCS) $(FUZZ_REPLAY_SRCS)) \
	$(L2SIM_MPI_OBJS)

.PHONY: all demo test test-long route-snapshot check-unit check-scenarios check-golden golden check-hardening check-pictures pictures bench install uninstall clean
# Keep the test objects (make would delete them as intermediates and rebuild them).
.SECONDARY:
all: $(L2SIM)

# Objects are rebuilt when the compiler flags change.
FLAGS_STAMP := $(BUILD)/.flags
$(shell mkdir -p $(BUILD) && echo '$(CC) $(CFLAGS_ALL) $(MPI_CFLAGS)' | cmp -s - $(FLAGS_STAMP) || echo '$(CC) $(CFLAGS_ALL) $(MPI_CFLAGS)' > $(FLAGS_STAMP))

# The MPI flags go to l2sim.c (which registers sweep --mpi) and sweep_mpi.c only.
$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(if $(findstring tests/,$<),$(CRITERION_CFLAGS)) \
		$(if $(filter $<,$(TOOLS_MAIN) $(TOOLS_MPI_SRCS)),$(MPI_CFLAGS)) -c $< -o $@

$(L1SIM_LIB): $(call obj,$(L1SIM_SRCS))
	@rm -f $@
	ar rcs $@ $^
$(L2_LIB): $(call obj,$(L2_SRCS))
	@rm -f $@
	ar rcs $@ $^
$(TOOLS_LIB): $(call obj,$(TOOLS_SRCS))
	@rm -f $@
	ar rcs $@ $^

$(L2SIM): $(call obj,$(TOOLS_MAIN)) $(L2SIM_MPI_OBJS) $(TOOLS_LIB) $(L2_LIB) $(L1SIM_LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CJSON_LIBS) $(LIBS) $(MPI_LIBS)

# One Criterion binary per test source, linked with every library.
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TOOLS_LIB) $(L2_LIB) $(L1SIM_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(CRITERION_LIBS) $(CJSON_LIBS) $(LIBS)

demo: $(L2SIM)
	$(L2SIM) run scenarios/quickstart.json

test: check-unit check-scenarios check-golden check-hardening check-pictures check-fuzz-regressions
	@echo "l2sim: all tests passed"

# The unit tests; test_route_snapshot is a measurement on ../shared/data (make
# route-snapshot), not a test: make test never needs that data.
UNIT_BINS := $(filter-out $(BUILD)/tests/tools/test_route_snapshot,$(TEST_BINS))
check-unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; \
		$$t --jobs 2 || fail=1; \
	done; exit $$fail

# Route search on the 2020 Lightning snapshot (docs/routing.md): 5,000 payments of
# 100,000 msat, searches per second of CPU; ROUTING=lnd for lnd's weights.
SNAPSHOT ?= ../shared/data/ln-snapshot-2020
route-snapshot: $(BUILD)/tests/tools/test_route_snapshot
	L2SIM_SNAPSHOT=$(SNAPSHOT) $(if $(ROUTING),L2SIM_ROUTING=$(ROUTING)) $< --verbose

# The property test of `make test` (200 generated scenarios) with 10,000 of them.
test-long: $(BUILD)/tests/tools/test_property
	L2SIM_PROPERTY_COUNT=10000 $< --jobs 2

check-scenarios: $(L2SIM)
	@L2SIM=$(L2SIM) ACCEPTANCE=$(ACCEPTANCE) ACCEPTANCE_ROUTING=$(ACCEPTANCE_ROUTING) bash tests/tools/run_scenarios.sh
	@L2SIM=$(L2SIM) bash tests/tools/run_sweep.sh
	@L2SIM=$(L2SIM) bash tests/tools/run_cluster.sh

# Golden outputs (tests/golden/): every report, trace and a sweep CSV, byte for byte.
check-golden: $(L2SIM)
	@L2SIM=$(L2SIM) ACCEPTANCE=$(ACCEPTANCE) bash tests/golden/golden.sh check

# Rewrites the golden outputs: only in a commit that says which output changed and why.
golden: $(L2SIM)
	@L2SIM=$(L2SIM) ACCEPTANCE=$(ACCEPTANCE) bash tests/golden/golden.sh write

check-hardening: $(L2SIM)
	@L2SIM=$(L2SIM) bash tests/tools/run_hardening.sh

# The pictures of run --svg/--html (tests/tools/run_pictures.sh), and those committed
# under docs/img/ are the ones the current build draws.
check-pictures: $(L2SIM)
	@L2SIM=$(L2SIM) bash tests/tools/run_pictures.sh

# Redraws the pictures the docs show (docs/teaching-disputes.md, README.md).
pictures: $(L2SIM)
	@L2SIM=$(L2SIM) bash tests/tools/run_pictures.sh --write

# The full benchmark (docs/performance.md); make test runs only its --quick smoke run,
# through tests/tools/test_bench.c.
bench: $(L2SIM)
	$(L2SIM) bench

install: $(L2SIM)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(L2SIM) $(DESTDIR)$(PREFIX)/bin/l2sim
	install -m 644 docs/l2sim.1 $(DESTDIR)$(PREFIX)/share/man/man1/l2sim.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/l2sim $(DESTDIR)$(PREFIX)/share/man/man1/l2sim.1

clean:
	rm -rf build build-san build-debug build-fuzz

-include $(ALL_OBJS:.o=.d)

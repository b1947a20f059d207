# The stack's build. `make` builds the apps, `make test` runs every test,
# `make test-asan` the unit and sim tests (and the fuzz regressions) under
# ASan+UBSan, `make test-tsan` the threaded ones under ThreadSanitizer,
# `make bench` the benchmarks, `make demo` the server/client demo, `make
# fuzz` the libFuzzer targets (fuzz/fuzz.mk). `make deps` installs what a
# fresh Debian 12 machine lacks (test/demo run it when something is missing).
#
# Sources are found by wildcard: a new .cpp in a layer folder joins the
# library, a new test file in tests/unit or tests/sim joins the test binary.

CXX      ?= g++
BUILD    ?= build
OPT      ?= -O2
CXXFLAGS ?= $(OPT) -g
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -pthread -I. -MMD -MP -DBOOST_LOG_DYN_LINK
LDLIBS   := -lboost_program_options -lboost_log_setup -lboost_log -lboost_thread -lpthread

ifeq ($(TSAN),1)
CXXFLAGS += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=thread
endif

ifeq ($(SAN),1)
CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

LIB_SRCS   := $(sort $(wildcard base/*.cpp link/*.cpp ip/*.cpp tcp/*.cpp host/*.cpp trace/*.cpp os/*.cpp stack/*.cpp app/*.cpp))
TEST_SRCS  := $(sort $(wildcard tests/*.cpp tests/unit/*.cpp tests/sim/*.cpp))
TOOL_SRCS  := $(sort $(wildcard tools/*.cpp))
# capture/: libpcap (filters, reading pcap files), linked only into ./dump
# and the test binary, never into libstack.a.
CAP_SRCS   := $(sort $(wildcard capture/*.cpp))
CAP_LIBS   := -lpcap
BENCH_SRCS := $(sort $(wildcard bench/*.cpp))
APPS       := server client $(notdir $(TOOL_SRCS:.cpp=))

LIB        := $(BUILD)/libstack.a
LIB_OBJS   := $(LIB_SRCS:%.cpp=$(BUILD)/%.o)
CAP_LIB    := $(BUILD)/libcapture.a
CAP_OBJS   := $(CAP_SRCS:%.cpp=$(BUILD)/%.o)
TEST_OBJS  := $(TEST_SRCS:%.cpp=$(BUILD)/%.o)
TEST_BIN   := $(BUILD)/tests/run_tests
BENCH_BINS := $(BENCH_SRCS:%.cpp=$(BUILD)/%)
# The micro-benchmarks `make bench` runs as they are; ustack_send, the
# load generator (C, plain kernel sockets) and lwip_tap (C, Debian's
# liblwip-dev behind a TAP) are the tools of bench/run.sh.
BENCH_TOOLS := $(BUILD)/bench/ustack_send $(BUILD)/bench/loadgen $(BUILD)/bench/lwip_tap
BENCH_MICRO := $(filter-out $(BENCH_TOOLS),$(BENCH_BINS))

# `make fuzz`, `make fuzz-regress`: libFuzzer targets built with clang.
include fuzz/fuzz.mk

# `make test` and `make test-asan` build with every core: a bare machine's
# first build is most of their time.
NPROC    := $(shell nproc 2>/dev/null || echo 2)

.SECONDARY:
.PHONY: all test test-unit test-integration test-asan test-tsan bench demo run-server run-client deps clean cc-compare
all: $(APPS)

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

# Tests build segments with designated initializers that name only the
# fields that matter to the scenario.
$(TEST_OBJS): CXXFLAGS += -Wno-missing-field-initializers

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

server client: %: $(BUILD)/%.o $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(CAP_LIB): $(CAP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(filter-out dump,$(notdir $(TOOL_SRCS:.cpp=))): %: $(BUILD)/tools/%.o $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

dump: $(BUILD)/tools/dump.o $(CAP_LIB) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) $(CAP_LIBS) -o $@

$(TEST_BIN): $(TEST_OBJS) $(CAP_LIB) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) $(CAP_LIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench/loadgen: bench/loadgen.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -pthread $< -o $@

# lwIP's headers as the package built its library (its lwipopts.h): -isystem,
# so that -Werror judges our code, not theirs.
LWIP_CFLAGS := $(shell pkg-config --cflags-only-I lwip 2>/dev/null | sed 's/-I/-isystem /g')
$(BUILD)/bench/lwip_tap: bench/lwip_tap.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror $(if $(LWIP_CFLAGS),$(LWIP_CFLAGS),-isystem /usr/include/lwip) $< -llwip -o $@

# Everything: unit + sim (doctest), then the integration scripts (as root),
# closing with one "N passed, N failed" line.
test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all $(TEST_BIN)
	@tests/run_all.sh $(TEST_BIN)

test-unit: $(TEST_BIN)
	$(TEST_BIN)

test-integration: deps all
	@tests/run_all.sh --integration-only

test-asan:
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/asan SAN=1 OPT=-O1 build/asan/tests/run_tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build/asan/tests/run_tests
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(MAKE) --no-print-directory -j$(NPROC) BUILD=build/asan SAN=1 OPT=-O1 fuzz-replay

# The tests where threads meet (the socket API over the event loop, whole
# stacks in one process, the event loop itself) under ThreadSanitizer.
TSAN_TESTS := stack API*,host mode*,event loop*,watch*
test-tsan:
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/tsan TSAN=1 OPT=-O1 build/tsan/tests/run_tests
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build/tsan/tests/run_tests -tc='$(TSAN_TESTS)'

# QUICK=1 (about a minute) and the sizes of bench/run.sh pass through.
bench: deps $(BENCH_BINS) $(BENCH_TOOLS) all
	@for b in $(BENCH_MICRO); do echo "== $$b"; $$b || exit 1; done
	@bench/run.sh

demo: deps all
	@scripts/demo.sh

# The congestion controllers side by side on the simulated link (a virtual
# clock: no root, no network); the plots go to build/cc-compare/.
cc-compare: cc_compare
	@mkdir -p $(BUILD)/cc-compare
	./cc_compare --plot-dir $(BUILD)/cc-compare $(ARGS)
	@echo "plots: $(BUILD)/cc-compare/cc-*.svg"

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
run-server: all
	$(SUDO) ./server $(ARGS)
run-client: all
	$(SUDO) ./client $(ARGS)

deps:
	@scripts/deps.sh

clean:
	rm -rf build $(APPS)

-include $(LIB_OBJS:.o=.d) $(CAP_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BUILD)/server.d $(BUILD)/client.d \
         $(TOOL_SRCS:%.cpp=$(BUILD)/%.d) $(BENCH_SRCS:%.cpp=$(BUILD)/%.d)

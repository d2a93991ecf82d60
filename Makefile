# rolloutlab: `make demo` and `make test` each do the whole set-up on a fresh Debian machine
# (packages, configure, build) before their job.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
CMAKE_FLAGS ?=

.PHONY: all deps deps-fuzz configure build demo test test-normal test-asan test-tsan fuzz bench package clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROLLOUTLAB_WERROR=ON $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/bin/rolloutlab

test-normal: build
	cd $(BUILD) && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j $(JOBS)

$(BUILD_ASAN)/build.ninja: | deps
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g -O1" \
	  -DROLLOUTLAB_ASAN=ON -DROLLOUTLAB_BUILD_BENCH=OFF -DROLLOUTLAB_WERROR=ON $(CMAKE_FLAGS)

test-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && QT_QPA_PLATFORM=offscreen \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# The threaded parts under ThreadSanitizer (docs/fuzzing.md, "ThreadSanitizer"). Only the test
# binaries of the modules that run threads are built (the batch thread pool in sim, the tune
# search, the app's batch/tune/check workers, replay's bootstrap batches, the CLI run as a
# subprocess, the GUI's workers), at -O1 -g1, through ccache when it is installed. Of those
# binaries, ctest runs every test whose name matches TSAN_TESTS:
#   - the name rule: a test whose suite or case name holds "Thread", "Determinis", "Cancel",
#     "Sigterm", "Worker", "Concurren" or "Parallel" (Batch.IdenticalForAnyThreadCount,
#     TuneSearch.ACancelledSearchIsPartial): a new test of threaded code joins by being named
#     so, in any of the TSAN_TARGETS binaries (core_tests is not one: ArgoExpr.ConcurrentEvaluation
#     would need it);
#   - the GUI suites that drive a worker thread whatever the case's name.
# A new threaded module adds its test binary to TSAN_TARGETS. Every matching test runs: none is
# excluded, and tests/tsan.supp names only Qt's, GLib's and glibc's own frames.
# Measured (cold, no ccache, on the 2-core build machine shared with about eight other builds,
# load average 16): build and tests took 804 s of CPU (736 user, 68 system) in 55.8 min of wall
# time at a 24% share of the CPU; the tests alone 2.5-3 min of wall time (4.6 min, 85 s of CPU,
# at load average 17 once the big-repo load test ran under TSan too). On 2 unshared cores
# that is about 8 minutes (CPU time / 2 plus the serial links), inside the 15 minutes this
# step may take of CI's 90.
TSAN_TARGETS ?= app_tests sim_tests tune_tests replay_tests cli_tests rolloutlab \
  $$(grep -q '^ROLLOUTLAB_BUILD_GUI:BOOL=ON' $(BUILD_TSAN)/CMakeCache.txt && echo gui_tests)
TSAN_TESTS ?= Thread|Determinis|Cancel|Sigterm|Worker|Concurren|Parallel|^(Batch|OcAggregates|BatchView|CompareView|MainWindow|ExportDialog|ReplayGui|RolloutWorkbench|TimelineView|TuneView|Workbench|WorkspaceLoad)\.
TSAN_CCACHE := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

$(BUILD_TSAN)/build.ninja: | deps
	cmake -S . -B $(BUILD_TSAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g1 -O1" \
	  -DROLLOUTLAB_TSAN=ON -DROLLOUTLAB_BUILD_BENCH=OFF -DROLLOUTLAB_WERROR=ON $(TSAN_CCACHE) $(CMAKE_FLAGS)

test-tsan: deps $(BUILD_TSAN)/build.ninja
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(BUILD_TSAN) && QT_QPA_PLATFORM=offscreen \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp \
	  ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# The whole suite in the normal build and under AddressSanitizer + UBSan, then the threaded
# tests under ThreadSanitizer (above).
test: test-normal test-asan test-tsan

# libFuzzer targets of fuzz/ (clang, ASan + UBSan), each run FUZZ_SECONDS on its seed corpus
# (FUZZ_TARGETS: a subset, e.g. "promql csv"). docs/fuzzing.md.
deps-fuzz:
	@ROLLOUTLAB_DEPS_EXTRA=fuzz scripts/install-deps.sh

$(BUILD_FUZZ)/build.ninja: | deps-fuzz
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only" -DROLLOUTLAB_FUZZ=ON -DROLLOUTLAB_BUILD_GUI=OFF \
	  -DROLLOUTLAB_BUILD_TESTS=OFF -DROLLOUTLAB_BUILD_BENCH=OFF -DROLLOUTLAB_WERROR=ON $(CMAKE_FLAGS)

fuzz: deps-fuzz $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz_targets
	fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: build
	@scripts/bench.sh $(BUILD)

# The Debian package (CPack; Depends computed by dpkg-shlibdeps): $(BUILD)/rolloutlab_<version>_<arch>.deb.
# Builds only what the package holds (not the tests and benchmarks, as the `package` target would).
package: configure
	cmake --build $(BUILD) -j $(JOBS) --target rolloutlab rolloutlab_cli_docs \
	  $$(grep -q '^ROLLOUTLAB_BUILD_GUI:BOOL=ON' $(BUILD)/CMakeCache.txt && echo rolloutlab-gui)
	cpack --config $(BUILD)/CPackConfig.cmake -B $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_FUZZ)

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

# The threaded parts under ThreadSanitizer: the batch engine's thread pool (app_tests) and the
# GUI's workers (gui_tests), by test name so CI time stays bounded (docs/fuzzing.md has the
# figures). A new threaded module adds its test binary and suite names here.
TSAN_TARGETS ?= app_tests $$(grep -q '^ROLLOUTLAB_BUILD_GUI:BOOL=ON' $(BUILD_TSAN)/CMakeCache.txt && echo gui_tests)
TSAN_TESTS ?= ^(Batch|OcAggregates|BatchView|CompareView|MainWindow|ReplayGui|RolloutWorkbench|TimelineView|Workbench|WorkspaceLoad)\.

$(BUILD_TSAN)/build.ninja: | deps
	cmake -S . -B $(BUILD_TSAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-g1 -O1" \
	  -DROLLOUTLAB_TSAN=ON -DROLLOUTLAB_BUILD_BENCH=OFF -DROLLOUTLAB_WERROR=ON $(CMAKE_FLAGS)

test-tsan: deps $(BUILD_TSAN)/build.ninja
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target $(TSAN_TARGETS)
	cd $(BUILD_TSAN) && QT_QPA_PLATFORM=offscreen \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp \
	  ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# The whole suite, in the normal build and under AddressSanitizer + UBSan. The ThreadSanitizer
# run of the threaded parts (`make test-tsan`) is not yet part of it: it has not been measured
# against the CI time budget.
test: test-normal test-asan

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

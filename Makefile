# rolloutlab: `make demo` and `make test` each do the whole set-up on a fresh Debian machine
# (packages, configure, build) before their job.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
BUILD_ASAN ?= build-asan
CMAKE_FLAGS ?=

.PHONY: all deps configure build demo test test-normal test-asan bench package clean

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

# The whole suite, in the normal build and under AddressSanitizer + UBSan.
test: test-normal test-asan

bench: build
	@scripts/bench.sh $(BUILD)

# The Debian package (CPack; Depends computed by dpkg-shlibdeps): $(BUILD)/rolloutlab_<version>_<arch>.deb.
# Builds only what the package holds (not the tests and benchmarks, as the `package` target would).
package: configure
	cmake --build $(BUILD) -j $(JOBS) --target rolloutlab rolloutlab_cli_docs \
	  $$(grep -q '^ROLLOUTLAB_BUILD_GUI:BOOL=ON' $(BUILD)/CMakeCache.txt && echo rolloutlab-gui)
	cpack --config $(BUILD)/CPackConfig.cmake -B $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)

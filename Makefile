# tensord — the two commands of the README, and the targets behind them.
#   make run    install dependencies, build, serve the example models on :8000 (HTTP)
#   make test   install dependencies, build, run every test (unit, sanitizers, integration)
#   make bench  build and run the end-to-end benchmarks in bench/
SHELL := /bin/bash
PYTHON := /usr/bin/python3
JOBS ?= $(shell nproc)
TENSORD := build/release/server/tensord
ARGS ?=

.PHONY: all deps build build-for-tests build-asan build-tsan models run test unit-test asan-test tsan-test \
        integration-test bench format clean

all: build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

# The asan tree: every unit test and server/tensord (scripts/run-tests runs the security and
# bad-input integration tests against it).
build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

# Only the concurrency tests (ctest label "tsan") are built and run under ThreadSanitizer:
# CMake collects every test labelled tsan into the target tsan_tests (CMakeLists.txt).
build-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS) --target tsan_tests

# The example repository is generated (deterministically) rather than committed.
models: models/.stamp
models/.stamp: scripts/make-models $(wildcard scripts/make_models/*.py)
	@scripts/make-models models
	@touch $@

run: build models
	$(TENSORD) serve --model-repository models $(ARGS)

# `make test` builds in the release tree only what the integration tests run (the unit tests
# run under the sanitizers instead: building them at -O2 as well cost CI about a fifth of its
# time and found nothing the ASan/UBSan run does not); `make unit-test` runs them in release.
build-for-tests: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target tensord tensord-bench tensord-optimize-helper \
	  grpc_floor_server

test: build-for-tests build-asan build-tsan
	@scripts/run-tests

unit-test: build
	ctest --preset release

integration-test: build
	$(PYTHON) -m pytest tests/integration -q

bench: build
	@scripts/run-benchmarks

# libFuzzer fuzzers of the decoders (fuzz/, clang, build/fuzz): replays the corpus and every
# crash regression, then runs each fuzzer FUZZ_SECONDS; grown corpora and crashes go to
# build/fuzz/work, never into the repository. `make test` runs them for seconds only.
FUZZ_SECONDS ?= 300
.PHONY: fuzz
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@fuzz/run-fuzzers --replay
	@fuzz/run-fuzzers --seconds $(FUZZ_SECONDS)

# The OCI image (deploy/image/build: Debian 12 packages and the release binaries, no base
# image) in build/image. Not part of `make test`, which checks the image only once built.
.PHONY: image
image: build
	@deploy/image/install-deps
	@deploy/image/build

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build models

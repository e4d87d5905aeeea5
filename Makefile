# cairn: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD_DIR ?= build/release
ASAN_DIR  ?= build/asan
FUZZ_DIR  ?= build/fuzz
JOBS      ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure -j $(JOBS)
CLANG_FORMAT ?= clang-format

.PHONY: bootstrap configure build run test unit asan integration check-layers bench fuzz \
        format check-format clean fuzz-run soak tsan

bootstrap:
	@scripts/bootstrap --quiet

configure: bootstrap
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

# Release build; binaries land in ./bin.
build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)
	@mkdir -p bin
	@install -m 755 $(BUILD_DIR)/bin/cairnd $(BUILD_DIR)/bin/cairn bin/

# Starts cairnd in the foreground with every face on localhost and the data in ./data.
run: build
	exec ./bin/cairnd --data-dir ./data

check-layers:
	@scripts/check_layers

# Unit tests + integration tests (real binaries, real clients) on the Release build, then the
# unit tests again under ASan+UBSan. The last line printed is ctest's summary.
test: bootstrap check-layers check-format build
	cd $(BUILD_DIR) && ctest $(CTEST_ARGS)
	$(MAKE) --no-print-directory asan

unit: build
	cd $(BUILD_DIR) && ctest $(CTEST_ARGS) -L unit

integration: build
	cd $(BUILD_DIR) && ctest $(CTEST_ARGS) -L integration

asan: bootstrap
	@cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCAIRN_SANITIZE=address,undefined -DCMAKE_CXX_FLAGS="-O1" >/dev/null
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest $(CTEST_ARGS) -L unit

# Long crash soak: 1000 SIGKILL trials against the object store, the KV store, the graph model and
# cairnd's Session storage RPC.
SOAK_TRIALS ?= 1000
soak: build
	$(BUILD_DIR)/tests/objects_crash_test $(SOAK_TRIALS) $$RANDOM
	$(BUILD_DIR)/tests/kv_crash_test $(SOAK_TRIALS) $$RANDOM
	$(BUILD_DIR)/tests/session_rpc_crash_test $(SOAK_TRIALS) $$RANDOM
	$(BUILD_DIR)/tests/graph_crash_test $(SOAK_TRIALS) $$RANDOM

# Unit tests under ThreadSanitizer (not part of `make test`: a third full build).
TSAN_DIR ?= build/tsan
tsan: bootstrap
	@cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=thread \
	  -DCMAKE_CXX_FLAGS="-O1" >/dev/null
	cmake --build $(TSAN_DIR) -j $(JOBS)
	cd $(TSAN_DIR) && TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest $(CTEST_ARGS) -L unit

# Every benchmark: each executable file directly under bench/.
bench: build
	@scripts/bootstrap --quiet --bench
	@set -e; for b in bench/*; do \
	  if [[ -f $$b && -x $$b ]]; then echo "== $$b"; $$b; fi; \
	done

# libFuzzer targets (clang). Run one with e.g. build/fuzz/fuzz/config_fuzz fuzz/corpus/config
fuzz: bootstrap
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCAIRN_FUZZ=ON -DCAIRN_BUILD_TESTS=OFF -DCAIRN_SANITIZE=address,undefined >/dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target config_fuzz segment_record_fuzz s3_xml_fuzz \
	  aws_chunked_fuzz sigv4_fuzz resp_fuzz session_rpc_fuzz eventlog_page_fuzz eventlog_api_fuzz
	@echo "fuzzers are in $(FUZZ_DIR)/fuzz/"

SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.h' '*.cc')

format:
	$(CLANG_FORMAT) -i $(SOURCES)

check-format:
	$(CLANG_FORMAT) --dry-run --Werror $(SOURCES)

clean:
	rm -rf build bin

# Runs every fuzzer for FUZZ_SECONDS (default 60) on a scratch copy of its seed corpus.
FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@set -e; for f in $(FUZZ_DIR)/fuzz/*_fuzz; do \
	  name=$$(basename $$f _fuzz); work=$$(mktemp -d); \
	  cp fuzz/corpus/$$name/* $$work/ 2>/dev/null || true; \
	  echo "== $$name ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$work 2>&1 | tail -3; \
	  rm -rf $$work; \
	done

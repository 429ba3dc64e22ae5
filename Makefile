# The two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
JOBS ?= $(shell nproc)

.PHONY: run test build build-asan build-fuzz web bench clean deps

deps:
	@scripts/install-deps

# The release binary (make run) and the benchmarks (make bench); tests build in the asan tree.
build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target zhongtai resilience_bench config_push_bench bench_tokens bulkhead_driver mall_driver flood_driver observer_driver

# The H5 app and the console (web/), served by the gateway.
web: deps
	@scripts/build-web

run: build web
	@mkdir -p data
	@./build/release/src/zhongtai admin create --first-run --config config/zhongtai.yaml
	./build/release/src/zhongtai serve --config config/zhongtai.yaml

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

build-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)

# One ASan + UBSan build; every test (unit, functional, fuzz) runs against it.
test: build-asan build-fuzz web
	@scripts/unasserted-codes
	@scripts/untested-operations
	@scripts/service-boundaries --self-test
	@scripts/service-boundaries
	@scripts/core-floors --self-test
	@scripts/core-floors
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build/asan --output-on-failure -j $(JOBS) --timeout 600

bench: build
	bench/http/run
	bench/resilience/run
	bench/config_push/run
	bench/gateway/run
	bench/auth/run
	bench/bulkhead/run
	bench/observer/run

clean:
	rm -rf build web/h5/dist web/console/dist

# Two entry points: `make run` (embedded magnumd) and `make test` (every test).
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CONFIG ?= etc/magnum/magnumd.conf

.PHONY: all deps test-deps build run test unit clean format

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test

# A tree configured here compiles in unity batches of 8 files with -g1 debug information
# (line tables and symbols: backtraces, perf and sanitizer reports keep file:line; no
# local variables in gdb): a fresh build costs about a quarter of one object per file with
# full -g, which is what CI pays on every run (docs/testing.md "Build time"). A tree for
# step-by-step debugging: `make build BUILD_DIR=build-debug FAST_BUILD=0`.
FAST_BUILD ?= 1
ifeq ($(FAST_BUILD),1)
UNITY_CMAKE = -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8
FAST_CMAKE = $(UNITY_CMAKE) "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
endif

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(FAST_CMAKE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The embedded default: the server binaries only, then a Docker Engine for the docker
# driver (started with --iptables=false when none runs, and stopped again on exit if we
# started it), then magnumd in the foreground until Ctrl-C.
run: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target magnumd magnum-api magnum-conductor magnum-db-manage
	mkdir -p var
	@scripts/dockerd-ensure.sh $(CURDIR)/var/dockerd-started.pid || \
	  echo "make run: no Docker Engine: the API serves, but docker-driver clusters will fail until one runs"
	@trap ':' INT TERM; trap 'scripts/dockerd-stop.sh $(CURDIR)/var/dockerd-started.pid' EXIT; \
	  $(BUILD_DIR)/bin/magnumd --config-file $(CONFIG)

test: test-deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS) || \
	  { $(CURDIR)/scripts/ctest-failures.py .; exit 1; }

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit -j $(JOBS)

# The OpenStack dev services (real Keystone, Glance, Nova API, Neutron server on 127.0.0.1,
# docs/openstack.md); `make test` starts them itself for the keystone-labelled tests.
.PHONY: openstack-start openstack-stop
openstack-start: test-deps
	scripts/openstack/start.sh

openstack-stop:
	scripts/openstack/stop.sh

# A private RabbitMQ node on 127.0.0.1:5682 (scripts/rabbitmq/, docs/configuration.md
# "RabbitMQ"), the one `make test` uses for the multinode-labelled tests (started by the
# tests when none runs).
.PHONY: rabbitmq-start rabbitmq-stop
rabbitmq-start: test-deps
	MAGNUM_RABBITMQ_STATE=$(CURDIR)/$(BUILD_DIR)/rabbitmq scripts/rabbitmq/start.sh

rabbitmq-stop:
	MAGNUM_RABBITMQ_STATE=$(CURDIR)/$(BUILD_DIR)/rabbitmq scripts/rabbitmq/stop.sh

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)

# Sanitizers and fuzzing (docs/testing.md): clang trees next to build/, each built under its
# own lock. build-asan: ASan+UBSan (+ libFuzzer coverage, so the fuzz targets share the
# tree); build-tsan: TSan, only the conductor and HTTP unit tests.
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 15
# ctest labels left out of the ASan run (a real Docker Engine: slow and not our code; the
# real OpenStack services: minutes of Python start-up, while the keystone C++ code and its
# libcurl client run under ASan in the unit tests). `multinode` stays in: its private
# MariaDB starts in seconds, and the MariaDB back end runs instrumented that way. `heat`:
# a real Heat on those services (its tests drive Heat, and the driver's C++ code runs
# instrumented in its unit tests).
SANITIZE_EXCLUDE ?= docker|keystone|heat|browser
SAN_CMAKE = -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DMAGNUM_BUILD_BENCH=OFF \
  $(UNITY_CMAKE)
# A 16 MB quarantine (default 256) keeps an instrumented magnumd's RSS near the plain one, so
# the robustness suite's "RSS within 2x idle" still measures the code, not ASan.
export ASAN_OPTIONS ?= detect_leaks=1:halt_on_error=1:abort_on_error=1:strict_string_checks=1:quarantine_size_mb=16
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS ?= halt_on_error=1:second_deadlock_stack=1

.PHONY: asan-build test-asan test-tsan test-sanitize fuzz fuzz-smoke

$(ASAN_DIR)/CMakeCache.txt:
	cmake -S . -B $(ASAN_DIR) $(SAN_CMAKE) -DMAGNUM_SANITIZE=address,undefined -DMAGNUM_FUZZ=ON

$(TSAN_DIR)/CMakeCache.txt:
	cmake -S . -B $(TSAN_DIR) $(SAN_CMAKE) -DMAGNUM_SANITIZE=thread

asan-build: test-deps $(ASAN_DIR)/CMakeCache.txt
	flock /tmp/magnum-build-asan.lock cmake --build $(ASAN_DIR) -j $(JOBS)

# Unit and integration suites (and the fuzz corpora replayed) under ASan+UBSan+LSan.
# The integration suite's MariaDB and layout variants (integration.mariadb.*,
# integration.layout.*) run in `make test` only: the same C++ paths run here on SQLite, and
# the MariaDB back end and the API/conductor split over RabbitMQ under ASan in
# db.mariadb.contract and the multinode tests; running them twice more would cost CI ~8 min.
test-asan: asan-build
	scripts/sanitizer-ctest.sh $(ASAN_DIR) --output-on-failure -j $(JOBS) \
	  -L 'unit|integration|fuzz' -LE '$(SANITIZE_EXCLUDE)' \
	  -E '^integration[.](mariadb|layout)[.]' $(CTEST_ARGS)

# The conductor and HTTP unit tests under TSan (run directly: only these two are built).
# Tests to leave out of the TSan run (gtest filter patterns, ':'-separated); none today.
TSAN_SKIP ?=
test-tsan: test-deps $(TSAN_DIR)/CMakeCache.txt
	flock /tmp/magnum-build-tsan.lock cmake --build $(TSAN_DIR) -j $(JOBS) \
	  --target unit_conductor_tests unit_http_tests
	$(TSAN_DIR)/bin/unit_conductor_tests --gtest_brief=1 --gtest_filter='-$(TSAN_SKIP)'
	$(TSAN_DIR)/bin/unit_http_tests --gtest_brief=1

test-sanitize: test-asan fuzz-smoke test-tsan

# Every fuzz target for FUZZ_SECONDS (long runs), or FUZZ_SMOKE_SECONDS (CI): fails on a finding.
fuzz: asan-build
	scripts/fuzz.sh -b $(ASAN_DIR) -t $(FUZZ_SECONDS)

fuzz-smoke: asan-build
	scripts/fuzz.sh -b $(ASAN_DIR) -t $(FUZZ_SMOKE_SECONDS) -j $(JOBS)

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

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

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
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -L unit -j $(JOBS)

format:
	find src tests bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)

# claudebox — a thin wrapper over CMake/ctest. `make run` and `make test` work on a fresh Debian 12 machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)

# Debian packages: build, test (root/rootless integration, network, VM), in that order.
BUILD_DEPS := cmake make gcc pkg-config libc6-dev libseccomp-dev libcap-ng-dev libnl-3-dev \
              libnl-route-3-dev libnftables-dev libjson-c-dev libsystemd-dev
TEST_DEPS  := libcmocka-dev util-linux passwd iproute2 nftables passt slirp4netns tmux python3 \
              qemu-system-x86 linux-image-amd64 busybox-static cpio kmod xz-utils
# npm (for the real-agent test) only when no npm is on the PATH: machines that carry Node.js from
# elsewhere would see Debian's npm conflict with it.
NPM_DEP    := $(if $(shell command -v npm 2>/dev/null),,npm)
BENCH_DEPS := bubblewrap crun runc hyperfine

.PHONY: all deps deps-test deps-bench build build-asan run test test-fast bench format clean

all: build

# Installs what is missing when root; otherwise prints the exact apt-get line and stops.
define ensure_packages
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } >/tmp/claudebox-apt.log 2>&1 \
	      || { tail -20 /tmp/claudebox-apt.log; exit 1; }; \
	  else \
	    echo "missing packages; run: sudo apt-get install --no-install-recommends $$missing"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call ensure_packages,$(BUILD_DEPS))
deps-test: deps
	$(call ensure_packages,$(TEST_DEPS) $(NPM_DEP))
deps-bench: deps-test
	$(call ensure_packages,$(BENCH_DEPS))

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCB_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps-test
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCB_SANITIZE=ON -DCB_TESTS=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# A short sandboxed session that shows the layers working.
run: build
	@tests/demo.sh $(BUILD)/claudebox

# The whole ctest suite, then again under ASan+UBSan.
test: deps-test build build-asan
	cd $(BUILD) && ctest --output-on-failure -j 2
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j 2 -LE vm

# Without the sanitizer pass and the VM: for quick iterations.
test-fast: deps-test build
	cd $(BUILD) && ctest --output-on-failure -j 2 -LE vm

bench: deps-bench build
	@bench/run.sh $(BUILD)/claudebox

format:
	clang-format -i runtime/*.[ch] seccomp/*.[ch] netns/*.[ch] tests/unit/*.c tests/probes/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

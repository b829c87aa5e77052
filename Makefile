# The two commands that matter: `make run` and `make test`. See README.md.
BUILD ?= build
JOBS ?= $(shell nproc)
STORAGE ?= ./data
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: setup build run test unit-test integration-test s3-test fuzz asan clean format

setup:
	bash scripts/setup

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: setup build
	$(BUILD)/strata serve --storage $(STORAGE)

unit-test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

integration-test: build
	STRATA_BIN=$(abspath $(BUILD)/strata) bash tests/run

# The Node SDK suite and the ObjectStore contract suite against a throwaway Ceph RGW.
s3-test: build
	STRATA_BIN=$(abspath $(BUILD)/strata) BUILD=$(abspath $(BUILD)) bash tests/run-s3

# Every libFuzzer target for FUZZ_SECONDS each (clang build in build-fuzz/).
fuzz:
	bash scripts/fuzz

test: setup
	$(MAKE) unit-test integration-test s3-test fuzz

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	$(MAKE) unit-test BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON"

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build build-asan build-fuzz

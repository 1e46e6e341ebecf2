# Thin wrapper over CMake: `make demo` talks to the example bot, `make test` runs every test.
BUILD     ?= build
SAN_BUILD ?= build-san
FUZZ_BUILD ?= build-fuzz
MAKEFLAGS += --no-print-directory
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build build-san build-fuzz demo test bench format deps clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-san:
	@sh scripts/install-deps.sh test
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPARLEY_SANITIZE=ON -DPARLEY_TESTS=ON >/dev/null
	@cmake --build $(SAN_BUILD) -j $(JOBS)

# libFuzzer targets (tests/fuzz): clang, everything instrumented, ASan + UBSan.
build-fuzz: build-san
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	  -DPARLEY_FUZZ=ON -DPARLEY_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# The conference bot in the terminal, and on a web page (http://127.0.0.1:8080/, or
# DEMO_LISTEN=ADDR:PORT) while the terminal chat runs: scripts/demo.sh.
demo: build
	@sh scripts/demo.sh $(BUILD)

# The release build too: -O2 finds warnings (-Werror) a Debug build does not, and
# `make demo` and `make bench` use it.
test: build build-san build-fuzz
	@cd $(SAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	@cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@sh bench/run.sh $(BUILD)

format:
	@clang-format -i runtime/*.c runtime/*.h include/parley/*.h plugins/*/*.c plugins/*/*.h \
	  tests/unit/*.c tests/plugins/*/*.c bench/*.c

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)

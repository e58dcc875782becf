SHELL := /bin/bash
# sagad — `make run` starts the daemon on ./var, `make test` runs every test.
# Both install what they need first, so they work on a fresh machine.

SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
STATE_DIR ?= ./var
APT_PACKAGES := libsqlite3-dev libsystemd-dev pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test build bench deps clean help

help:
	@echo "make run    build and start sagad with state under $(STATE_DIR)"
	@echo "make test   build and run the unit, system and crash tests"
	@echo "make bench  release build of the log benchmark, with raw-disk baselines"

## Installs the system packages the build links against, only when one is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@test -x "$(SWIFT)" || { echo "swift not found (looked on PATH and in /opt/swift/usr/bin)"; exit 1; }

build: deps
	$(SWIFT) build

run: build
	mkdir -p $(STATE_DIR)/run
	$(SWIFT) run sagad --state-dir $(STATE_DIR)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build 2>&1 | tee .build/test-output.txt; status=$${PIPESTATUS[0]}; \
	  echo; grep -E "Test run with" .build/test-output.txt | tail -n 1; exit $$status

bench: deps
	$(SWIFT) build -c release --product SagaLogBenchmark
	.build/release/SagaLogBenchmark --dir $(STATE_DIR)/bench

clean:
	rm -rf .build $(STATE_DIR)/bench

SHELL := /bin/bash
# sagad — `make run` starts the daemon on ./var, `make test` runs every test.
# Both install what they need first, so they work on a fresh machine.

SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
STATE_DIR ?= ./var
# librdkafka-dev: KafkaLog, the log API on a Kafka cluster.
APT_PACKAGES := libsqlite3-dev libsystemd-dev pkg-config librdkafka-dev
# For the tests: promtool (checks /metrics), systemd (socket activation, the systemd harness), curl;
# gdb prints the test process's threads if a run overstays its time limit; python3-venv holds
# schemathesis (from PyPI), which fuzzes the API against openapi.yaml, and grpcio/grpcio-tools
# (from PyPI, Tests/grpc-python.sh), a gRPC client no one here wrote; tmux runs `sagactl top` in a
# pane the tests type into and read, as a person sees it; postgresql is the private server the
# PostgreSQL service store's tests start (Tests/postgres-server.sh).
TEST_APT_PACKAGES := prometheus systemd curl gdb python3-venv tmux postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-cluster swift-tests coverage build bench bench-kafka bench-cluster bench-long soak build-release-bench deps test-deps clean help fuzz-api chaos check-monitoring proto

help:
	@echo "make run    build and start sagad with state under $(STATE_DIR)"
	@echo "make test   build and run the unit, system and crash tests"
	@echo "make test-cluster  the log conformance suite and KafkaLog's tests against a Kafka emulator,"
	@echo "                   the PostgreSQL service store's tests against a private PostgreSQL"
	@echo "make coverage  the unit and system tests, then line coverage per module (gate: $(COVERAGE_MINIMUM)%)"
	@echo "make bench  release builds; the log and the saga (in-process, socket closed/open loop) against raw-disk baselines"
	@echo "make bench-kafka  append throughput of KafkaLog on the Kafka emulator next to SagaLog, same run"
	@echo "make bench-cluster  the services on PostgreSQL as 1, 2 and 3 sagad (Kafka emulator), and in one process"
	@echo "make bench-long  1M orders through one daemon: first vs last 100k orders' rate and RSS"
	@echo "make soak   100k orders through one daemon: RSS flat after warm-up, rate kept"
	@echo "make fuzz-api  schemathesis against openapi.yaml, FUZZ_EXAMPLES (300) per operation"
	@echo "make chaos  kill -9 at random under mixed load for CHAOS_CYCLES (200) cycles, then every invariant"
	@echo "make proto  regenerate Sources/SagaProto from proto/ (after editing a .proto)"
	@echo "make check-monitoring  promtool checks config/prometheus and runs the alert rules' unit tests"

## Installs the system packages the build links against (and, for `make test`, the tools the
## tests use), only when one is missing: one `apt-get update`, one `apt-get install`.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@test -x "$(SWIFT)" || { echo "swift not found (looked on PATH and in /opt/swift/usr/bin)"; exit 1; }
endef

deps:
	$(call install_missing,$(APT_PACKAGES))

test-deps:
	$(call install_missing,$(APT_PACKAGES) $(TEST_APT_PACKAGES))

build: deps
	$(SWIFT) build

run: build
	mkdir -p $(STATE_DIR)/run
	$(SWIFT) run sagad --config config/sagad.yaml --state-dir $(STATE_DIR)

# Three runs: the systemd-environment tests (they check process-wide variables such as
# NOTIFY_SOCKET and LISTEN_FDS), the unit tests, then the system tests that start the real
# binaries (apart from the unit tests' descriptor churn while they spawn processes). Then the
# systemd harness (real systemd as PID 1 in namespaces) runs; without root it says why it is
# skipped, and as root or with CI=true a missing capability fails the run.
# Each run has a time limit, so a hung test fails the build instead of stalling CI; at the limit
# run-with-deadline.sh prints the unfinished tests, the test process's threads and the daemons
# still running before it kills them.
# Each run must also execute every test `swift test list` names for it (expect-every-test-ran.sh).
# A test process killed by its time limit may leave daemons behind: they are killed after the
# system tests, pass or fail.
# The one build is instrumented for coverage: every test process, and every sagad the system
# tests and the API fuzzing start, writes its counters to $(COVERAGE_DIR) as it exits
# (LLVM_PROFILE_FILE, a file per process: a shared pool is corrupted when kill -9 hits a process
# merging into it). Tests/coverage.py merges them, prints line coverage per module and fails the
# run when a module of COVERAGE_GATE is below COVERAGE_MINIMUM percent.
KILL_TEST_LEFTOVERS := pkill -KILL -f '$(CURDIR)/.build/[^ ]*/debug/(sagad|sagadPackageTests)' || true
TEST_BUILD := $(SWIFT) build --build-tests --enable-code-coverage
COVERAGE_DIR := .build/coverage
PROFILE := LLVM_PROFILE_FILE='$(CURDIR)/$(COVERAGE_DIR)/%p.profraw'
COVERAGE_GATE ?= SagaLog,SagaMessaging,OrderService,CheckoutService,FulfillmentService
COVERAGE_MINIMUM ?= 90
COVERAGE_TOOL := python3 Tests/coverage.py $(COVERAGE_DIR) .build/debug/sagadPackageTests.xctest \
	.build/debug/sagad .build/debug/sagactl --minimum $(COVERAGE_MINIMUM)
COVERAGE_REPORT := $(COVERAGE_TOOL) --gate $(COVERAGE_GATE)
# `make test` also runs the PostgreSQL store's tests against a real server (Tests/postgres-tests.sh),
# so it gates that module too; `make coverage` does not start a server, so it cannot.
TEST_COVERAGE_REPORT := $(COVERAGE_TOOL) --gate $(COVERAGE_GATE),ServiceStorePostgres

# The unit and system runs of `make test` (and `make coverage`), on the instrumented build.
swift-tests: test-deps
	$(TEST_BUILD)
	@mkdir -p .build
	rm -rf $(COVERAGE_DIR) && mkdir -p $(COVERAGE_DIR)
	$(PROFILE) $(SWIFT) test list --skip-build > .build/test-list.txt
	$(PROFILE) Tests/run-with-deadline.sh 600 .build/test-systemd-unit.txt $(SWIFT) test --skip-build --filter SagaSystemdTests
	Tests/expect-every-test-ran.sh .build/test-list.txt .build/test-systemd-unit.txt "systemd-environment tests" '^SagaSystemdTests\.'
	$(PROFILE) Tests/run-with-deadline.sh 900 .build/test-output.txt $(SWIFT) test --skip-build --skip SagaSystemdTests --skip SystemTests
	Tests/expect-every-test-ran.sh .build/test-list.txt .build/test-output.txt "unit tests" -v '^(SagaSystemdTests|SystemTests)\.'
	$(PROFILE) Tests/run-with-deadline.sh 600 .build/test-system.txt $(SWIFT) test --skip-build --filter SystemTests; \
	  status=$$?; $(KILL_TEST_LEFTOVERS); test $$status -eq 0
	Tests/expect-every-test-ran.sh .build/test-list.txt .build/test-system.txt "system tests" '^SystemTests\.'

# The log conformance suite and KafkaLog's tests against the Kafka emulator (noida-db from PyPI,
# a test double, started on a free loopback port and stopped afterwards); skipped with the reason
# when PyPI cannot be reached. Ends with a `kafka:` line. Then the PostgreSQL service store's
# tests against a private PostgreSQL server on a free loopback port; ends with a `postgres:` line.
test-cluster: test-deps
	$(TEST_BUILD)
	$(PROFILE) Tests/cluster-tests.sh $(SWIFT) .build/test-cluster.txt
	$(PROFILE) Tests/postgres-tests.sh $(SWIFT) .build/test-postgres.txt

test: check-monitoring swift-tests
	$(PROFILE) Tests/cluster-tests.sh $(SWIFT) .build/test-cluster.txt
	$(PROFILE) Tests/postgres-tests.sh $(SWIFT) .build/test-postgres.txt
	$(PROFILE) Tests/api-fuzz.sh .build/debug/sagad 30 2>&1 | tee .build/test-api-fuzz.txt; test $${PIPESTATUS[0]} -eq 0
	$(PROFILE) Tests/grpc-python.sh .build/debug/sagad 2>&1 | tee .build/test-grpc-python.txt; test $${PIPESTATUS[0]} -eq 0
	$(PROFILE) Tests/systemd/run.sh .build/debug/sagad 2>&1 | tee .build/test-systemd-harness.txt; \
	  test $${PIPESTATUS[0]} -eq 0
	$(TEST_COVERAGE_REPORT) | tee .build/test-coverage.txt; test $${PIPESTATUS[0]} -eq 0
	@echo; echo "summary:"; grep -hE "Test run with" .build/test-systemd-unit.txt .build/test-output.txt .build/test-system.txt; \
	  grep -hE "^systemd( tests)?: " .build/test-systemd-harness.txt || true; \
	  grep -hE "^kafka: " .build/test-cluster.txt || true; \
	  grep -hE "^postgres: " .build/test-postgres.txt || true; \
	  grep -hE "^schemathesis: " .build/test-api-fuzz.txt || true; \
	  grep -hE "^grpc-python: " .build/test-grpc-python.txt || true; \
	  grep -hE "^chaos: " .build/test-system.txt || true; \
	  grep -hE "^coverage: " .build/test-coverage.txt || true; \
	  total=$$(grep -hoE "Test run with [0-9]+ test" .build/test-systemd-unit.txt .build/test-output.txt .build/test-system.txt | awk '{s+=$$4} END {print s}'); \
	  echo "swift: $$total passed, 0 failed"

# Regenerates the gRPC API's Swift code (Sources/SagaProto, committed) from proto/: run it after
# editing a .proto. Debian's protoc with the Swift plugins, built here from Tools/ProtocPlugins, a
# package of its own, so that a plain `swift build` or `make test` never compiles them.
PROTO_PLUGINS := Tools/ProtocPlugins/.build/debug
proto:
	$(call install_missing,protobuf-compiler)
	$(SWIFT) build --package-path Tools/ProtocPlugins --product protoc-gen-swift
	$(SWIFT) build --package-path Tools/ProtocPlugins --product protoc-gen-grpc-swift-2
	protoc --proto_path=proto \
	  --plugin=protoc-gen-swift=$(PROTO_PLUGINS)/protoc-gen-swift \
	  --swift_out=Sources/SagaProto --swift_opt=Visibility=Public,FileNaming=DropPath \
	  --plugin=protoc-gen-grpc-swift-2=$(PROTO_PLUGINS)/protoc-gen-grpc-swift-2 \
	  --grpc-swift-2_out=Sources/SagaProto --grpc-swift-2_opt=Visibility=Public,FileNaming=DropPath \
	  proto/sagad/v1/orders.proto

# The Prometheus scrape config and alert rules are valid, and each alert's unit tests
# (config/prometheus/tests) pass. The system test MonitoringTests then runs them, and every
# panel of config/grafana/sagad.json, against a real Prometheus scraping a real sagad.
check-monitoring: test-deps
	promtool check config config/prometheus/prometheus.yml
	promtool test rules config/prometheus/tests/*.yml

# Line coverage per module from the unit and system tests (the same runs and gate as `make test`).
coverage: swift-tests
	$(COVERAGE_REPORT) | tee .build/test-coverage.txt; test $${PIPESTATUS[0]} -eq 0

# The chaos test of `make test` (20 cycles) for CHAOS_CYCLES cycles: random kill -9 under mixed
# load, every invariant checked from the databases afterwards; ends with a `chaos:` line.
CHAOS_CYCLES ?= 200
chaos: test-deps
	$(TEST_BUILD)
	SAGAD_CHAOS_CYCLES=$(CHAOS_CYCLES) $(PROFILE) Tests/run-with-deadline.sh 5400 .build/test-chaos.txt \
	  $(SWIFT) test --skip-build --filter SystemTests.ChaosTests; \
	  status=$$?; $(KILL_TEST_LEFTOVERS); grep -hE "^chaos: " .build/test-chaos.txt; test $$status -eq 0

# More of the same fuzzing as `make test` does, with a fresh seed: FUZZ_EXAMPLES per operation.
FUZZ_EXAMPLES ?= 300
fuzz-api: test-deps
	$(TEST_BUILD)
	$(PROFILE) Tests/api-fuzz.sh .build/debug/sagad $(FUZZ_EXAMPLES) ""

# perf counts the daemon's fdatasync calls (syscall tracepoints); python3 reads the JSON.
BENCH_APT_PACKAGES := linux-perf python3
# Every product (the two benchmarks, sagad, sagactl) in one release build.
build-release-bench: deps
	$(call install_missing,$(BENCH_APT_PACKAGES))
	$(SWIFT) build -c release

# The log against raw-disk baselines, then the saga in-process and through the socket (closed
# loop at saturation, open loop at BENCH_RATE/s) against the disk's write+fdatasync rate.
BENCH_ORDERS ?= 5000
BENCH_CONCURRENCY ?= 64
BENCH_RATE ?= 1000
BENCH_SECONDS ?= 10
bench: build-release-bench
	.build/release/SagaLogBenchmark --dir $(STATE_DIR)/bench
	@echo
	Benchmarks/saga-bench.sh .build/release $(STATE_DIR)/bench $(BENCH_ORDERS) $(BENCH_CONCURRENCY) $(BENCH_RATE) $(BENCH_SECONDS)

# Append throughput of KafkaLog against the Kafka emulator next to SagaLog (always) in the same
# run: BENCH_CONCURRENCY appenders, one small record a call. Only the benchmark is built.
bench-kafka: deps
	$(SWIFT) build -c release --product KafkaLogBenchmark
	Benchmarks/kafka-bench.sh .build/release --appenders $(BENCH_CONCURRENCY)

# The saga's services on PostgreSQL as 1, 2 and 3 sagad processes sharing one database and
# the Kafka emulator, then as 1, 2 and 3 instances in one process on the embedded log, against
# PostgreSQL's commit rate in the same run.
CLUSTER_ORDERS ?= 1200
bench-cluster: deps test-deps
	$(SWIFT) build -c release --product ClusterBenchmark
	$(SWIFT) build -c release --product sagad
	$(SWIFT) build -c release --product sagactl
	Benchmarks/cluster-bench.sh .build/release $(CLUSTER_ORDERS) 30

# 1M orders through one daemon in chunks of 100k: first vs last chunk's rate and RSS.
LONG_ORDERS ?= 1000000
LONG_CHUNK ?= 100000
bench-long: build-release-bench
	Benchmarks/saga-long.sh .build/release $(STATE_DIR)/bench $(LONG_ORDERS) $(LONG_CHUNK) $(BENCH_CONCURRENCY)

# The memory soak: SOAK_ORDERS (100k) through one daemon; fails unless RSS after the first
# chunk (warm-up) stays within ±10% and the last chunk keeps 90% of the first one's rate.
SOAK_ORDERS ?= 100000
soak: build-release-bench
	Benchmarks/saga-long.sh .build/release $(STATE_DIR)/bench $(SOAK_ORDERS) $$(( $(SOAK_ORDERS) / 5 )) $(BENCH_CONCURRENCY)

clean:
	rm -rf .build $(STATE_DIR)/bench

## --- Deploy with systemd (see systemd/README.md) -------------------------------------
# `make install` builds the release binaries and installs them with the systemd units, the
# sagad user (systemd-sysusers), the default configuration and shell completions.
# PREFIX=/usr suits packages; DESTDIR=/tmp/stage stages without touching the system.
# CONFIGURATION=debug installs the debug build instead (quick trials); PREBUILT=yes installs
# what .build/$(CONFIGURATION) already holds without building (the systemd harness installs the
# binaries it tests that way: no release build, and no rebuild of what it was given).
CONFIGURATION ?= release
PREBUILT ?= no
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETION_DIR ?= $(PREFIX)/share/zsh/site-functions
FISH_COMPLETION_DIR ?= $(PREFIX)/share/fish/vendor_completions.d
BUILD_DIR := .build/$(CONFIGURATION)
# The shipped units name /usr/local and /etc; rewrite them for other PREFIX/SYSCONFDIR values.
UNIT_PATHS := sed -e 's|/usr/local/bin/sagad|$(BINDIR)/sagad|g' -e 's|/etc/sagad/|$(SYSCONFDIR)/sagad/|g'
# The default configuration with the paths systemd provides: /var/lib/sagad and /run/sagad.
SYSTEM_CONFIG := sed -e 's|^state_dir:.*|state_dir: /var/lib/sagad|' \
	-e '/^control:/,/^[^ \#]/ s|^  socket:.*|  socket: /run/sagad/sagad.sock|' \
	-e '/^grpc:/,/^[^ \#]/ s|^  socket:.*|  socket: /run/sagad/sagad-grpc.sock|' config/sagad.yaml
# Only touch the running system (user, daemon-reload) for a real install, not a staged one.
LIVE_SYSTEM := [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]

.PHONY: install uninstall test-systemd

install: deps
ifneq ($(PREBUILT),yes)
	$(SWIFT) build -c $(CONFIGURATION) --product sagad
	$(SWIFT) build -c $(CONFIGURATION) --product sagactl
endif
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/sagad
	install -m 0755 $(BUILD_DIR)/sagad $(BUILD_DIR)/sagactl $(DESTDIR)$(BINDIR)/
	$(UNIT_PATHS) systemd/sagad.service > $(DESTDIR)$(UNITDIR)/sagad.service
	$(UNIT_PATHS) systemd/sagad.socket > $(DESTDIR)$(UNITDIR)/sagad.socket
	$(UNIT_PATHS) systemd/sagad-grpc.socket > $(DESTDIR)$(UNITDIR)/sagad-grpc.socket
	chmod 0644 $(DESTDIR)$(UNITDIR)/sagad.service $(DESTDIR)$(UNITDIR)/sagad.socket $(DESTDIR)$(UNITDIR)/sagad-grpc.socket
	install -m 0644 systemd/sagad.sysusers $(DESTDIR)$(SYSUSERSDIR)/sagad.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/sagad/sagad.yaml ]; then \
	  echo "keeping the existing $(DESTDIR)$(SYSCONFDIR)/sagad/sagad.yaml"; \
	else \
	  $(SYSTEM_CONFIG) > $(DESTDIR)$(SYSCONFDIR)/sagad/sagad.yaml && \
	  chmod 0644 $(DESTDIR)$(SYSCONFDIR)/sagad/sagad.yaml && \
	  echo "installed $(DESTDIR)$(SYSCONFDIR)/sagad/sagad.yaml"; \
	fi
	install -d $(DESTDIR)$(BASH_COMPLETION_DIR) $(DESTDIR)$(ZSH_COMPLETION_DIR) $(DESTDIR)$(FISH_COMPLETION_DIR)
	$(BUILD_DIR)/sagactl --generate-completion-script bash > $(DESTDIR)$(BASH_COMPLETION_DIR)/sagactl
	$(BUILD_DIR)/sagactl --generate-completion-script zsh > $(DESTDIR)$(ZSH_COMPLETION_DIR)/_sagactl
	$(BUILD_DIR)/sagactl --generate-completion-script fish > $(DESTDIR)$(FISH_COMPLETION_DIR)/sagactl.fish
	@if $(LIVE_SYSTEM); then \
	  systemd-sysusers $(SYSUSERSDIR)/sagad.conf && \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi && \
	  echo "next: systemctl enable --now sagad.socket sagad-grpc.socket sagad.service"; \
	fi

uninstall:
	-@if $(LIVE_SYSTEM) && [ -d /run/systemd/system ]; then \
	  systemctl disable --now sagad.service sagad.socket sagad-grpc.socket; \
	fi
	rm -f $(DESTDIR)$(BINDIR)/sagad $(DESTDIR)$(BINDIR)/sagactl
	rm -f $(DESTDIR)$(UNITDIR)/sagad.service $(DESTDIR)$(UNITDIR)/sagad.socket $(DESTDIR)$(UNITDIR)/sagad-grpc.socket
	rm -f $(DESTDIR)$(SYSUSERSDIR)/sagad.conf
	rm -f $(DESTDIR)$(BASH_COMPLETION_DIR)/sagactl $(DESTDIR)$(ZSH_COMPLETION_DIR)/_sagactl \
	  $(DESTDIR)$(FISH_COMPLETION_DIR)/sagactl.fish
	@config=$(DESTDIR)$(SYSCONFDIR)/sagad/sagad.yaml; \
	if [ -e "$$config" ] && ! $(SYSTEM_CONFIG) | cmp -s - "$$config"; then \
	  echo "keeping $$config: it differs from the default"; \
	else \
	  rm -f "$$config"; rmdir $(DESTDIR)$(SYSCONFDIR)/sagad 2>/dev/null || true; \
	fi
	-@if $(LIVE_SYSTEM) && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "left in place: the state in /var/lib/sagad and the sagad user"

## Builds the debug binaries and checks them under a real systemd, installed by `make install`
## (root and namespaces needed: skipped without them, but failed as root or with CI=true).
test-systemd: deps
	$(SWIFT) build --product sagad
	$(SWIFT) build --product sagactl
	Tests/systemd/run.sh .build/debug/sagad

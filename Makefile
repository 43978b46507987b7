# interleave: deterministic concurrency testing for Go.
#   make test   gofmt, go vet, every test under -race, the parsers' fuzz targets briefly (what CI runs)
#   make demo   the main job
#   make bench  the benchmarks
#   make tools  pinned developer tools into ./bin
#   make chromium  Debian's Chromium, for the browser tests

GO       ?= go
BIN      := $(CURDIR)/bin
DLV_VERSION     := v1.27.2
MOCKGEN_VERSION := v0.6.0

.PHONY: test fmt-check vet test-go fuzz-short bench tools demo generate check-generate pg-up pg-down chromium

test: tools fmt-check vet check-generate test-go fuzz-short

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi

# The packages under std also build with the tag interleave_off, which
# makes them aliases of the standard library (and the examples with them).
vet:
	$(GO) vet ./...
	$(GO) vet -tags interleave_off ./std/... ./examples/...

# The tests run against PostgreSQL: the one named by an exported
# INTERLEAVE_PG_DSN, else the cluster of make pg-up, else a throwaway cluster
# started here for this run alone and stopped after it (scripts/with-pg.sh).
# The browser tests need Chromium: scripts/chromium.sh installs it under CI
# (or with INTERLEAVE_CHROMIUM_INSTALL=1) when it is missing, and otherwise
# says that they will skip. The timeout is go test's per package: on a
# loaded 2-core machine cmd/interleave's tests (subprocesses, dlv, -race)
# have taken 9.5 of the default 10 minutes.
test-go:
	bash scripts/chromium.sh check
	GORACE=atexit_sleep_ms=0 bash scripts/with-pg.sh $(GO) test -race -count=1 -timeout 25m ./...
	$(GO) test -count=1 -tags interleave_off -run Off ./std/...

# chromium installs Debian's Chromium (apt-get install -y chromium) for the
# browser tests, unless a browser is there already.
chromium:
	@bash scripts/chromium.sh install

# fuzz-short runs the native fuzz target of every text parser for FUZZTIME
# each (the go command fuzzes one target of one package at a time). An input
# that breaks a parser is written under the package's testdata/fuzz/ and
# fails the run: commit it, it then runs in every go test. FUZZTIME is a
# count of executions, not a duration: with a duration, Go 1.26's fuzzing
# coordinator can report its own deadline as a failure ("context deadline
# exceeded", no input written; go.dev/issue/75804, fixed in Go 1.27), which
# a loaded machine makes likely. 4000 executions take about 2 to 3 s here.
FUZZTIME ?= 4000x
FUZZ_TARGETS := ./sched:FuzzParseSchedule ./scenarios:FuzzParseScript ./scenarios:FuzzLoadConfig ./internal/stress:FuzzParseFailure
fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "$(GO) test -run '^$$' -fuzz '^$${t#*:}$$' -fuzztime $(FUZZTIME) $${t%%:*}"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

# pg-up starts a throwaway PostgreSQL cluster on 127.0.0.1 and prints the
# export line for INTERLEAVE_PG_DSN; pg-down stops it and deletes its data.
pg-up:
	@bash scripts/pg.sh up

pg-down:
	@bash scripts/pg.sh down

# generate regenerates the gomock mock of harness.Store with the pinned mockgen.
generate: $(BIN)/mockgen
	PATH=$(BIN):$$PATH $(GO) generate ./harness/

# check-generate fails when the committed mock differs from what mockgen makes.
check-generate: generate
	@if ! git diff --quiet -- harness/storemock || [ -n "$$(git ls-files --others --exclude-standard harness/storemock)" ]; then \
		echo "harness/storemock is stale: run 'make generate' and commit the result"; git --no-pager diff --stat -- harness/storemock; exit 1; fi

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1s ./...

tools: $(BIN)/dlv $(BIN)/mockgen

$(BIN)/dlv:
	GOBIN=$(BIN) $(GO) install github.com/go-delve/delve/cmd/dlv@$(DLV_VERSION)

$(BIN)/mockgen:
	GOBIN=$(BIN) $(GO) install go.uber.org/mock/mockgen@$(MOCKGEN_VERSION)

# demo: every scenario x every merge strategy, explored with pct and random,
# and each passing cell searched with dpor (preemption bound 2) for a proof;
# the table, then each failing cell's shrunk counterexample and the line
# that reproduces it.
demo:
	$(GO) run ./cmd/interleave matrix --prove 2

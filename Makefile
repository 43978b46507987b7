# interleave: deterministic concurrency testing for Go.
#   make test   gofmt, go vet, and every test under -race (what CI runs)
#   make demo   the main job
#   make bench  the benchmarks
#   make tools  pinned developer tools into ./bin

GO       ?= go
BIN      := $(CURDIR)/bin
DLV_VERSION     := v1.27.2
MOCKGEN_VERSION := v0.6.0

.PHONY: test fmt-check vet test-go bench tools demo

test: fmt-check vet test-go

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt: these files need formatting:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test-go:
	GORACE=atexit_sleep_ms=0 $(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1s ./...

tools: $(BIN)/dlv $(BIN)/mockgen

$(BIN)/dlv:
	GOBIN=$(BIN) $(GO) install github.com/go-delve/delve/cmd/dlv@$(DLV_VERSION)

$(BIN)/mockgen:
	GOBIN=$(BIN) $(GO) install go.uber.org/mock/mockgen@$(MOCKGEN_VERSION)

demo:
	$(GO) run ./examples/lostupdate

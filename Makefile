# Quick start: `make run` (demo centre on http://127.0.0.1:8080) and `make test`.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: run test build vet bench fuzz clean deps

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/trading ./cmd/trading

## run: start everything (a private MariaDB under ./var unless TRADING_DSN is set), seed the demo centre on an empty database, serve on 127.0.0.1:8080
run: build
	@scripts/deps.sh run
	./bin/trading serve -demo

## test: the whole suite with the race detector, against the private MariaDB (or TRADING_TEST_DSN)
test:
	@scripts/deps.sh test
	$(GO) run ./cmd/trading db exec -- $(GO) test -race -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

## bench: the benchmarks behind docs/PERFORMANCE.md
bench:
	@scripts/deps.sh run
	$(GO) run ./cmd/trading db exec -- $(GO) test -run '^$$' -bench . -benchtime 2s ./...

fuzz:
	$(GO) test ./idcode -run '^$$' -fuzz FuzzValidateUSCC -fuzztime 20s
	$(GO) test ./money -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 20s
	$(GO) test ./lottery -run '^$$' -fuzz FuzzKeyFromStrings -fuzztime 20s

clean:
	rm -rf bin

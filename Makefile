GO ?= go
BIN := bin/zoombulk

.PHONY: build test demo bench lint templates soak

build:
	$(GO) build -o $(BIN) .

test:
	$(GO) test -race -timeout 10m ./...

# Runs the sample migration job against the embedded sandbox and prints where
# its report is.
demo: build
	$(BIN) run samples/migration/job.yaml --sandbox --yes --out runs/demo

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./...

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

GO ?= go
BIN := bin/zoombulk

# What --version prints: VERSION is the release tag at HEAD (make dist
# VERSION=v1.2.0 to name one), else the binary reports the module version
# from Go's build information. The commit and a mark for local changes are
# set here too: go build records no VCS information in a git worktree or
# under GOFLAGS=-buildvcs=false. Outside a git clone all three are empty.
CLI     := github.com/zoombulk/zoombulk/internal/cli
VERSION ?= $(shell git describe --tags --exact-match 2>/dev/null)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DIRTY   ?= $(shell test -z "$$(git status --porcelain 2>/dev/null)" || echo true)
LDFLAGS := $(if $(VERSION),-X $(CLI).Version=$(VERSION)) $(if $(COMMIT),-X $(CLI).Commit=$(COMMIT)) $(if $(DIRTY),-X $(CLI).Dirty=true)

.PHONY: build test demo bench lint templates soak dist

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

# Release archives for linux, darwin and windows (amd64 and arm64) in
# dist/: zoombulk_<version>_<os>_<arch>.tar.gz (.zip for windows) and
# SHA256SUMS, built with the Go toolchain alone (internal/tools/dist).
# TARGETS=linux/amd64,windows/arm64 builds fewer.
dist:
	$(GO) run ./internal/tools/dist -out dist -version "$(VERSION)" -commit "$(COMMIT)" $(if $(DIRTY),-dirty) $(if $(TARGETS),-targets "$(TARGETS)")

test:
	$(GO) test -race -timeout 10m ./...

# Runs the sample migration job against the embedded sandbox and prints where
# its report is. The sample keeps two bad rows on purpose (a broken email, a
# misspelt team), so the run ends with exit 1, "some rows failed": that is the
# expected outcome here, and only an exit above 1 fails the target.
demo: build
	@rm -rf runs/demo
	@$(BIN) run samples/migration/job.yaml --sandbox --yes --out runs/demo; rc=$$?; \
	if [ $$rc -gt 1 ]; then exit $$rc; fi; \
	echo "Open runs/demo/results.xlsx: every row has its status; the rows that fail on purpose say why, with a hint."

# The steps and the users export against the sandbox (bench/: each step at
# 50 ms, 300 ms and 1 s latency (features: 50 and 300 ms), at the CLI's default
# tier and share and at business/1.0), then validate (internal/jobs) and
# export (internal/export) costs; one package at a time so they do not
# compete for the CPU. bench/benchtable passes the output through and
# prints the Markdown tables of bench/RESULTS.md; it exits non-zero when a
# benchmark failed or a row missed its target, and so does this target.
bench:
	@mkdir -p bin
	$(GO) build -o bin/benchtable ./bench/benchtable
	{ $(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 40m ./bench; \
	  $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 20m ./internal/jobs; \
	  $(GO) test -run '^$$' -bench ExportUsers -benchtime 1x -timeout 20m ./internal/export; } 2>&1 | bin/benchtable

# The crash and fault suites with more seeds and rows than make test runs.
soak:
	ZOOMBULK_SOAK=1 $(GO) test -count=1 -timeout 60m -v ./internal/crashtest

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

# Regenerates what is generated and committed: the templates (templates/, one
# workbook and job per kind, and a CSV one), the sample HR export
# (samples/migration/new-hires.xlsx) and the generated sections of docs/ (the
# job file fields, the troubleshooting codes). Tests fail when any is stale.
templates: build
	@mkdir -p templates/csv
	@for kind in create-users update-users licenses group-moves divisions offboarding group-policy; do \
		$(BIN) template $$kind -o templates/$$kind.xlsx --force >/dev/null || exit 1; \
	done
	@$(BIN) template create-users -o templates/csv/create-users.csv --force >/dev/null
	@$(GO) run ./samples/migration/gen -o samples/migration/new-hires.xlsx
	@$(GO) generate ./internal/templates
	@echo "Regenerated templates/, samples/migration/new-hires.xlsx and the generated sections of docs/."

# stytch-desktop — the two commands a newcomer needs:
#   make run    install what is missing, build, register the link scheme, start the app
#   make test   everything CI checks
SHELL := /bin/bash
GO ?= go
GOBIN := $(shell $(GO) env GOPATH)/bin
WAILS := $(GOBIN)/wails
FUZZTIME ?= 10s

.PHONY: all deps deps-core dist-placeholder frontend vet test test-go test-fuzz test-keyring test-frontend test-node-sdk test-broker test-chaos chaos test-desktop test-browser test-browser-broker \
        emulator bench bench-micro build run install clean

all: build

deps:
	scripts/install-deps.sh all

deps-core:
	scripts/install-deps.sh core

# go:embed needs frontend/dist to exist before any Go package compiles.
dist-placeholder:
	@mkdir -p frontend/dist && [ -n "$$(ls -A frontend/dist)" ] || echo '<!doctype html><title>stytch-desktop</title>' > frontend/dist/index.html

frontend: deps
	cd frontend && npm run build

vet: dist-placeholder
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi

test-go: dist-placeholder
	$(GO) test -race -count=1 ./...

# Every fuzz target in the repo (parsers of outside input), each bounded.
test-fuzz: dist-placeholder
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

test-keyring: dist-placeholder
	scripts/test-keyring.sh

test-frontend:
	cd frontend && npm test

# Stytch's official Node SDK against the local API: fidelity is a feature.
test-node-sdk:
	app/localstytch/testdata/node-sdk/run.sh

# The Stytch broker: its Go tests (refusals, limits with a real redis-server,
# logs) run in test-go; here Stytch's Node SDK goes through the broker with a
# wrong secret and is refused on administration routes.
test-broker:
	app/broker/testdata/node-sdk.sh

# The broker under faults (about a minute): sign-in flows through two real
# broker processes while a replica is killed, Redis restarts, the upstream is
# slow and then unreachable, and a replica gets SIGTERM mid-request. Prints
# the flows table (README, "The Stytch broker"). Needs redis-server.
test-chaos chaos: dist-placeholder
	$(GO) vet -tags chaos ./app/broker/chaos/
	$(GO) test -tags chaos -count=1 -v -run TestChaos ./app/broker/chaos/

test: deps vet test-go test-fuzz test-keyring test-frontend test-node-sdk test-broker test-chaos test-desktop test-browser test-browser-broker
	@echo "make test: all suites passed"

# The real build in a real WebKitGTK window under Xvfb: links delivered through
# the registered .desktop handler to a running app and as a cold start.
test-desktop: build
	scripts/e2e-desktop.sh build/bin/stytch-desktop test-artifacts/desktop

# wails dev serves the real app; Playwright drives Debian's Chromium through the
# flows and delivers links through the OS (gio open, throw-away XDG dirs).
test-browser: frontend
	scripts/e2e-browser.sh test-artifacts/browser

# The same browser test with the app in broker mode (the Stytch broker in
# front of the standalone local API; the app holds no secret): the core flows.
test-browser-broker: frontend
	E2E_MODE=broker scripts/e2e-browser.sh test-artifacts/browser-broker

emulator:
	$(GO) run ./cmd/stytch-emulator --seed

# Speed and memory as a person meets them, side by side with a blank Wails app
# built from Wails' own svelte-ts template (issue 13): one table with verdicts,
# last line "bench: N PASS, M FAIL". Not part of `make test`: timings never
# gate CI. BENCH_RUNS runs per figure and app; BENCH_ONLY=1,3 runs some rows.
# Rows 6 and 7 come from the local API's and the broker's own bench programs
# (BENCH_LOCALAPI / BENCH_BROKER: commands printing key=value lines).
BENCH_RUNS ?= 5
BENCH_ONLY ?=
BENCH_LOCALAPI ?= $(GO) run ./cmd/localstytch-bench
BENCH_BROKER ?= $(GO) run ./cmd/stytch-broker-bench
# Row 5a is judged on a company build (what employees install: broker baked
# in, no local API), made here with example values.
BENCH_COMPANY := build/bin/stytch-desktop-company
bench: build
	$(WAILS) build -trimpath -tags nolocalapi -o $(notdir $(BENCH_COMPANY)) \
		-ldflags "-X stytch-desktop/app/config.bakedBrokerURL=https://auth.example.com -X stytch-desktop/app/config.bakedProjectID=project-live-00000000-0000-4000-8000-000000000000" >/dev/null
	scripts/bench/build-blank.sh build/bench >/dev/null
	$(GO) build -o build/bench/bench ./cmd/bench
	build/bench/bench -runs $(BENCH_RUNS) -ours build/bin/stytch-desktop -company $(BENCH_COMPANY) -blank build/bench/blank/build/bin/blank \
		-out test-artifacts/bench -localapi '$(BENCH_LOCALAPI)' -broker '$(BENCH_BROKER)' $(if $(BENCH_ONLY),-only $(BENCH_ONLY))

# Go micro-benchmarks (link parser and friends).
bench-micro: dist-placeholder
	$(GO) test -run='^$$' -bench=. -benchmem ./app/...

# A company build: make build BROKER_URL=https://auth.example.com PROJECT_ID=project-live-…
# bakes the broker in (-ldflags -X): employees set nothing, and the build
# refuses STYTCH_SECRET. Both values are public; the secret stays on the broker.
# REDIRECT_URL=https://auth.example.com/open also bakes in the broker's /open
# page (links open it; the app offers "Got a code instead?"), and
# PUBLIC_TOKEN=public-token-live-… the project's public token (SSO and OAuth).
# A company build leaves the local API out (-tags nolocalapi): it can only
# sign in through the broker, and the binary is ~1.7 MB smaller.
BROKER_URL ?=
PROJECT_ID ?=
REDIRECT_URL ?=
PUBLIC_TOKEN ?=
BAKE_LDFLAGS := $(strip $(if $(BROKER_URL),-X stytch-desktop/app/config.bakedBrokerURL=$(BROKER_URL) -X stytch-desktop/app/config.bakedProjectID=$(PROJECT_ID)) \
	$(if $(REDIRECT_URL),-X stytch-desktop/app/config.bakedRedirectURL=$(REDIRECT_URL)) \
	$(if $(PUBLIC_TOKEN),-X stytch-desktop/app/config.bakedPublicToken=$(PUBLIC_TOKEN)))

WAILS_FLAGS := -trimpath $(if $(BROKER_URL),-tags nolocalapi) $(if $(BAKE_LDFLAGS),-ldflags "$(BAKE_LDFLAGS)")
HANDLER_BUILD := CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o build/bin/stytch-desktop-open ./cmd/stytch-desktop-open

# The release build, the same every time: build/bin emptied (-clean), the
# frontend built and the bindings generated afresh.
# Beside the app, build/bin/stytch-desktop-open: the scheme handler the
# desktop entry launches, pure Go and static, so a link reaches the running
# app without loading GTK (built after wails build: -clean empties build/bin).
build: deps
	@if [ -n "$(BROKER_URL)" ] && [ -z "$(PROJECT_ID)" ]; then echo "make build: BROKER_URL needs PROJECT_ID (the broker's public project id)" >&2; exit 2; fi
	$(WAILS) build -clean $(WAILS_FLAGS)
	$(HANDLER_BUILD)
	@touch $(FRONTEND_STAMP)

# make run is incremental: npm installs only when package-lock.json changed
# (scripts/install-deps.sh keeps its hash in node_modules), the frontend is
# built only when one of its sources is newer than the last build, and wails
# build neither empties build/bin nor builds the frontend (-s) nor generates
# the JS bindings (-skipbindings: the frontend does not use them; it calls
# the backend through src/lib/backend.ts). Go's own cache does the rest.
# make run CLEAN=1 rebuilds everything, as make build does.
FRONTEND_STAMP := build/.frontend-built
FRONTEND_INPUTS := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	$(wildcard frontend/index.html frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/svelte.config.js frontend/tsconfig.json)

# Also rebuilt when frontend/dist lacks the built assets (make clean, or the
# placeholder that Go-only targets put there).
$(FRONTEND_STAMP): $(FRONTEND_INPUTS) $(if $(wildcard frontend/dist/assets),,force-frontend) $(if $(CLEAN),force-frontend) | deps
	cd frontend && npm run build
	@mkdir -p $(dir $@) && touch $@

.PHONY: force-frontend run-build
force-frontend:

run-build: deps $(FRONTEND_STAMP)
	@if [ -n "$(BROKER_URL)" ] && [ -z "$(PROJECT_ID)" ]; then echo "make run: BROKER_URL needs PROJECT_ID (the broker's public project id)" >&2; exit 2; fi
	$(WAILS) build -s -skipbindings $(if $(CLEAN),-clean) $(WAILS_FLAGS)
	$(HANDLER_BUILD)

run: run-build
	./build/bin/stytch-desktop

# Install for the current user (~/.local/bin: the app and its link handler
# stytch-desktop-open; desktop entry, scheme handler).
install: build
	scripts/install-linux.sh build/bin/stytch-desktop

clean:
	rm -rf build/bin frontend/dist

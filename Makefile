# Developer conveniences. CI runs .ci/run; `go test ./...` needs none of this.

.PHONY: screenshot screenshot-empty deb rpm clean FORCE
.DELETE_ON_ERROR:

# Render the morning digest of the synthetic test mailbox and photograph
# it in headless Chromium (phone and desktop, light and dark) into out/.
# TEMPLATES=DIR previews your own templates.
screenshot:
	go run ./digest/cmd/screenshot -out out $(if $(TEMPLATES),-templates $(TEMPLATES))

# The same for a morning with nobody due.
screenshot-empty:
	go run ./digest/cmd/screenshot -out out/empty -empty $(if $(TEMPLATES),-templates $(TEMPLATES))

# Packages for this machine's architecture, into build/: make deb, make rpm.
# nfpm is a tool dependency in go.mod (go tool nfpm): Go is all they need.
# What goes in: packaging/nfpm.yaml. The version (packaging/version.sh),
# the commit and its date go into the binary (rekindle --version); the
# commit's date, not the clock's, also dates every file, so that one commit
# builds the same package twice. Each can be overridden: make deb VERSION=1.2.0.
BUILD := build
VERSION ?= $(shell sh packaging/version.sh)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
DATE ?= $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
GOARCH := $(shell go env GOARCH)
export VERSION GOARCH SOURCE_DATE_EPOCH

LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
PACKAGED := $(BUILD)/rekindle $(BUILD)/rekindle.1.gz $(BUILD)/rekindle.service $(BUILD)/rekindle-user.service

deb rpm: $(PACKAGED)
	rm -f $(BUILD)/*.$@
	go tool nfpm package --config packaging/nfpm.yaml --packager $@ --target $(BUILD)/
	@ls -l $(BUILD)/*.$@

# A static binary (no cgo: pure-Go SQLite and DNS), so one package fits
# every distribution of the architecture. go build is rerun every time and
# rebuilds only what changed.
$(BUILD)/rekindle: FORCE
	@mkdir -p $(BUILD)
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./cmd/rekindle

$(BUILD)/rekindle.1.gz: $(BUILD)/rekindle
	$(BUILD)/rekindle man | gzip -9n >$@

# The units as they are, but for ExecStart=: the package's binary is
# /usr/bin/rekindle. The grep fails the build if that line ever changes.
$(BUILD)/rekindle.service: systemd/rekindle.service
	@mkdir -p $(BUILD)
	sed 's|^ExecStart=/usr/local/bin/rekindle |ExecStart=/usr/bin/rekindle |' $< >$@
	grep -q '^ExecStart=/usr/bin/rekindle ' $@

$(BUILD)/rekindle-user.service: systemd/rekindle-user.service
	@mkdir -p $(BUILD)
	sed 's|^ExecStart=%h/go/bin/rekindle |ExecStart=/usr/bin/rekindle |' $< >$@
	grep -q '^ExecStart=/usr/bin/rekindle ' $@

clean:
	rm -rf $(BUILD)

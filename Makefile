# The two commands a newcomer needs: `make run` and `make test`.
# Everything else here is what those two are made of.

GO        ?= go
BIN       := bin
PKG_FYNE  := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
# Packages tested again under the race detector: every package with goroutines
# but ui (Fyne's test driver runs fyne.Do callbacks on the calling goroutine,
# which races where the real app does not) and cmd/kiosk (cgo, a display).
RACE_PKGS := ./kiosk/... ./devices/... ./cmd/hallserver ./cmd/kioskctl ./cmd/platformsim ./internal/...
# RELEASE names a deployed build on the technician screen (ui.release):
# the tag of the commit built, when it has one; otherwise the screen shows
# 开发版 with the commit and its date from the Go build information.
RELEASE   ?= $(shell git describe --tags --exact-match 2>/dev/null)
LDFLAGS   := -s -w $(if $(RELEASE),-X sckiosk/ui.release=$(RELEASE))
# Tests and binaries are compiled with the same flags, so that make build
# after make test (as CI runs them) reuses every package from the build
# cache, Fyne's OpenGL driver (cgo, minutes) above all: -trimpath on the
# binaries alone gave every package another build ID and compiled them all
# again. -ldflags reaches only the link. GOFLAGS set in the environment or
# with go env -w is kept.
export GOFLAGS := -trimpath $(shell $(GO) env GOFLAGS)

.PHONY: run test build bench deps deps-check vet clean screenshot screenshots bench-ui

## run: build and start the kiosk on simulated devices and the embedded platform simulator
run: deps-check build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "make run: no display (DISPLAY is not set)."; \
	  echo "  On a desktop, run it from a terminal inside the session."; \
	  echo "  Without one: apt-get install -y xvfb && xvfb-run -s '-screen 0 1920x1080x24' make run"; \
	  exit 1; fi
	./$(BIN)/kiosk --sim

## test: go vet, every test, and every package with goroutines again under the race detector
# -timeout 30m: ui's TestScreensFit lays out every screen and form at real
# size in both orientations and modes; it takes 1.5 min on an idle machine
# and was seen at almost 10 min (go test's default limit) under heavy load.
test: deps-check
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) test -count=1 -timeout 30m $$($(GO) list ./... | grep -v '/cmd/kiosk$$')
	$(GO) test -count=1 -timeout 30m -race $(RACE_PKGS)
	$(GO) test -count=1 -timeout 30m ./cmd/kiosk/

## build: all binaries in bin/ (the first build compiles the GL driver: about 5 minutes)
build: deps-check
	@mkdir -p $(BIN)
	@[ -f $(BIN)/kiosk ] || echo "Building the kiosk; the first build compiles Fyne's OpenGL driver and takes about 5 minutes on 2 cores..."
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/...

## bench: run every benchmark once per package
bench:
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchmem $$($(GO) list ./... | grep -v '/cmd/kiosk$$')

## deps-check: install the Debian packages Fyne needs to build, when missing
deps-check:
	@missing=""; for p in $(PKG_FYNE); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages needed to build Fyne:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "The kiosk needs these Debian packages to build:$$missing"; \
	    echo "Install them with:"; \
	    echo "  sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

## screenshot: start the kiosk under Xvfb and save docs/screenshot.png (needs xvfb, imagemagick)
screenshot: build
	./packaging/screenshot.sh

## bench-ui: cold start to first frame, RSS and PSS under Xvfb (needs xvfb, xdotool)
bench-ui: build
	./packaging/bench-startup.sh

## screenshots: every screen in the real window under Xvfb, both orientations, into docs/screens/
screenshots: build
	@command -v xvfb-run >/dev/null || { echo "make screenshots needs xvfb: apt-get install -y xvfb"; exit 1; }
	xvfb-run -a -s '-screen 0 1080x1920x24' ./$(BIN)/kiosk --screenshots docs/screens/portrait --fullscreen
	xvfb-run -a -s '-screen 0 1920x1080x24' ./$(BIN)/kiosk --screenshots docs/screens/landscape --orientation landscape --fullscreen

clean:
	rm -rf $(BIN)

# ---- packaging (issue 9): see packaging/README.md ----

DIST        := $(BIN)/dist
DEB_BUILD   := $(BIN)/deb-build
DEB_ARCH    ?= $(shell $(GO) env GOARCH)
DEB_VERSION ?= 0.1.0+git$(shell git log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null || echo 0)
# Tags lintian reports that are accepted on purpose (packaging/README.md says why).
LINTIAN_SUPPRESS := no-manual-page,hardening-no-pie,hardening-no-relro
ARM64_CC    ?= aarch64-linux-gnu-gcc

.PHONY: deb deb-check units-check build-arm64

## deb: the kiosk, kiosk-platformsim and kiosk-hallserver .deb files in bin/dist/ (nfpm as a library, tools/mkdeb)
deb: build
	@mkdir -p $(DEB_BUILD) $(DIST)
	rm -f $(DIST)/*.deb
	./$(BIN)/kioskctl udev-rules packaging/kiosk.yaml >$(DEB_BUILD)/70-kiosk.rules
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	$(GO) run ./tools/mkdeb -version '$(DEB_VERSION)' -arch $(DEB_ARCH) -bin $(BIN) -build $(DEB_BUILD) -out $(DIST) \
	  -config packaging/nfpm/kiosk.yaml -config packaging/nfpm/platformsim.yaml -config packaging/nfpm/hallserver.yaml

## deb-check: lintian on the .deb files (installs lintian when missing, as root)
deb-check:
	@ls $(DIST)/*.deb >/dev/null 2>&1 || { echo "deb-check: no .deb in $(DIST)/; run make deb first"; exit 1; }
	@command -v lintian >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lintian; \
	  else echo "deb-check needs lintian: sudo apt-get install -y lintian"; exit 1; fi; }
	lintian --fail-on error,warning --suppress-tags $(LINTIAN_SUPPRESS) $(DIST)/*.deb

## units-check: systemd-analyze verify on the systemd units (skipped without systemd-analyze)
units-check:
	./packaging/units-check.sh

## build-arm64: cross-compile every binary for linux/arm64 into bin/arm64 (Debian multiarch set-up: packaging/README.md)
build-arm64:
	@command -v $(ARM64_CC) >/dev/null || { echo "build-arm64 needs $(ARM64_CC) and the arm64 dev libraries: see packaging/README.md (arm64)"; exit 1; }
	@mkdir -p $(BIN)/arm64
	CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=$(ARM64_CC) PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
	  $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/arm64/ ./cmd/...

.PHONY: bench-fleet
## bench-fleet: kiosks a hall server and mosquitto carry, dashboard staleness, offline detection (about 13 min; QUICK=1: 2 min)
bench-fleet: build
	@command -v mosquitto >/dev/null 2>&1 || command -v /usr/sbin/mosquitto >/dev/null 2>&1 || { echo "bench-fleet needs mosquitto: apt-get install -y mosquitto"; exit 1; }
	./packaging/bench-fleet.sh

.PHONY: bench-qr
## bench-qr: decode a generated, degraded camera-like QR corpus on one core, with zbarimg (zbar-tools) and ZXing-C++ (npm zxing-wasm under node) as references
bench-qr:
	@command -v zbarimg >/dev/null 2>&1 || { echo "bench-qr: installing zbar-tools for the zbarimg reference"; \
	  apt-get install -y -qq zbar-tools >/dev/null 2>&1 || echo "bench-qr: zbar-tools not installed; reference skipped"; }
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tools/qrbench/zxing --no-audit --no-fund --silent || echo "bench-qr: npm ci failed; ZXing-C++ reference skipped"; \
	  else echo "bench-qr: npm missing (apt-get install nodejs npm); ZXing-C++ reference skipped"; fi
	GOMAXPROCS=1 $(GO) run ./tools/qrbench $(QRBENCH_FLAGS)

# Kluis: build, run and test. `make help` lists the targets; README.md says more.
#
# Every target that needs system packages runs `deps` first, which installs
# only what is missing (Debian/Ubuntu, through apt-get). Go's build and module
# caches are kept: the first cgo build of Fyne takes a few minutes, later
# ones a few seconds.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:

GO ?= go

# Debian packages a fresh machine lacks: a C compiler and the OpenGL/X11
# headers for Fyne's cgo driver (gcc, pkg-config, libgl1-mesa-dev,
# xorg-dev); an X server without a screen and what xvfb-run needs (xvfb,
# xauth); the reference age tool for interoperability tests (age); and what
# the window smoke test drives and inspects the app with (xdotool,
# imagemagick); two Syncthing instances carry sync packs in a transport
# test (syncthing); QR codes are scanned back with zbarimg (zbar-tools); the
# caseworkers' desk is tested in a real, headless browser (chromium, driven
# from Go by chromedp). For Windows: the MinGW-w64 cross compiler (cgo for
# Kluis.exe, windres for its icon and version), NSIS for the installer,
# Wine to run and test all of it, Tesseract with Dutch to read the
# screenshots, and locales to make a Dutch locale for Wine.
APT_PACKAGES := gcc pkg-config libgl1-mesa-dev xorg-dev xvfb xauth age imagemagick xdotool bc syncthing zbar-tools chromium \
	gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis wine wine64 tesseract-ocr tesseract-ocr-nld locales

# Go build tags. fyneDo is migrated in FyneApp.toml, and a plain `go build`
# needs the matching tag (`fyne package` adds it by itself from the TOML).
# `ci` swaps Fyne's GLFW driver for its headless one: no cgo or GL needed.
# `no_emoji` leaves out Fyne's bundled colour emoji font (4 MB): Kluis's own
# texts have no emoji, and Fyne parsed that font again for every text style,
# about 15 MiB of an idle app. An emoji in someone's own text is drawn with
# the system's emoji font, looked up only when one is shown. Every build of
# the app uses the same tags (scripts/windows-build.sh, smoke.sh, bench-gui.sh).
BUILD_TAGS := migrated_fynedo,no_emoji
TEST_TAGS := ci,migrated_fynedo

# Fyne picks its language from the locale, which is process-wide, so tests
# pin it: Dutch is what Kluis's users see by default. LANGUAGE, LC_ALL and
# LC_MESSAGES are cleared because they override LANG.
TEST_ENV := env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=nl_NL.UTF-8

# What tests leave for people to look at, such as the desk's screenshots
# in a real browser (build/artefacts/desk-browser); tests read it from
# KLUIS_ARTEFACTS.
ARTEFACTS := $(CURDIR)/build/artefacts

FUZZTIME ?= 10s
BENCHTIME ?= 1s

FYNE_TOOL_VERSION := v1.7.4
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(shell $(GO) env GOPATH 2>/dev/null)/bin/staticcheck
FYNE := $(shell $(GO) env GOPATH 2>/dev/null)/bin/fyne

XVFB_RUN := xvfb-run -a -s "-screen 0 1280x800x24"

.PHONY: help deps bench-deps build run test lint smoke bench bench-compare fuzz package windows windows-installer test-windows clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 20

deps: ## install missing system packages (apt-get; sudo when not root)
	@if ! command -v $(GO) >/dev/null; then \
	  echo "Go is missing: install Go 1.26 or newer from go.dev/dl (Debian's is too old)." >&2; exit 1; \
	fi
	@if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then \
	  echo "deps: not a Debian system; make sure these (or your system's equivalents) are installed: $(APT_PACKAGES)" >&2; \
	  exit 0; \
	fi; \
	missing=(); \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$$p"); \
	done; \
	if [ $${#missing[@]} -eq 0 ]; then exit 0; fi; \
	sudo=""; if [ "$$(id -u)" -ne 0 ]; then sudo=sudo; fi; \
	echo "deps: installing $${missing[*]}"; \
	$$sudo apt-get update; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$${missing[@]}"

build: deps ## build bin/kluis (cgo, OpenGL) and each command in cmd/
	CGO_ENABLED=1 $(GO) build -tags $(BUILD_TAGS) -o bin/kluis .
	@for dir in cmd/*/; do \
	  [ -d "$$dir" ] || continue; \
	  name=$$(basename "$$dir"); \
	  if find "$$dir" -maxdepth 1 -name '*.go' ! -name '*_test.go' | grep -q .; then \
	    echo "$(GO) build -o bin/$$name ./$$dir"; \
	    $(GO) build -o "bin/$$name" "./$$dir"; \
	  fi; \
	done

run: build ## build and start the desktop app (under Xvfb when there is no display)
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  ./bin/kluis; \
	else \
	  echo "run: no DISPLAY, so Kluis runs under Xvfb, where nobody can see it; stop it with Ctrl-C"; \
	  $(XVFB_RUN) ./bin/kluis; \
	fi

test: deps ## gofmt, go vet, staticcheck, all Go tests (race, headless, the desk in chromium) and the real-window smoke test
	@unformatted=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: these files need gofmt -w:" >&2; echo "$$unformatted" >&2; exit 1; fi
	$(GO) vet -tags $(TEST_TAGS) ./...
	$(MAKE) --no-print-directory lint
	$(TEST_ENV) KLUIS_ARTEFACTS=$(ARTEFACTS) $(GO) test -race -timeout 30m -tags $(TEST_TAGS) -count=1 ./...
	$(TEST_ENV) scripts/smoke.sh
	$(MAKE) --no-print-directory test-windows

lint: ## staticcheck (installed at a pinned version when missing)
	@if [ ! -x "$(STATICCHECK)" ] || ! $(GO) version -m "$(STATICCHECK)" | grep -q "honnef.co/go/tools[[:space:]]*$(STATICCHECK_VERSION)"; then \
	  echo "$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)"; \
	  $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); \
	fi
	$(STATICCHECK) -tags $(TEST_TAGS) ./...

smoke: deps ## only the real-window smoke test (scripts/smoke.sh)
	$(TEST_ENV) scripts/smoke.sh

bench: deps ## run the benchmarks (BENCHTIME, default 1s)
	$(TEST_ENV) $(GO) test -tags $(TEST_TAGS) -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

# What only `make bench-compare` needs: the reference tools it measures
# Kluis against (age; keepassxc for keepassxc-cli). Kept out of APT_PACKAGES:
# the tests do not need KeePassXC.
BENCH_APT_PACKAGES := age keepassxc

bench-deps: ## install the reference tools of bench-compare (age, keepassxc) when missing
	@if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then \
	  echo "bench-deps: not a Debian system; make sure these are installed: $(BENCH_APT_PACKAGES)" >&2; \
	  exit 0; \
	fi; \
	missing=(); \
	for p in $(BENCH_APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$$p"); \
	done; \
	if [ $${#missing[@]} -eq 0 ]; then exit 0; fi; \
	sudo=""; if [ "$$(id -u)" -ne 0 ]; then sudo=sudo; fi; \
	echo "bench-deps: installing $${missing[*]}"; \
	$$sudo apt-get update; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$${missing[@]}"

# The whole comparison takes a long time (1 GiB documents, 100,000
# records); BENCH_QUICK=1 runs a scaled-down version in a few minutes.
bench-compare: bench-deps ## Kluis side by side with age, tar | age, cp + fsync and keepassxc-cli: the ratio table of issue 15 (build/bench-compare.md)
	scripts/bench-compare.sh

fuzz: deps ## run each fuzz target for FUZZTIME (10s) in turn
	@files=$$(grep -rlE --include='*_test.go' --exclude-dir=testdata --exclude-dir=.git '^func Fuzz[A-Za-z0-9_]*\(' . || true); \
	if [ -z "$$files" ]; then echo "fuzz: no fuzz targets yet"; exit 0; fi; \
	for dir in $$(dirname $$files | sort -u); do \
	  for target in $$(grep -hoE '^func Fuzz[A-Za-z0-9_]*' "$$dir"/*_test.go | sed 's/^func //' | sort -u); do \
	    echo "fuzz: $$dir $$target ($(FUZZTIME))"; \
	    $(TEST_ENV) $(GO) test -tags $(TEST_TAGS) -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) "$$dir"; \
	  done; \
	done

# `fyne package` raises Build in FyneApp.toml on every run. The TOML in git
# stays the single source of the version, so the file is put back as it was
# afterwards, also when packaging fails: raise Version and Build by hand in a
# release commit. The package is built with the Build number in the file.
package: deps ## build dist/Kluis.tar.xz with the fyne tool (installed when missing)
	@if [ ! -x "$(FYNE)" ] || ! $(GO) version -m "$(FYNE)" | grep -q "fyne.io/tools[[:space:]]*$(FYNE_TOOL_VERSION)"; then \
	  echo "$(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOL_VERSION)"; \
	  $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOL_VERSION); \
	fi
	@mkdir -p dist
	@saved=$$(mktemp); cp FyneApp.toml "$$saved"; \
	trap 'cp "$$saved" FyneApp.toml; rm -f "$$saved"' EXIT; \
	rm -f Kluis.tar.xz; \
	echo "$(FYNE) package -os linux --tags no_emoji"; \
	CGO_ENABLED=1 "$(FYNE)" package -os linux --tags no_emoji; \
	mv Kluis.tar.xz dist/Kluis.tar.xz; \
	scripts/desktop-integration.sh dist/Kluis.tar.xz; \
	echo "package: dist/Kluis.tar.xz"

windows: deps ## dist/windows: Kluis.exe, kluisctl.exe, kluis-intake.exe (cross-built with MinGW-w64)
	GO=$(GO) scripts/windows-build.sh

windows-installer: windows ## dist/Kluis-Setup-VERSION.exe, the per-user installer (NSIS)
	scripts/windows-installer.sh

# The Wine checks (scripts/test-windows.sh) get 15 minutes; on a hang the
# script's own time limits and its cleanup (wineserver -k) end everything.
test-windows: windows-installer ## install and test the Windows build under Wine and Xvfb
	KLUIS_ARTEFACTS=$(ARTEFACTS) timeout -k 30 900 scripts/test-windows.sh

clean: ## remove bin/, dist/ and build/ (Go's caches are kept)
	rm -rf bin dist build Kluis.tar.xz

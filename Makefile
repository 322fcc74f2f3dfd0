# Sparklet's two commands: `make run` and `make test`. Each installs what it
# needs on a fresh Debian machine with rustup Rust, and does nothing twice.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

PORT ?= 8080
ADDR ?= 127.0.0.1:$(PORT)
WASM := target/wasm32-unknown-unknown/wasm-release/sparklet_dashboard.wasm
# wasm-bindgen's CLI must be exactly the library version in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' Cargo.lock)
TANSU_VERSION := 0.6.0
KAFKA_PYTHON_VERSION := 2.2.15
PYSPARK_VERSION := 4.3.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test tools test-tools dist native package check unit browser e2e bench-quick bench screenshots clean

## make run: build the dashboard and the server, serve on $(ADDR).
## SOURCE=NAME=URI (several separated by spaces) serves your own data too;
## SINK=DIR stores each batch's output in DIR (--sink).
run: dist native
	./target/release/sparklet serve --addr $(ADDR) --dist dist $(foreach s,$(SOURCE),--source '$(s)') $(if $(SINK),--sink '$(SINK)')

## make test: everything CI checks.
test: test-tools dist native check unit browser e2e bench-quick
	@echo "make test: all passed"

tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown \
		|| rustup target add wasm32-unknown-unknown
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (a few minutes, once)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; \
	fi

test-tools: tools
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		echo "installing Debian chromium and chromium-driver"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi
	@command -v wasm-pack >/dev/null || cargo install wasm-pack --locked
	@# The embeddable module's test packs and installs it with npm.
	@if ! command -v npm >/dev/null; then \
		echo "installing Debian npm"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; \
	fi
	@# The Kafka source's tests run against a real Kafka-protocol broker.
	@# (its memory storage is the `dynostore` feature, off by default).
	@python3 -c 'import json, os, sys; d = json.load(open(os.path.expanduser("~/.cargo/.crates2.json"))); \
		sys.exit(not any(k.startswith("tansu $(TANSU_VERSION) ") and "dynostore" in v.get("features", []) \
		for k, v in d["installs"].items()))' 2>/dev/null || { \
		echo "installing tansu $(TANSU_VERSION), a Kafka-compatible broker (about 10 minutes, once)"; \
		cargo install tansu --version $(TANSU_VERSION) --locked --features dynostore; }
	@# The project's Python: tests' own clients and a real Spark.
	@[ -x .venv/bin/pip ] || python3 -m venv .venv 2>/dev/null || { \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv; \
		rm -rf .venv; python3 -m venv .venv; }
	@# ...the Kafka tests produce their records with a Kafka client of their own...
	@.venv/bin/python -c 'import kafka' 2>/dev/null || \
		.venv/bin/pip install -q kafka-python==$(KAFKA_PYTHON_VERSION)
	@# ...and exported jobs run on PySpark, on Debian's Java.
	@command -v java >/dev/null || { \
		echo "installing Debian openjdk-17-jre-headless"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }
	@.venv/bin/python -c 'import sys, pyspark; sys.exit(pyspark.__version__ != "$(PYSPARK_VERSION)")' 2>/dev/null || { \
		echo "installing pyspark $(PYSPARK_VERSION) (a 450 MB download, once)"; \
		.venv/bin/pip install -q pyspark==$(PYSPARK_VERSION); }

## The dashboard: wasm (release, LTO), JS glue, page shell and CSS in dist/.
dist: tools
	cargo build -p sparklet-dashboard --target wasm32-unknown-unknown --profile wasm-release
	rm -rf dist.tmp && mkdir -p dist.tmp/pkg
	wasm-bindgen --target web --no-typescript --out-dir dist.tmp/pkg $(WASM)
	cp index.html boot.js worker.js dist.tmp/ && cp -r style dist.tmp/
	rm -rf dist && mv dist.tmp dist

native:
	cargo build -p sparklet --release

## The embeddable module (embed/): the engine and the receiver in a worker,
## without the dashboard, as an npm package in target/package/.
package: dist
	rm -rf target/package && mkdir -p target/package/pkg
	cp embed/sparklet.js embed/sparklet.d.ts embed/README.md embed/package.json worker.js target/package/
	cp dist/pkg/sparklet_dashboard.js dist/pkg/sparklet_dashboard_bg.wasm target/package/pkg/

check:
	cargo fmt --all --check
	cargo clippy -p sparklet-engine -p sparklet --all-targets -- -D warnings
	cargo clippy -p sparklet-dashboard --target wasm32-unknown-unknown --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc -p sparklet-engine --no-deps

## Native tests of the engine and the server.
unit:
	cargo test -p sparklet-engine -p sparklet

## The engine's tests again in headless Chrome, then the dashboard's own
## browser tests against a real `sparklet feed` on a free port, each by
## `wasm-pack test --headless --chrome` in its crate (the workspace's
## default member is the dashboard, so the root's command builds no native
## crate for wasm).
browser: native
	cd engine && wasm-pack test --headless --chrome
	scripts/with-feed.sh wasm-pack test --headless --chrome

## A real headless Chromium against `sparklet serve` (cli/tests/e2e.rs), the
## reliability runs (cli/tests/reliability.rs, cli/tests/overload.rs), hostile
## input (cli/tests/hostile.rs), the sources (sources.rs, kafka.rs), the
## sink and downloads (results_out.rs, downloads.rs), HTTP feeds (http_feeds.rs),
## event time over the disorder feed (event_time.rs), and the embeddable
## module packed, installed with npm and run in a page of its own (package.rs),
## pipelines exported to PySpark run on real Spark (spark.rs), and the page
## watching such a job through `serve --spark` (spark_monitor.rs).
e2e: dist native package
	SPARKLET_DIST=$(CURDIR)/dist cargo test -p sparklet --test e2e --test reliability --test overload --test hostile --test sources --test kafka --test results_out --test downloads --test http_feeds --test event_time --test package --test spark --test spark_monitor -- --ignored --test-threads=1

## Performance, in under a minute: fails below the throughput floor.
bench-quick: dist native
	./target/release/sparklet bench --quick --dist dist

## The full performance run (about 4 minutes), as in the README.
bench: dist native test-tools
	./target/release/sparklet bench --dist dist --json target/bench.json --profile target/profiles --peer spark

## Regenerates the README's screenshots into docs/ (a real run, real feed).
screenshots: dist native
	SPARKLET_DIST=$(CURDIR)/dist SPARKLET_SCREENSHOTS=$(CURDIR)/docs \
		cargo test -p sparklet --test e2e -- --ignored --test-threads=1 \
		the_bare_url error_rate_by_service a_frame_that_is_not_utf8
	SPARKLET_DIST=$(CURDIR)/dist SPARKLET_SCREENSHOTS=$(CURDIR)/docs \
		cargo test -p sparklet --test event_time -- --ignored --test-threads=1

clean:
	rm -rf dist dist.tmp
	cargo clean

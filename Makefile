# One-command set-up: `make demo` runs the main job, `make test` runs every check.
# Both install what is missing: a Python venv with torch==2.13.0 from PyPI (the libtorch that
# tch 0.26 links against; kept in a cache outside the clone, recreated whenever missing) and then
# build the workspace against it.

SHELL := /bin/bash
TORCH_VERSION := 2.13.0
VENV ?= $(HOME)/.cache/macroplace/torch-$(TORCH_VERSION)
SHARED ?= $(abspath ../shared)
BENCH ?= $(SHARED)/benchmarks/ct/ariane133_ng45
OUT ?= out

# Build against the venv's torch; policies/build.rs and build.rs embed its lib/ as rpath.
export LIBTORCH_USE_PYTORCH := 1
export PYTHON := $(VENV)/bin/python
export PATH := $(VENV)/bin:$(PATH)
export MACROPLACE_SHARED := $(SHARED)

STAMP := $(VENV)/.torch-$(TORCH_VERSION)-ok

FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf

.PHONY: demo test venv build clean-venv bench sysdeps

# Debian packages: a TrueType font for the pictures (text in PNG/SVG).
sysdeps:
	@test -e "$(FONT)" || test -n "$$MACROPLACE_FONT" || { \
	  echo ">> installing fonts-dejavu-core"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-dejavu-core; }

$(STAMP):
	@echo ">> creating $(VENV) with torch==$(TORCH_VERSION) (about 2.6 GB, once)"
	rm -rf "$(VENV)"
	python3 -m venv "$(VENV)"
	"$(VENV)/bin/pip" install --quiet --disable-pip-version-check "torch==$(TORCH_VERSION)"
	"$(VENV)/bin/python" -c "import torch; print('torch', torch.__version__)"
	touch "$(STAMP)"

venv: $(STAMP)

build: $(STAMP) sysdeps
	cargo build --release --locked

demo: build
	@test -e "$(BENCH)" || { echo "benchmark not found: $(BENCH) (set BENCH=...)"; exit 2; }
	mkdir -p "$(OUT)"
	@NL=$$(ls "$(BENCH)"/netlist.pb.txt* 2>/dev/null | head -1); \
	PLC=$$(ls "$(BENCH)"/initial.plc 2>/dev/null | head -1); \
	ARGS="$$NL $${PLC:+--plc $$PLC}"; \
	set -x; \
	./target/release/macroplace info $$ARGS | tee "$(OUT)/info.txt" && \
	./target/release/macroplace info $$ARGS --json > "$(OUT)/info.json" && \
	./target/release/macroplace eval $$ARGS | tee "$(OUT)/eval.txt" && \
	./target/release/macroplace eval $$ARGS --json > "$(OUT)/eval.json" && \
	./target/release/macroplace plot $$ARGS --nets 20 --out "$(OUT)/floorplan.png" && \
	./target/release/macroplace plot $$ARGS --out "$(OUT)/floorplan.svg" && \
	./target/release/macroplace plot $$ARGS --heatmap density --out "$(OUT)/density.png" && \
	./target/release/macroplace plot $$ARGS --heatmap hcong --out "$(OUT)/hcong.png" && \
	./target/release/macroplace plot $$ARGS --heatmap vcong --out "$(OUT)/vcong.png" && \
	./target/release/macroplace convert $$ARGS --to bookshelf --out "$(OUT)/bookshelf" && \
	./target/release/macroplace convert $$ARGS --to ct --out "$(OUT)/ct" && \
	./target/release/macroplace info "$(OUT)/ct/netlist.pb.txt" --plc "$(OUT)/ct/$$(basename $(BENCH)).plc" --json > "$(OUT)/info_roundtrip.json"
	@echo ">> results in $(OUT)/"

test: $(STAMP) sysdeps
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo test --workspace --locked

bench: $(STAMP)
	cargo bench --bench parse --bench cost

clean-venv:
	rm -rf "$(VENV)"

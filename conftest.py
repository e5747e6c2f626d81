"""pytest set-up shared by the unit tests and the notebook tests (nbval).

Before anything runs, the offline stand-in cache is built (or reused) and the process environment is
switched to offline + quick mode. nbval starts each notebook kernel as a subprocess afterwards, so the
kernels inherit exactly this environment.

Every notebook runs in float32 and in half precision (see tests/harness/passes.py): a float16 pass
for all of them and a bfloat16 pass for those that ask for bfloat16. ``--dtype-passes=float32`` runs
the float32 pass alone.
"""
import os

import pytest

from tests.harness.build import DEFAULT_HF_HOME, build_all
from tests.harness.env import harness_env
from tests.harness.passes import make_scheduler, notebook_collector, order_longest_first, parse_passes


def pytest_addoption(parser):
    parser.addoption("--dtype-passes", default="float32,float16,bfloat16",
                     help="notebook passes to run, comma-separated: float32 (the plain pass), float16 "
                          "(every notebook), bfloat16 (notebooks that ask for it)")


def pytest_configure(config):
    config.dtype_passes = parse_passes(config.getoption("--dtype-passes"))
    # Notebooks are collected here, once per pass, instead of by nbval's own hook.
    config.collect_notebooks = bool(config.option.nbval_lax)
    config.option.nbval_lax = False
    if os.environ.get("PYTEST_XDIST_WORKER"):  # workers inherit what the controller set up
        return
    hf_home = os.environ.get("GENAI_TEST_HF_HOME", str(DEFAULT_HF_HOME))
    os.environ.update(harness_env(hf_home))
    build_all(hf_home)


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".ipynb" and parent.config.collect_notebooks:
        return notebook_collector(parent, file_path)
    return None


def pytest_collection_modifyitems(config, items):
    order_longest_first(items)


def pytest_xdist_make_scheduler(config, log):
    return make_scheduler(config, log)

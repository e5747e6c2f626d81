"""pytest set-up shared by the unit tests and the notebook tests (nbval).

Before anything runs, the offline stand-in cache is built (or reused) and the process environment is
switched to offline + quick mode. nbval starts each notebook kernel as a subprocess afterwards, so the
kernels inherit exactly this environment.
"""
import os

from tests.harness.build import DEFAULT_HF_HOME, build_all
from tests.harness.env import harness_env


def pytest_configure(config):
    if os.environ.get("PYTEST_XDIST_WORKER"):  # workers inherit what the controller set up
        return
    hf_home = os.environ.get("GENAI_TEST_HF_HOME", str(DEFAULT_HF_HOME))
    os.environ.update(harness_env(hf_home))
    build_all(hf_home)

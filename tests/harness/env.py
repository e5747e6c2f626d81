"""The environment that notebooks run in under test (set by conftest.py, inherited by the kernels)."""
from __future__ import annotations

import os
from pathlib import Path

from .build import DEFAULT_HF_HOME, REPO

GUARD_DIR = Path(__file__).parent / "offline_guard"


def harness_env(hf_home: Path = DEFAULT_HF_HOME) -> dict[str, str]:
    """Variables that make a Python process (and a notebook kernel) run offline in quick mode."""
    pythonpath = [str(GUARD_DIR), str(REPO)]
    if os.environ.get("PYTHONPATH"):
        pythonpath.append(os.environ["PYTHONPATH"])
    return {
        "HF_HOME": str(hf_home),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GENAI_QUICK": "1",
        "GENAI_BLOCK_NETWORK": "1",
        "OMP_NUM_THREADS": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONPATH": os.pathsep.join(pythonpath),
    }

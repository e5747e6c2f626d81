"""Conventions every chapter notebook keeps, checked without running it."""
import re

import pytest

from tests.harness.standins import REGISTRY
from tests.notebook_tools import CHECK_MARK, NOTEBOOKS, code_cells, hub_ids, load, source

ids = [p.name for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_slug.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_clean(path):
    """No outputs except in cells nbval checks; no machine-local paths or tokens."""
    nb = load(path)
    for i, cell in enumerate(nb["cells"]):
        src = source(cell)
        if cell["cell_type"] == "code":
            if CHECK_MARK in src:
                assert cell.get("execution_count") and cell.get("outputs"), f"cell {i}: checked cell needs its stored output"
            else:
                assert not cell.get("outputs"), f"cell {i} is committed with outputs"
                assert cell.get("execution_count") is None, f"cell {i} has an execution count"
        assert not re.search(r"hf_[A-Za-z0-9]{30,}", src), f"cell {i} holds a token"
        assert not re.search(r"/root/|/home/[a-z]|/Users/[A-Za-z]|/tmp/|C:\\\\Users", src), f"cell {i} holds a local path"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_structure(path):
    """Title and what you will learn, a Colab-aware setup cell, a sizes cell, summary and exercises."""
    nb = load(path)
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and source(cells[0]).startswith("# "), "first cell: a # title"
    text = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown").lower()
    assert "what you will learn" in text
    assert "## summary" in text and "## exercises" in text
    code = code_cells(nb)
    assert any("google.colab" in c for c in code[:2]), "one of the first two code cells must be the setup cell"
    assert any("pick(" in c and "quick=" in c for c in code[:5]), "sizes cell with utils.pick(quick=..., full=...) near the top"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_setup_cell_is_the_same_everywhere(path):
    """One setup cell for every chapter, so a fix to it (e.g. COURSE_REPO) is made everywhere."""
    first = code_cells(load(NOTEBOOKS[0]))[0]
    assert "google.colab" in first and "requirements-colab.txt" in first
    assert code_cells(load(path))[0] == first, f"{path.name}: first code cell differs from {NOTEBOOKS[0].name}'s setup cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_device_or_dtype_hardcoding(path):
    code = "\n".join(code_cells(load(path)))
    problems = {
        r"""(device\s*=\s*|\.to\(\s*|torch\.device\(\s*)["']cuda""": "hard-coded 'cuda' device (use utils.get_device())",
        r"\.cuda\(\)": ".cuda() (use .to(DEVICE))",
        r"\.half\(\)": ".half() (use .to(DTYPE) from utils.get_dtype())",
        r"torch_dtype\s*=": "torch_dtype= (the current API is dtype=)",
        r"runwayml/": "the removed runwayml/ repo id",
        r"trust_remote_code": "trust_remote_code",
        r"(height|width)\s*=\s*512\b": "hard-coded 512 px (use the pipeline's default size)",
        r"enable_model_cpu_offload\(\)|enable_xformers": "a GPU-only call",
    }
    for pattern, what in problems.items():
        assert not re.search(pattern, code), f"{path.name}: {what}"
    assert "get_device(" in code and "get_dtype(" in code, "pick device and dtype through utils"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_every_hub_id_has_a_standin(path):
    """Every repo id the notebook names must have an offline stand-in, or the notebook test would
    reach for the network."""
    missing = sorted(hub_ids(load(path)) - set(REGISTRY))
    assert not missing, f"{path.name} loads {missing} but tests/harness/standins has no stand-in for them"


def test_hub_id_scan_finds_ids():
    nb = {"cells": [{"cell_type": "code", "source": 'x = "org/model-1.5"\n!pip install a\ny = "outputs/a.wav"\nz = "data/x"'}]}
    assert hub_ids(nb) == {"org/model-1.5"}


def test_readme_lists_every_standin():
    from tests.notebook_tools import REPO

    readme = (REPO / "README.md").read_text()
    missing = [r for r in REGISTRY if f"`{r}`" not in readme]
    assert not missing, f"README's stand-in table lacks {missing}"

"""benchmarks/rehearse.py on a small notebook: overrides after the sizes cell, recorded assertions, other
errors, the chapter time limit."""
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import rehearse  # noqa: E402


@pytest.fixture()
def notebook(tmp_path):
    cells = ["from utils import pick",
             "STEPS = pick(quick=2, full=5)\nTRAIN = True",
             "assert TRAIN, 'a check meant for real weights'",
             "result = STEPS * 10",
             "if result == 70:\n    raise RuntimeError('broken')"]
    path = tmp_path / "99_test.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    return path


def test_overrides_assertions_and_errors(notebook):
    """Overrides run after the sizes cell; an AssertionError is recorded and the chapter goes on; any other
    error stops it; the cells measured so far are handed out after each cell."""
    seen = []
    report = rehearse.rehearse(notebook, timeout=60, cuda=False, overrides=["TRAIN = False", "STEPS = 7"],
                               on_cell=lambda cells: seen.append(len(cells)))
    assert seen == [1, 2, 3, 4, 5]
    assert [c["cell"] for c in report["assertions"]] == [2]
    assert report["assertions"][0]["outcome"].startswith("AssertionError")
    assert report["status"].startswith("FAILED in cell 4: RuntimeError"), report["status"]
    assert len(report["cells"]) == 5 and report["peak_rss_bytes"] > 0


def test_chapter_limit_stops_before_the_next_cell(notebook):
    report = rehearse.rehearse(notebook, timeout=60, cuda=False, chapter_limit=0.0)
    assert report["status"].startswith("stopped after cell 0"), report["status"]
    assert len(report["cells"]) == 1

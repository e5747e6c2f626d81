"""Reading notebooks for the repository tests (hygiene, conventions, Hub ids)."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_cells(nb: dict) -> list[str]:
    return [source(c) for c in nb["cells"] if c["cell_type"] == "code"]


def python_of(cell_source: str) -> str:
    """The cell as plain Python: IPython's `!shell` and `%magic` lines become `pass` statements."""
    lines = []
    for line in cell_source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("!", "%")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines)


HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
FILE_SUFFIX = re.compile(r"\.(wav|png|jpe?g|gif|json|txt|csv|pt|bin|safetensors|py|ipynb|md|gz|zip|npz|npy|parquet)$")
LOCAL_ROOTS = {"outputs", "data", "notebooks", "tests", "utils", "content", "..", "."}


def hub_ids(nb: dict) -> set[str]:
    """Every string literal in the notebook's code that has the shape of a Hub repo id ('org/name')."""
    found = set()
    for src in code_cells(nb):
        for node in ast.walk(ast.parse(python_of(src))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                s = node.value
                if HUB_ID.match(s) and not FILE_SUFFIX.search(s) and s.split("/")[0] not in LOCAL_ROOTS:
                    found.add(s)
    return found


def strip_outputs(nb: dict) -> dict:
    """Drop outputs and execution counts, except in cells whose output nbval checks, and the per-cell
    execution timestamps and widget state that running a notebook leaves (they would make every run a diff)."""
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        if cell["cell_type"] == "code" and CHECK_MARK not in source(cell):
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def record(path: Path, timeout: int = 1800) -> None:
    """Run a notebook offline in quick mode (the test environment) and store only the checked
    cells' outputs: what a developer runs after changing a `# NBVAL_CHECK_OUTPUT` cell."""
    import os

    import nbformat
    from nbclient import NotebookClient

    from tests.harness.build import DEFAULT_HF_HOME, build_all
    from tests.harness.env import harness_env

    hf_home = os.environ.get("GENAI_TEST_HF_HOME", str(DEFAULT_HF_HOME))
    os.environ.update(harness_env(hf_home))
    build_all(hf_home)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nb = nbformat.from_dict(strip_outputs(nb))
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = i + 1 if CHECK_MARK in cell.source else None
    nbformat.write(nb, path)


if __name__ == "__main__":
    import sys

    usage = "python -m tests.notebook_tools {strip|record} notebooks/NN_slug.ipynb ..."
    if len(sys.argv) < 3 or sys.argv[1] not in ("strip", "record"):
        sys.exit(usage)
    for name in sys.argv[2:]:
        p = Path(name)
        if sys.argv[1] == "record":
            record(p)
        else:
            import nbformat

            nbformat.write(nbformat.from_dict(strip_outputs(load(p))), p)
        print(f"{sys.argv[1]}: {p}")

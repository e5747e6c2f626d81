"""Load a chapter's own definitions out of its notebook, so a benchmark measures exactly the code
learners run instead of a copy that can drift from it."""
from __future__ import annotations

import ast
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebook_definitions(notebook: str, wanted: set[str], namespace: dict) -> dict:
    """Execute, in `namespace`, the top-level functions, classes and simple assignments (`NAME = ...`)
    named in `wanted` from the code cells of notebooks/<notebook>; return the namespace.

    `namespace` must already hold what those definitions refer to (modules, sizes)."""
    path = NOTEBOOKS / notebook
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if "google.colab" in src:  # the setup cell holds IPython-only syntax
            continue
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        keep = [node for node in tree.body
                if (isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in wanted)
                or (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name) and node.targets[0].id in wanted)]
        if keep:
            exec(compile(ast.Module(body=keep, type_ignores=[]), str(path), "exec"), namespace)
    missing = wanted - set(namespace)
    if missing:
        raise RuntimeError(f"{path.name} no longer defines {sorted(missing)}")
    return namespace

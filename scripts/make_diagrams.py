"""Save the course's drawn diagrams (utils/diagrams.py) as the outputs of the notebook cells that show them.

    .venv/bin/python scripts/make_diagrams.py           # redraw every diagram and save it in its cell
    .venv/bin/python scripts/make_diagrams.py --check   # exit 1 if a saved diagram is out of date
    .venv/bin/python scripts/make_diagrams.py --png DIR # also write each diagram as DIR/NAME.png

A diagram's place in a notebook is a code cell like this one:

    # NBVAL_CHECK_OUTPUT: the picture is saved with the notebook; utils/diagrams.py draws it
    from utils import show_diagram

    show_diagram("unet")

Its output, the picture, is saved in the notebook (the one kind of saved output the course commits
besides checked text), so a reader sees it before running anything: in JupyterLab, on GitHub and in
Colab, none of which needs a network or an image file beside the notebook for it. Running the cell
draws the same picture again. nbval compares the cell's text output (the diagram's description).
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from utils.diagrams import DESCRIPTIONS, DIAGRAMS, png_bytes  # noqa: E402

CALL = re.compile(r"""^show_diagram\(["']([A-Za-z0-9_]+)["']\)\s*$""", re.MULTILINE)


def places(notebook: dict):
    """(cell index, diagram name) for every code cell that calls show_diagram."""
    for i, cell in enumerate(notebook["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "show_diagram(" not in source:
            continue
        names = CALL.findall(source)
        if len(names) != 1:
            raise ValueError(f"cell {i}: a diagram cell calls show_diagram(\"NAME\") once, on its own line")
        if not source.lstrip().startswith("# NBVAL_CHECK_OUTPUT"):
            raise ValueError(f"cell {i}: a diagram cell starts with '# NBVAL_CHECK_OUTPUT' so its picture is kept")
        if names[0] not in DIAGRAMS:
            raise KeyError(f"cell {i}: no diagram called '{names[0]}' (known: {', '.join(DIAGRAMS)})")
        yield i, names[0]


def saved_output(name: str, png: bytes) -> list[dict]:
    """The cell outputs show_diagram(name) produces, as stored in a notebook."""
    data = {"image/png": base64.b64encode(png).decode("ascii") + "\n", "text/plain": DESCRIPTIONS[name]}
    return [{"data": data, "metadata": {}, "output_type": "display_data"}]


def embed(path: Path, pngs: dict[str, bytes], check: bool = False) -> list[str]:
    """Save the current pictures in `path`'s diagram cells; returns the names that were (or, with
    check=True, would be) changed."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = []
    for i, name in list(places(notebook)):
        cell = notebook["cells"][i]
        outputs = saved_output(name, pngs[name])
        if cell.get("outputs") != outputs or not cell.get("execution_count"):
            changed.append(name)
            cell["outputs"], cell["execution_count"] = outputs, 1
    if changed and not check:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is out of date")
    parser.add_argument("--png", type=Path, help="also write every diagram as PNG into this folder")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    args = parser.parse_args(argv)
    pngs = {name: png_bytes(name) for name in DIAGRAMS}
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
        for name, png in pngs.items():
            (args.png / f"{name}.png").write_bytes(png)
    stale = []
    for path in args.notebooks or sorted((REPO / "notebooks").glob("*.ipynb")):
        for name in embed(path, pngs, check=args.check):
            stale.append(f"{path.name}: {name}") if args.check else print(f"{path.name}: saved {name}")
    if stale:
        print("out of date (run .venv/bin/python scripts/make_diagrams.py):\n  " + "\n  ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

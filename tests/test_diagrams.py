"""The drawn diagrams (scripts/make_diagrams.py) are embedded in the notebooks, up to date, and each is used."""
import importlib.util
import json

import pytest

from tests.notebook_tools import REPO

spec = importlib.util.spec_from_file_location("make_diagrams", REPO / "scripts" / "make_diagrams.py")
make_diagrams = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_diagrams)


def used_names():
    names = []
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        names += [name for _, _, name in make_diagrams.places(json.loads(path.read_text(encoding="utf-8")))]
    return names


def test_embedded_diagrams_are_up_to_date():
    # redraws every diagram and compares it with the picture inside the notebook
    assert make_diagrams.main(["--check"]) == 0


def test_every_diagram_is_used_once():
    assert sorted(used_names()) == sorted(make_diagrams.DIAGRAMS)


def test_pictures_are_the_same_on_every_run():
    assert make_diagrams.png_bytes("clip") == make_diagrams.png_bytes("clip")


def notebook_with(tmp_path, source):
    path = tmp_path / "nb.ipynb"
    cell = {"cell_type": "markdown", "id": "a", "metadata": {}, "source": source}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_embed_fills_the_placeholder(tmp_path):
    path = notebook_with(tmp_path, ["Text.\n", "<!-- diagram: clip -->\n", "![CLIP's two encoders](diagram:clip)"])
    assert make_diagrams.main(["--check", str(path)]) == 1
    assert make_diagrams.main([str(path)]) == 0
    source = "".join(json.loads(path.read_text())["cells"][0]["source"])
    assert source.startswith("Text.\n<!-- diagram: clip -->\n![CLIP's two encoders](data:image/png;base64,")
    assert make_diagrams.main(["--check", str(path)]) == 0


def test_bad_placeholders_get_clear_errors(tmp_path):
    with pytest.raises(KeyError, match="no diagram called 'nope'"):
        make_diagrams.main([str(notebook_with(tmp_path, ["<!-- diagram: nope -->\n", "![x](diagram:nope)"]))])
    with pytest.raises(ValueError, match="must be an image"):
        make_diagrams.main([str(notebook_with(tmp_path, ["<!-- diagram: clip -->\n", "no image here"]))])

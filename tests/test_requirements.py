"""The dependency files agree with each other and with what is installed."""
import importlib.metadata as md
import re

import pytest

from tests.notebook_tools import REPO

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)$")


def pins(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        line = line.split("#")[0].strip().removeprefix("- ").strip()
        if not line or line in ("-e .",):
            continue
        m = PIN.match(line)
        assert m, f"not an exact pin: {line!r}"
        out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def requirements(name="requirements.txt") -> dict[str, str]:
    return pins((REPO / name).read_text().splitlines())


def environment_yml_pins() -> dict[str, str]:
    lines = (REPO / "environment.yml").read_text().splitlines()
    start = next(i for i, l in enumerate(lines) if l.strip() == "- pip:")
    return pins(l for l in lines[start + 1 :] if l.startswith("      - "))


def test_requirements_are_exact_pins_and_have_no_torchvision_or_torchaudio():
    req = requirements()
    for must in ("torch", "diffusers", "transformers", "accelerate", "peft", "datasets", "huggingface-hub",
                 "safetensors", "jupyterlab", "ipywidgets", "matplotlib", "ipykernel", "nbval", "tqdm"):
        assert must in req, f"{must} is not pinned in requirements.txt"
    assert req["torch"] == "2.13.0"
    for found in (req, requirements("requirements-colab.txt"), requirements("requirements-test-assets.txt"),
                  environment_yml_pins()):
        assert not {"torchvision", "torchaudio"} & set(found), "torchvision/torchaudio pull CUDA builds: keep them out"


def test_environment_yml_agrees_with_requirements():
    assert environment_yml_pins() == requirements()


def test_colab_requirements_are_requirements_without_torch():
    colab, req = requirements("requirements-colab.txt"), requirements()
    assert "torch" not in colab, "Colab keeps its own CUDA torch"
    for name, version in colab.items():
        assert req.get(name) == version, f"{name}=={version} in requirements-colab.txt but {req.get(name)} in requirements.txt"


@pytest.mark.parametrize("name,version", sorted(requirements().items()))
def test_installed_version_matches_pin(name, version):
    installed = md.version(name)
    assert installed.split("+")[0] == version, f"{name}: installed {installed}, pinned {version}; run `make setup`"

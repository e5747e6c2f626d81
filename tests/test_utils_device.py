from types import SimpleNamespace

import pytest
import torch

from utils.device import DEVICE_ENV_VAR, describe_device, get_device, get_dtype


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)


def fake_hw(monkeypatch, cuda=False, mps=False, n_gpus=1, bf16=False):
    """Pretend which accelerators exist."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: n_gpus if cuda else 0)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)


@pytest.mark.parametrize(
    "cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")]
)
def test_auto_order(monkeypatch, cuda, mps, expected):
    fake_hw(monkeypatch, cuda=cuda, mps=mps)
    assert get_device() == torch.device(expected)


def test_env_override(monkeypatch):
    fake_hw(monkeypatch, cuda=True, mps=True)
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    assert get_device() == torch.device("cpu")
    assert get_device("mps") == torch.device("mps")  # explicit argument wins


def test_env_empty_is_unset(monkeypatch):
    fake_hw(monkeypatch)
    monkeypatch.setenv(DEVICE_ENV_VAR, "")
    assert get_device() == torch.device("cpu")


def test_env_errors_name_the_variable(monkeypatch):
    fake_hw(monkeypatch)
    monkeypatch.setenv(DEVICE_ENV_VAR, "tpu")
    with pytest.raises(ValueError, match="GENAI_DEVICE"):
        get_device()
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda")
    with pytest.raises(RuntimeError, match="GENAI_DEVICE"):
        get_device()


def test_explicit_choices(monkeypatch):
    fake_hw(monkeypatch, cuda=True, mps=True, n_gpus=2)
    assert get_device("cuda") == torch.device("cuda")
    assert get_device("cuda:1") == torch.device("cuda", 1)
    assert get_device(" CUDA:0 ") == torch.device("cuda", 0)
    assert get_device("mps") == torch.device("mps")
    assert get_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize(
    "bad", ["tpu", "gpu", "", "cpu:x", "mps:1", "cuda:-1", torch.device("meta")]
)
def test_unknown_device(bad):
    with pytest.raises(ValueError, match='"cpu", "cuda", "cuda:N".*"mps"'):
        get_device(bad)


@pytest.mark.parametrize("bad", [0, 1.5, ["cpu"]])
def test_wrong_type(bad):
    with pytest.raises(TypeError, match="str, torch.device or None"):
        get_device(bad)


def test_cuda_unavailable(monkeypatch):
    fake_hw(monkeypatch)
    with pytest.raises(RuntimeError, match=r"Change runtime type > GPU.*get_device\('cpu'\)"):
        get_device("cuda")


def test_cuda_index_out_of_range(monkeypatch):
    fake_hw(monkeypatch, cuda=True, n_gpus=1)
    with pytest.raises(RuntimeError, match="only 1 GPU"):
        get_device("cuda:3")


def test_mps_unavailable(monkeypatch):
    fake_hw(monkeypatch)
    with pytest.raises(RuntimeError, match=r"Apple Silicon.*get_device\('cpu'\)"):
        get_device("mps")


def test_dtype_cpu_is_float32_even_with_bf16(monkeypatch):
    fake_hw(monkeypatch, bf16=True)
    assert get_dtype() == torch.float32
    assert get_dtype("cpu", allow_bf16=True) == torch.float32
    assert get_dtype(torch.device("cpu")) == torch.float32


def test_dtype_accelerators(monkeypatch):
    fake_hw(monkeypatch, cuda=True, mps=True, bf16=True)
    assert get_dtype("mps") == torch.float16
    assert get_dtype("cuda") == torch.float16
    assert get_dtype("cuda", allow_bf16=True) == torch.bfloat16
    assert get_dtype() == torch.float16  # auto -> cuda
    fake_hw(monkeypatch, cuda=True, bf16=False)
    assert get_dtype("cuda", allow_bf16=True) == torch.float16


def test_describe(monkeypatch):
    fake_hw(monkeypatch)
    assert describe_device("cpu") == f"cpu ({torch.get_num_threads()} threads), float32"
    fake_hw(monkeypatch, cuda=True)
    props = SimpleNamespace(name="NVIDIA H100", total_memory=80 * 1024**3)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: props)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert describe_device() == "cuda:0 (NVIDIA H100, 80.0 GiB), float16"
    fake_hw(monkeypatch, mps=True)
    assert describe_device() == "mps (Apple GPU), float16"

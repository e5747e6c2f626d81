from types import SimpleNamespace

import pytest
import torch

from utils.device import DEVICE_ENV_VAR, DTYPE_ENV_VAR, describe_device, get_device, get_dtype, tolerance


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)
    monkeypatch.delenv(DTYPE_ENV_VAR, raising=False)


def fake_hw(monkeypatch, cuda=False, mps=False, n_gpus=1, bf16=False):
    """Pretend which accelerators exist."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: n_gpus if cuda else 0)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: bf16)
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


def fake_gpu(monkeypatch, native_bf16: bool):
    """A CUDA GPU that computes bfloat16 natively (A100-like) or only emulates it (T4-like).

    torch.cuda.is_bf16_supported() answers True for both by default (including_emulation=True).
    """
    fake_hw(monkeypatch, cuda=True)
    monkeypatch.setattr(
        torch.cuda, "is_bf16_supported", lambda including_emulation=True: native_bf16 or including_emulation
    )


def test_t4_like_gpu_gets_float16_even_where_bf16_is_allowed(monkeypatch):
    fake_gpu(monkeypatch, native_bf16=False)
    assert torch.cuda.is_bf16_supported()  # the default query says yes: emulated
    assert get_dtype("cuda", allow_bf16=True) == torch.float16
    assert get_dtype("cuda") == torch.float16


def test_a100_like_gpu_gets_bfloat16_where_allowed(monkeypatch):
    fake_gpu(monkeypatch, native_bf16=True)
    assert get_dtype("cuda", allow_bf16=True) == torch.bfloat16
    assert get_dtype("cuda") == torch.float16


def test_no_gpu_gets_float32(monkeypatch):
    fake_hw(monkeypatch, cuda=False, bf16=True)
    assert get_dtype(allow_bf16=True) == torch.float32


@pytest.mark.parametrize(
    "value, expected",
    [("float16", torch.float16), ("float32", torch.float32), (" Float16 ", torch.float16),
     ("torch.float32", torch.float32)],
)
def test_dtype_env_overrides_every_device_and_call(monkeypatch, value, expected):
    monkeypatch.setenv(DTYPE_ENV_VAR, value)
    fake_hw(monkeypatch)
    assert get_dtype() == expected
    assert get_dtype("cpu", allow_bf16=True) == expected
    fake_gpu(monkeypatch, native_bf16=True)
    assert get_dtype("cuda") == expected
    assert get_dtype("cuda", allow_bf16=True) == expected
    fake_hw(monkeypatch, mps=True)
    assert get_dtype("mps") == expected


@pytest.mark.parametrize("value", ["bfloat16", " BFloat16 ", "torch.bfloat16"])
def test_dtype_env_bfloat16_gives_what_an_a100_gives(monkeypatch, value):
    """bfloat16 where a call allows it, float16 where it does not: what get_dtype answers on a GPU
    that computes bfloat16 natively, on any device."""
    monkeypatch.setenv(DTYPE_ENV_VAR, value)
    fake_gpu(monkeypatch, native_bf16=True)
    a100 = (get_dtype("cuda"), get_dtype("cuda", allow_bf16=True))
    assert a100 == (torch.float16, torch.bfloat16)
    monkeypatch.delenv(DTYPE_ENV_VAR)
    assert (get_dtype("cuda"), get_dtype("cuda", allow_bf16=True)) == a100  # the same without the variable
    monkeypatch.setenv(DTYPE_ENV_VAR, value)
    for hw in ({}, {"mps": True}):
        fake_hw(monkeypatch, **hw)
        assert (get_dtype(), get_dtype(allow_bf16=True)) == a100
    fake_gpu(monkeypatch, native_bf16=False)            # even on a T4, which would not choose bfloat16 itself
    assert (get_dtype("cuda"), get_dtype("cuda", allow_bf16=True)) == a100


def test_dtype_env_empty_is_unset(monkeypatch):
    monkeypatch.setenv(DTYPE_ENV_VAR, "  ")
    fake_hw(monkeypatch)
    assert get_dtype() == torch.float32


@pytest.mark.parametrize("bad", ["fp16", "half", "float64", "int8", "bf16"])
def test_dtype_env_error_lists_the_valid_values(monkeypatch, bad):
    monkeypatch.setenv(DTYPE_ENV_VAR, bad)
    fake_hw(monkeypatch)
    with pytest.raises(ValueError, match=r"GENAI_DTYPE=.*'float32', 'float16', 'bfloat16'.*unset"):
        get_dtype()


def test_describe_reports_the_override(monkeypatch):
    monkeypatch.setenv(DTYPE_ENV_VAR, "float16")
    fake_hw(monkeypatch)
    assert describe_device("cpu").endswith(", float16")


def test_tolerance_follows_the_dtype():
    assert tolerance(torch.float32) == 1e-4
    assert tolerance(torch.float32, float32=1e-6) == 1e-6  # float32 keeps its own bound
    assert tolerance(torch.float64, float32=1e-6) == 1e-6
    assert tolerance(torch.float16) == pytest.approx(20 * 2**-10)
    assert tolerance(torch.bfloat16) == pytest.approx(20 * 2**-7)
    assert tolerance(torch.float16, float32=0.05) == 0.05  # never tighter than the float32 bound
    assert tolerance(torch.float32) < tolerance(torch.float16) < tolerance(torch.bfloat16)
    with pytest.raises(TypeError, match="floating-point"):
        tolerance(torch.int8)


def test_tolerance_holds_for_a_real_half_precision_computation():
    """A float16/bfloat16 matmul-softmax chain stays within the rule; float32 within 1e-4."""
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(64, 32, generator=g), torch.randn(64, 32, generator=g)
    exact = torch.softmax(q @ k.T / 32**0.5, -1).double()
    for dtype in (torch.float32, torch.float16, torch.bfloat16):
        approx = torch.softmax(q.to(dtype) @ k.to(dtype).T / 32**0.5, -1).double()
        assert (approx - exact).abs().max() < tolerance(dtype), dtype

import random

import numpy as np
import pytest
import torch

from utils.seed import make_generator, set_seed


def draw():
    return random.random(), np.random.rand(3), torch.randn(3)


def test_set_seed_reproduces():
    assert set_seed(123) == 123
    a = draw()
    set_seed(123)
    b = draw()
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    assert torch.equal(a[2], b[2])
    set_seed(124)
    assert not torch.equal(draw()[2], b[2])


def test_set_seed_accepts_edges_and_numpy_ints():
    assert set_seed(0) == 0
    assert set_seed(2**32 - 1) == 2**32 - 1
    assert set_seed(np.int64(7)) == 7


@pytest.mark.parametrize("bad", [True, 1.0, "42", None])
def test_set_seed_bad_type(bad):
    with pytest.raises(TypeError, match="seed must be an int"):
        set_seed(bad)


@pytest.mark.parametrize("bad", [-1, 2**32])
def test_set_seed_out_of_range(bad):
    with pytest.raises(ValueError, match="between 0 and 2\\*\\*32 - 1"):
        set_seed(bad)


def test_make_generator_cpu():
    g1, g2 = make_generator(5, "cpu"), make_generator(5, "cpu")
    assert g1.device == torch.device("cpu")
    assert torch.equal(torch.randn(4, generator=g1), torch.randn(4, generator=g2))


def test_make_generator_mps_uses_cpu(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert make_generator(1, "mps").device == torch.device("cpu")


def test_make_generator_validates():
    with pytest.raises(TypeError):
        make_generator(False)
    with pytest.raises(ValueError, match="unknown device"):
        make_generator(1, "tpu")

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from utils.display import plot_bars, plot_curves, show_images, to_numpy_image, to_pil  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


RNG = np.random.default_rng(0)
HWC_U8 = RNG.integers(0, 256, size=(5, 6, 3), dtype=np.uint8)
EXPECTED = HWC_U8.astype(np.float32) / 255


def n_images(fig):
    return sum(1 for ax in fig.axes if ax.images)


@pytest.mark.parametrize(
    "image",
    [
        HWC_U8,
        HWC_U8.transpose(2, 0, 1),  # CHW uint8
        EXPECTED,  # HWC [0, 1]
        torch.from_numpy(EXPECTED).permute(2, 0, 1),  # CHW tensor [0, 1]
        torch.from_numpy(EXPECTED * 2 - 1).permute(2, 0, 1)[None],  # 1CHW tensor [-1, 1]
        torch.from_numpy(EXPECTED).half(),  # half tensor
        Image.fromarray(HWC_U8),
    ],
)
def test_same_picture_any_layout_or_range(image):
    out = to_numpy_image(image)
    assert out.dtype == np.float32 and out.shape == (5, 6, 3)
    np.testing.assert_allclose(out, EXPECTED, atol=2e-3)


@pytest.mark.parametrize(
    "image", [HWC_U8[..., 0], HWC_U8[None, ..., 0], HWC_U8[..., :1], HWC_U8[None, None, ..., 0]]
)
def test_grayscale(image):
    out = to_numpy_image(image)
    np.testing.assert_allclose(out, EXPECTED[..., 0], atol=1e-6)
    assert to_pil(image).mode == "L"


def test_rgba_and_pil_modes():
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    assert to_numpy_image(rgba).shape == (4, 4, 4)
    assert to_numpy_image(Image.new("P", (3, 2))).shape == (2, 3, 3)
    assert to_pil(HWC_U8).mode == "RGB"
    assert to_pil(rgba).mode == "RGBA"


def test_explicit_range_rescales_and_clips():
    img = np.array([[0.0, 127.5, 255.0, 300.0]])
    np.testing.assert_allclose(to_numpy_image(img, value_range=(0, 255))[0], [0, 0.5, 1, 1])


def test_unknown_range():
    with pytest.raises(ValueError, match=r"values lie in \[0, 300\].*value_range=\(lo, hi\)"):
        to_numpy_image(np.array([[0.0, 300.0]]))
    with pytest.raises(ValueError, match="value_range"):
        to_numpy_image(EXPECTED, value_range="0-1")
    with pytest.raises(ValueError, match="value_range"):
        to_numpy_image(EXPECTED, value_range=("a", "b"))
    with pytest.raises(ValueError, match="hi > lo"):
        to_numpy_image(EXPECTED, value_range=(1, 1))


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4, 4), (1, 1, 1, 4, 4)])
def test_wrong_rank(shape):
    with pytest.raises(ValueError, match=str(shape).replace("(", r"\(").replace(")", r"\)")):
        to_numpy_image(np.zeros(shape))


def test_batch_hint():
    with pytest.raises(ValueError, match="show_images"):
        to_numpy_image(torch.zeros(2, 3, 4, 4))


def test_wrong_channels():
    with pytest.raises(ValueError, match="2 channels"):
        to_numpy_image(np.zeros((8, 8, 2)))


def test_non_finite():
    bad = np.zeros((4, 4))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        to_numpy_image(bad)


@pytest.mark.parametrize("bad", [[[0.0, 1.0]], "image.png", None])
def test_unsupported_type(bad):
    with pytest.raises(TypeError, match="PIL.Image, torch.Tensor or numpy.ndarray"):
        to_numpy_image(bad)


def test_show_images_list():
    fig = show_images([HWC_U8, EXPECTED, HWC_U8[..., 0]], titles=["a", "b", "c"], suptitle="x")
    assert isinstance(fig, Figure)
    assert n_images(fig) == 3 and len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    assert not any(ax.axison for ax in fig.axes)


def test_show_images_batch_tensor():
    fig = show_images(torch.rand(10, 3, 8, 8))  # default ncols = 8 -> 2 rows
    assert n_images(fig) == 10 and len(fig.axes) == 16
    fig = show_images(np.zeros((5, 8, 8, 3)), ncols=2)
    assert n_images(fig) == 5 and len(fig.axes) == 6


def test_show_single_image():
    assert n_images(show_images(HWC_U8)) == 1


def test_show_images_errors():
    with pytest.raises(ValueError, match="no images to show"):
        show_images([])
    with pytest.raises(ValueError, match="no images to show"):
        show_images(torch.zeros(0, 3, 4, 4))
    with pytest.raises(ValueError, match="2 titles for 3 images"):
        show_images([HWC_U8] * 3, titles=["a", "b"])
    with pytest.raises(ValueError, match="image 1: .*2 channels"):
        show_images([HWC_U8, np.zeros((8, 8, 2))])
    with pytest.raises(ValueError, match="ncols"):
        show_images([HWC_U8], ncols=0)
    assert plt.get_fignums() == []  # errors do not leave empty figures behind


def test_plot_curves():
    fig = plot_curves(
        {"train": np.linspace(2, 1, 50), "validation": [1.9, 1.5, 1.2]},
        xs={"validation": [0, 25, 49]},
        smooth=5,
        logy=True,
        title="loss",
    )
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]


def test_plot_curves_errors():
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_curves({})
    with pytest.raises(ValueError, match="'val' is empty"):
        plot_curves({"train": [1.0], "val": []})
    with pytest.raises(ValueError, match="3 values but xs"):
        plot_curves({"train": [1, 2, 3]}, xs={"train": [0, 1]})
    with pytest.raises(ValueError, match="not in curves"):
        plot_curves({"train": [1, 2, 3]}, xs={"test": [0, 1, 2]})
    with pytest.raises(ValueError, match="smooth"):
        plot_curves({"train": [1, 2, 3]}, smooth=0)


def test_plot_bars():
    fig = plot_bars(["a", "b", "c"], torch.tensor([0.2, 0.5, 0.3]), top_k=2, title="p")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "c"]
    assert len(ax.patches) == 2


def test_plot_bars_errors():
    with pytest.raises(ValueError, match="same length"):
        plot_bars(["a"], [0.1, 0.2])
    with pytest.raises(ValueError, match="non-empty"):
        plot_bars([], [])
